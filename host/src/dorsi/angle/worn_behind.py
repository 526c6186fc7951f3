"""A shin sensor worn on the back of the leg, told from the physics of the first movements.

The calibration takes the sensor's +z as the front of the shin (the flat side
out, on the tibia). Strapped on the calf instead, half a turn about the shin,
+z points back and every forward lean would read as a backward one: lunges as
negative angles, no reps. The first movements tell, when they are standing
ones: the shank then turns about the ankle, below the sensor (the fitted lever
arm points up the shin by the sensor's height), and a shank pivoting about a
planted foot leans forward (knee over the toes) by tens of degrees but backward
only by a few (further back, a standing person falls over). So a calibration
that read the front from +z is turned round when

* the rest was upright (the shank within 30 deg of vertical),
* the lever arm was fitted from the movement (not the profile's default) and
  puts the pivot at least ``MIN_PIVOT_BELOW_M`` below the sensor, and
* after the rest the shank leaned back from vertical beyond
  ``MIN_BACK_LEAN_DEG`` (5th percentile of its inclination) while it hardly
  leaned forward of vertical (95th percentile under ``MAX_FORWARD_LEAN_DEG``).

The lean is judged from vertical, not from the rest: a calibration whose rest
was a lunge held at the wall (the patient did not stand still first) sees the
later standing as a lean back from that rest, but not from vertical.

Seated movements turn about the knee (the pivot above the sensor) or hardly move
the shank (ankle circles: a pivot a few centimetres off), lying ones start from
a horizontal shank, eccentric drops lean back a few degrees only: none of these
meets all three, and none can tell front from back, so they keep +z.
"""

from __future__ import annotations

import numpy as np

from dorsi.angle.calibration import Calibration
from dorsi.angle.frames import plane_angles

#: The pivot of the first movements at least this far below the sensor (m): the ankle, 15-25 cm
#: below a shin sensor (seated ankle circles fit 6-7 cm, seated knee swings a pivot above).
MIN_PIVOT_BELOW_M = 0.12
#: Leaning back from vertical beyond this (deg, 5th percentile after the rest) ...
MIN_BACK_LEAN_DEG = 12.0
#: ... while leaning forward of vertical less than this (deg, 95th percentile).
MAX_FORWARD_LEAN_DEG = 5.0
#: The rest within this of vertical (deg): upright.
MAX_UPRIGHT_REST_DEG = 30.0


def worn_behind(calibration: Calibration, lever_arm_m: np.ndarray | None) -> bool:
    """Whether ``calibration`` (front from the sensor's +z) is of a sensor worn on the back of the
    leg, given the lever arm fitted from its first movements (None: not fitted)."""
    if lever_arm_m is None or calibration.sign_source != "sensor_z":
        return False
    shin = calibration.shin
    rest_deg = np.degrees(plane_angles((shin.frame.matrix @ shin.rest_up)[None, :])[0][0])
    back, forward = calibration.meta.get("excursion_deg", (0.0, 0.0))  # from the rest
    return bool(np.dot(lever_arm_m, shin.frame.up) >= MIN_PIVOT_BELOW_M
                and abs(rest_deg) < MAX_UPRIGHT_REST_DEG
                and rest_deg + back < -MIN_BACK_LEAN_DEG and rest_deg + forward < MAX_FORWARD_LEAN_DEG)
