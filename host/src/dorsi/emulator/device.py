"""The device-model interface behind an emulated dorsi peripheral.

An :class:`~dorsi.emulator.peripheral.EmulatedPeripheral` owns the radio side
(advertising, GATT table, connections, fault injection); a ``DeviceModel``
owns everything a sensor's firmware owns: sampling, the store-and-forward
ring, command handling and the status record. Two models implement it: the
pure-Python :class:`~dorsi.emulator.replay.ReplayDevice` and (separately) a
model that runs the real MicroPython firmware in a subprocess.

Call order, all on the peripheral's asyncio event loop::

    boot()                      power-on state: empty ring, seq 0
    attach(notify, sleep)       once, before run(); notify(char, payload), sleep(delay_s)
    run()                       task, cancelled at power-off / reboot
    connected(mtu)              on connection, and again on every MTU change
    subscribed(True|False)      stream CCCD written (notifications on / off)
    await control(data)         a control write (never raises on bad input)
    status() / battery()        GATT reads of status and battery level
    disconnected()              link lost or closed

``notify`` targets are ``"stream"``, ``"status"`` and ``"battery"``. It
returns ``False`` when the payload was refused (no subscriber, link buffer
full, stalled link): the model then keeps the data and tries again later.
``True`` means the payload left the device; the air may still lose it.

``request_sleep(delay_s)`` puts the sensor to deep sleep through the
peripheral: the model is stopped, the link drops and nothing advertises until
the peripheral's ``wake()`` (the sensor's button), which boots it afresh.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable

from dorsi.protocol.spec import DEFAULT_NAME_PREFIX

NotifyFn = Callable[[str, bytes], Awaitable[bool]]
"""``notify(char, payload) -> accepted``; ``char`` in :data:`NOTIFY_TARGETS`."""

NOTIFY_TARGETS = ("stream", "status", "battery")

SleepFn = Callable[[float], None]
"""``sleep(delay_s)``: the peripheral powers the sensor down ``delay_s`` from now."""


class DeviceModel(abc.ABC):
    """What an emulated dorsi sensor does, independent of the radio.

    Subclasses implement the abstract methods; :meth:`attach` and
    :meth:`notify` are provided. Device-information strings are class
    attributes that subclasses may override.
    """

    manufacturer: str = "dorsi"
    model_number: str = "dorsi"
    firmware_revision: str = "1.0"

    def __init__(self, role: str, name: str | None = None) -> None:
        self._notify: NotifyFn | None = None
        self._sleep: SleepFn | None = None
        self._role = role
        self._name = name or f"{DEFAULT_NAME_PREFIX}-{role[0].upper()}1"
        if len(self._name.encode()) > 8:
            raise ValueError(f"name {self._name!r} is longer than 8 bytes (it must fit the advertising data)")

    # --- identity -------------------------------------------------------------
    @property
    def role(self) -> str:
        """``"shin"`` or ``"foot"``."""
        return self._role

    @property
    def name(self) -> str:
        """Advertised local name (default ``dorsi-S1`` / ``dorsi-F1``); at most 8 bytes
        so it fits the advertising data."""
        return self._name

    # --- lifecycle ------------------------------------------------------------
    @abc.abstractmethod
    def boot(self) -> None:
        """Enter the power-on state: sequence counter 0, empty ring, idle link."""

    @abc.abstractmethod
    async def run(self) -> None:
        """Produce samples and push stream packets through :meth:`notify` until cancelled."""

    def attach(self, notify: NotifyFn, sleep: SleepFn | None = None) -> None:
        """Install the peripheral's callbacks (called once by the peripheral)."""
        self._notify = notify
        self._sleep = sleep

    def request_sleep(self, delay_s: float = 0.0) -> bool:
        """Go to deep sleep ``delay_s`` from now; ``False`` when no peripheral can (none attached)."""
        if self._sleep is None:
            return False
        self._sleep(delay_s)
        return True


    async def notify(self, char: str, payload: bytes) -> bool:
        """Send ``payload`` on characteristic ``char``; ``False`` when refused or unattached."""
        if self._notify is None:
            return False
        return await self._notify(char, payload)

    # --- link events ----------------------------------------------------------
    @abc.abstractmethod
    def connected(self, mtu: int) -> None:
        """A central connected, or the ATT MTU of the connection changed to ``mtu``."""

    @abc.abstractmethod
    def disconnected(self) -> None:
        """The central disconnected (or the link was lost)."""

    @abc.abstractmethod
    def subscribed(self, stream: bool) -> None:
        """Stream notifications were enabled (``True``) or disabled (``False``)."""

    # --- GATT operations ------------------------------------------------------
    @abc.abstractmethod
    async def control(self, data: bytes) -> None:
        """Handle one control write.

        Never raises on malformed input: the result (including error codes such
        as ``Result.UNKNOWN_COMMAND``) is recorded in the status record and
        notified on ``"status"``.
        """

    @abc.abstractmethod
    def status(self) -> bytes:
        """The status record (``spec.STATUS_FORMAT``) as read from the status characteristic."""

    @abc.abstractmethod
    def battery(self) -> int:
        """Battery level in percent, 0..100."""
