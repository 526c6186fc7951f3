# Bond key store behind MicroPython's _IRQ_GET_SECRET / _IRQ_SET_SECRET.
#
# NimBLE (ESP32) hands every secret it wants kept to the application:
#   type 1 "our" LTK and type 2 "peer" keys (LTK, IRK, identity), both keyed by
#   the central's 7-byte identity address (ble_addr_t), and type 10 the
#   sensor's own IRK (key b"irk") that makes its resolvable private address.
# One bond = one peer address holding type 1/2 entries.
#
# Policy: bond keys are written or deleted only while the pairing window is
# open, and a NEW bond only while fewer than `max_bonds` are held. The IRQ only changes memory and sets `dirty`; the main
# loop writes the file later (`flush`), never from the IRQ or the sampling path.
#
# The storage seam: anything with read() -> bytes or None, write(bytes) and
# remove(). FileStorage uses a file in flash (or any file on the unix port).
import json

from micropython import const

import binascii

SEC_OUR = const(1)
SEC_PEER = const(2)
SEC_OUR_IRK = const(10)
_MAX_ENTRIES_EXTRA = const(8)  # non-bond entries (our IRK, ...) kept at most
_FORMAT = const(1)


class FileStorage:
    """A small file written whole: temporary file, then rename (no half-written keys)."""

    def __init__(self, path):
        self.path = path

    def read(self):
        try:
            with open(self.path, "rb") as f:
                return f.read()
        except OSError:  # no file yet
            return None

    def write(self, data):
        import os

        tmp = self.path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        try:
            os.rename(tmp, self.path)  # littlefs (ESP32 default) replaces the old file
        except OSError:  # FAT refuses to rename over an existing file
            os.remove(self.path)
            os.rename(tmp, self.path)

    def remove(self):
        import os

        try:
            os.remove(self.path)
        except OSError:
            pass


def _hex(b):
    return binascii.hexlify(b).decode()


class BondStore:
    """Secrets in memory, persisted through ``storage`` (None: memory only).

    ``clock`` has the ticks API; the pairing window opens at construction
    (power-on) for ``window_ms`` and again on ``open_window()``.
    Counters: ``refused`` (new bonds refused), ``corrupt`` (key files ignored).
    """

    def __init__(self, storage=None, clock=None, max_bonds=4, window_ms=120000, log=print):
        self.storage = storage
        self.clock = clock
        self.max_bonds = max_bonds
        self.window_ms = window_ms
        self.log = log
        self.secrets = {}  # (type, key bytes) -> value bytes
        self.dirty = False
        self.refused = 0
        self.corrupt = 0
        self.saves = 0
        self._window_start = 0
        self._window_len = 0
        self.load()
        self.open_window()

    # ------------------------------------------------------------ persistence
    def load(self):
        """Read the key file; a corrupt one is ignored (logged) and replaced on the next save."""
        self.secrets = {}
        if self.storage is None:
            return
        try:
            raw = self.storage.read()
        except Exception as e:  # noqa: BLE001 - a flash error must not stop the device
            self.log("bonds: cannot read key file: %r" % (e,))
            return
        if raw is None:
            return
        try:
            doc = json.loads(raw)
            if doc["v"] != _FORMAT:
                raise ValueError("format %r" % (doc["v"],))
            secrets = {}
            for t, k, v in doc["secrets"]:
                secrets[(int(t), binascii.unhexlify(k))] = binascii.unhexlify(v)
        except Exception as e:  # noqa: BLE001 - bad JSON, bad hex, wrong shape
            self.corrupt += 1
            self.log("bonds: corrupt key file ignored: %r" % (e,))
            return
        self.secrets = secrets
        if self.count() > self.max_bonds:
            self.log("bonds: %d bonds held, more than MAX_BONDS=%d" % (self.count(), self.max_bonds))

    def flush(self):
        """Write the file if anything changed. Main loop only (not from an IRQ)."""
        if not self.dirty or self.storage is None:
            self.dirty = False
            return False
        doc = {"v": _FORMAT, "secrets": [[t, _hex(k), _hex(v)] for (t, k), v in self.secrets.items()]}
        self.storage.write(json.dumps(doc).encode())
        self.dirty = False
        self.saves += 1
        return True

    def clear(self):
        """Factory reset: forget every bond and the sensor's own IRK, remove the file."""
        self.secrets = {}
        self.dirty = False
        if self.storage is not None:
            self.storage.remove()
        self.log("bonds: cleared")

    # --------------------------------------------------------------- window
    def open_window(self, ms=None):
        """(Re)open the pairing window for ``ms`` (default ``window_ms``) from now."""
        self._window_start = self.clock.ticks_ms() if self.clock is not None else 0
        self._window_len = self.window_ms if ms is None else ms

    def close_window(self):
        self._window_len = 0

    def window_open(self):
        if self._window_len <= 0:
            return False
        if self.clock is None:
            return True
        if self.clock.ticks_diff(self.clock.ticks_ms(), self._window_start) < self._window_len:
            return True
        self._window_len = 0  # closed until opened again (no tick wrap-around reopening it)
        return False

    # ---------------------------------------------------------------- bonds
    def peers(self):
        """Identity addresses (ble_addr_t bytes) that hold bond keys."""
        out = []
        for t, k in self.secrets:
            if (t == SEC_OUR or t == SEC_PEER) and k not in out:
                out.append(k)
        return out

    def count(self):
        return len(self.peers())

    def is_bonded(self, key):
        return (SEC_PEER, bytes(key)) in self.secrets or (SEC_OUR, bytes(key)) in self.secrets

    # ------------------------------------------------------ IRQ 29 and 30
    def get(self, sec_type, index, key):
        """_IRQ_GET_SECRET: the value, or None. ``key`` None: the index-th entry of that type."""
        if key is None:
            i = 0
            for (t, k), v in self.secrets.items():
                if t == sec_type:
                    if i == index:
                        return v
                    i += 1
            return None
        return self.secrets.get((sec_type, bytes(key)))

    def set(self, sec_type, key, value):
        """_IRQ_SET_SECRET: store (or delete, ``value`` None); False refuses it.

        Bond keys (types 1 and 2) change only while the pairing window is open:
        outside it a central spoofing a bonded address cannot make NimBLE's
        "repeat pairing" delete or overwrite that bond. A new bond also needs
        a free slot (``max_bonds``). Other secrets (the sensor's own IRK) are
        bounded in number.
        """
        k = (sec_type, bytes(key))
        if sec_type == SEC_OUR or sec_type == SEC_PEER:
            if not self.window_open():
                self.refused += 1
                return False
            if value is not None and not self.is_bonded(k[1]) and self.count() >= self.max_bonds:
                self.refused += 1
                return False
        elif value is not None and k not in self.secrets and \
                len(self.secrets) - 2 * self.count() >= _MAX_ENTRIES_EXTRA:
            self.refused += 1
            return False
        if value is None:
            if k in self.secrets:
                del self.secrets[k]
                self.dirty = True
                return True
            return False
        self.secrets[k] = bytes(value)
        self.dirty = True
        return True
