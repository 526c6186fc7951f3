"""The note an exercise gets when its movement says the shin strap has turned since calibration."""

from __future__ import annotations

from dorsi.angle.movement_axis import MovementAxis
from dorsi.angle.trace import AngleTrace
from dorsi.routine.model import ExerciseSpec

#: A turn of the sensor about the shin this large (deg; the movement axis less the knee's drift,
#: ``MovementAxis.turn_deg_``) earns the note. With the strap as calibrated lunges, knee-to-wall
#: trials and stretches read within 2 deg, whatever the knee's drift (docs/validation.md); at
#: 8 deg a seventh of the sagittal movement leaks into the frontal tilt.
STRAP_TURN_NOTE_DEG = 8.0


def checks_strap(spec: ExerciseSpec) -> bool:
    """Whether ``spec``'s movement is compared with the calibration's: exercises that turn the
    shank about the ankle while standing (seated ones turn about the knee, whose axis differs
    from the ankle's by the tibial torsion)."""
    return spec.posture == "standing" and spec.signal == "angle"


def strap_turn(axis: MovementAxis) -> float | None:
    """The turn ``axis`` measured (deg) when it is ``STRAP_TURN_NOTE_DEG`` or more, else None."""
    turn = axis.turn_deg_
    return None if turn is None or abs(turn) < STRAP_TURN_NOTE_DEG else turn


def strap_turn_note(spec: ExerciseSpec, trace: AngleTrace) -> str | None:
    """A note when the shin sensor turned ``STRAP_TURN_NOTE_DEG`` or more about the shin since
    calibration, read off the movement of ``spec``'s segment ``trace``; None otherwise, and for
    exercises :func:`checks_strap` leaves out."""
    if not checks_strap(spec):
        return None
    turn = strap_turn(MovementAxis().measure(trace))
    if turn is None:
        return None
    return (f"{spec.id}: the shin sensor has turned about {abs(turn):.0f} deg around the shin since calibration "
            "(the shank's movement turned about another axis in it): the peaks read low and the foot can be "
            "flagged rolling in; turn the sensor back to the front of the shin and calibrate again")
