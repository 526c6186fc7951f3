"""Battery voltage -> percent, run in the firmware's own interpreter."""

from __future__ import annotations

import json

from ..conftest import run_micropython

SCRIPT = """
import json
from battery import BatteryADC, percent_from_mv

class ADC:
    def __init__(self, uv):
        self.uv = uv
    def read_uv(self):
        return self.uv

curve = [percent_from_mv(mv) for mv in range(3000, 4400, 10)]
print(json.dumps({"curve": curve, "half_cell": BatteryADC(ADC(1900000), 2.0)()}))
"""


def test_percent_follows_the_lipo_curve(tmp_path):
    script = tmp_path / "battery_check.py"
    script.write_text(SCRIPT)
    result = json.loads(run_micropython(script).stdout.strip().splitlines()[-1])
    curve = result["curve"]
    assert all(b >= a for a, b in zip(curve, curve[1:]))  # never decreases with voltage
    assert curve[0] == 0 and curve[-1] == 100
    assert curve[(3300 - 3000) // 10] == 0 and curve[(4200 - 3000) // 10] == 100
    assert 45 <= curve[(3780 - 3000) // 10] <= 55  # mid-discharge plateau
    assert result["half_cell"] == 52  # 1.9 V at the pin x 2 = 3.8 V
