"""Which view of the trace an exercise segment is analysed on when the foot sensor is lost.

A foot sensor that falls silent with the foot off the ground (mid ankle circle, in a seated
hold, at the top of a drop) leaves the ankle angle unknown for as long as it stays silent: a
flat battery at the ankle circles would otherwise cost every exercise after them. A segment
that starts inside such a silence (``AngleTrace.foot_lost`` at its first shin sample) is
analysed as with the shin sensor alone (``AngleTrace.shin_only``: tibial inclination, heel
lifts from the shin's kinematics) when the exercise can be seen that way; one that needs the
foot sensor (``needs_foot_sensor``: circles, seated holds) cannot, and keeps the foot's view.

The choice is made once, at the segment's first shin sample, and kept for the whole segment
(the foot coming back mid-segment does not switch the angle's meaning halfway), so the live
session, which sees the segment chunk by chunk, makes the same choice as the batch analysis.
"""

from __future__ import annotations

from dorsi.angle.trace import AngleTrace


class FootFallback:
    """Choose a segment's view at its first shin sample and keep it.

    Parameters
    ----------
    needs_foot_sensor : bool
        The exercise cannot be seen by the shin alone (never falls back).

    Attributes
    ----------
    shin_alone_ : bool or None
        The segment is analysed on the shin alone; None until decided (no
        shin sample seen yet).
    """

    def __init__(self, needs_foot_sensor: bool) -> None:
        self.needs_foot_sensor = needs_foot_sensor
        self.shin_alone_: bool | None = None
        self._held: list[AngleTrace] = []

    def update(self, chunk: AngleTrace) -> AngleTrace | None:
        """The next chunk of the segment in the chosen view; None while undecided.

        Chunks before the first shin sample (all lost) are held and come out
        with the chunk that decides; a segment that ends undecided had nothing
        usable, and its held chunks are dropped.
        """
        if self.shin_alone_ is None:
            self._held.append(chunk)
            shin = chunk.channel_valid("knee_swing").nonzero()[0]
            if not len(shin):
                return None
            held = AngleTrace.concatenate(self._held) if len(self._held) > 1 else chunk
            self._held = []
            self.shin_alone_ = bool(not self.needs_foot_sensor and chunk.shin_only is not None
                                    and chunk.foot_lost is not None and chunk.foot_lost[shin[0]])
            chunk = held
        return chunk.shin_only if self.shin_alone_ else chunk

    @staticmethod
    def note(exercise: str, start_s: float, end_s: float) -> str:
        """The analysis note for a segment that fell back to the shin alone."""
        return (f"segment {exercise} {start_s:.1f}-{end_s:.1f} s began with the foot sensor silent: analysed "
                "from the shin alone")
