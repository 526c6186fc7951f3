"""Link security policy of a dorsi sensor: which operations need a bonded, encrypted link.

A sensor worn at home must not be driven by a stranger's phone. The policy
(:class:`SecurityPolicy`) says which GATT operations require an **encrypted
link with a bonded central** (LE Secure Connections keys stored on both
sides) and when the sensor accepts *new* bonds (the pairing window).
:func:`access_error` is the decision the sensor takes on every protected
operation; it returns the ATT error a central must see:

=====================  ================  =========================================
link encrypted         peer bonded       answer
=====================  ================  =========================================
yes                    yes               allowed
no                     yes               ``0x0F`` Insufficient Encryption (encrypt
                                         with the stored keys, then retry)
no / yes               no                ``0x05`` Insufficient Authentication
                                         (pair first)
=====================  ================  =========================================

"Bonded" means the sensor holds keys for the central's identity address; it
is checked against the key store, not against the link's *authenticated*
flag, because LE Secure Connections "Just Works" pairing reports the link as
authenticated although it has no MITM protection.
"""

from __future__ import annotations

from dataclasses import dataclass

from bumble import att

INSUFFICIENT_AUTHENTICATION = int(att.ATT_INSUFFICIENT_AUTHENTICATION_ERROR)  # 0x05
INSUFFICIENT_ENCRYPTION = int(att.ATT_INSUFFICIENT_ENCRYPTION_ERROR)  # 0x0F
SECURITY_ERRORS = (INSUFFICIENT_AUTHENTICATION, INSUFFICIENT_ENCRYPTION)


@dataclass(frozen=True)
class SecurityPolicy:
    """What a sensor protects and when it accepts new bonds.

    Parameters
    ----------
    control : bool
        Control writes (START, STOP, SET_RATE, TARE, IDENTIFY, BACKLOG, SLEEP) need a
        bonded, encrypted link.
    stream : bool
        Subscribing to the stream (its CCCD write) needs a bonded, encrypted
        link, so samples never travel in clear.
    pairing_window_s : float or None
        New bonds are accepted only this long after boot or after
        ``open_pairing_window`` (the button press on the real sensor);
        ``None`` accepts pairing at any time. Bonded centrals re-encrypt at
        any time.
    max_bonds : int
        Bonds the sensor keeps; pairing a further central is refused until
        one is removed.
    """

    control: bool = True
    stream: bool = False
    pairing_window_s: float | None = 120.0
    max_bonds: int = 4

    def __post_init__(self) -> None:
        if self.pairing_window_s is not None and not self.pairing_window_s >= 0:
            raise ValueError(f"pairing_window_s must be >= 0 or None, got {self.pairing_window_s!r}")
        if self.max_bonds < 1:
            raise ValueError(f"max_bonds must be >= 1, got {self.max_bonds}")

    @classmethod
    def open(cls) -> SecurityPolicy:
        """Nothing protected, pairing always accepted (the development default)."""
        return cls(control=False, stream=False, pairing_window_s=None)

    @classmethod
    def strict(cls) -> SecurityPolicy:
        """Control and stream both need a bonded, encrypted link."""
        return cls(control=True, stream=True)


def access_error(required: bool, encrypted: bool, bonded: bool) -> int | None:
    """ATT error code for a protected operation, or ``None`` when it is allowed.

    Parameters
    ----------
    required : bool
        The policy protects this operation.
    encrypted : bool
        The link is encrypted.
    bonded : bool
        The sensor holds bonding keys for the central.
    """
    if not required or (encrypted and bonded):
        return None
    if bonded:
        return INSUFFICIENT_ENCRYPTION
    return INSUFFICIENT_AUTHENTICATION


def describe(error_code: int) -> str:
    """One line for a user who met a security ATT error."""
    if error_code == INSUFFICIENT_ENCRYPTION:
        return "the sensor needs an encrypted link (ATT Insufficient Encryption): the bond should encrypt it"
    if error_code == INSUFFICIENT_AUTHENTICATION:
        return ("the sensor only obeys a paired computer (ATT Insufficient Authentication): "
                "run 'dorsi pair' while the sensor's pairing window is open")
    return f"ATT error 0x{error_code:02X}"
