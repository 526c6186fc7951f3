"""Orientation: where gravity points in the sensor frame, sample by sample.

Three ways in, one output (the unit "up" vector in the sensor frame):

* device quaternions (``quaternion.up_in_sensor``), fully vectorised;
* raw samples fused with x-io Fusion (``FusionOrientation``), the reference;
* raw samples through a vectorised complementary filter on fixed body axes
  (``AxisAngleFilter``), used by the angle estimator on the hot path.
"""

from dorsi.orientation.axis_filter import AxisAngleFilter
from dorsi.orientation.fusion import FusionOrientation
from dorsi.orientation.quaternion import quat_conjugate, quat_multiply, quat_rotate, up_in_sensor
from dorsi.orientation.rest import RestDetector
from dorsi.orientation.startup import AhrsStartup

__all__ = [
    "AhrsStartup",
    "AxisAngleFilter",
    "FusionOrientation",
    "RestDetector",
    "quat_conjugate",
    "quat_multiply",
    "quat_rotate",
    "up_in_sensor",
]
