"""The sampling hot path (read + fuse + pack) allocates nothing on the heap.

Runs ``firmware/hostsim/loop_probe.py`` (the benchmark's probe) under the real
``micropython``: the steady-state loop must show a zero ``gc.mem_alloc()``
delta and must also survive ``micropython.heap_lock()``, where any allocation
raises ``MemoryError``. The float reference loop is checked to allocate, so
the measurement itself is shown to see allocations.
"""

from __future__ import annotations

import json

from ..conftest import FIRMWARE, run_micropython
from .firmware_run import MPY
from .motion import lunge, write_dsim


def test_hot_path_allocates_nothing(tmp_path):
    motion = write_dsim(tmp_path / "m.dsim", lunge(104.0, still_s=3, moving_s=215, after_s=1))
    proc = run_micropython(FIRMWARE / "hostsim" / "loop_probe.py", str(motion), "5000",
                           path=[FIRMWARE / "hostsim", MPY])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["samples"] >= 1000
    assert result["alloc_bytes_per_sample"] == 0
    assert result["heap_lock_ok"] is True
    assert result["reference_alloc_bytes_per_sample"] > 100  # boxed floats: the probe sees allocation
    p247 = result["payload_bytes_per_sample"]["247"]
    assert p247["samples_per_notification"] == 11
    assert abs(p247["bytes_per_sample"] - (14 + 11 * 20) / 11) < 0.05
