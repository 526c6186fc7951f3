"""A simulated session through the live pipeline, as its notifications would arrive.

For checking what the live session makes of a simulated person without the BLE link or the
wall clock: each sensor's protocol-v1 notifications (``SimSession.packets``) reach
``LiveProcessor`` in arrival order (15 ms after their newest sample), it is ticked every
0.1 s of that time, and the exercises start and end where the segments say, as the guide
would mark them; as the guide does, no exercise starts before the calibration (the first
20 s): one whose segment begins earlier starts at the first tick after it.
"""

from __future__ import annotations

from dataclasses import replace

from ..routine import Routine
from ..samples import SampleBatch
from .processor import LiveProcessor

LINK_DELAY_S = 0.015
TICK_S = 0.1


def run_live(session, routine: Routine, segments, foot_until: float = float("inf"),
             foot: SampleBatch | None = None) -> LiveProcessor:
    """The processor after ``session`` (a ``SimSession`` simulated with quaternions) and ``close``
    (its ``finished`` holds each exercise's result).

    Parameters
    ----------
    session : SimSession
    routine : Routine
        The exercises' specs (by id).
    segments : list of (exercise, start_s, end_s)
        When each exercise is started and ended.
    foot_until : float
        The foot sensor falls silent for good at this time (its notifications stop).
    foot : SampleBatch, optional
        The foot sensor's samples as worn otherwise (e.g. turned round), instead of the simulated ones.
    """
    roles = {0: "shin", 1: "foot"} if session.foot is not None else {0: "shin"}
    proc = LiveProcessor(roles, {"side": session.profile["side"]})
    worn = session if foot is None else replace(session, foot=foot)
    per = session.options.samples_per_packet
    arrivals = []
    for slot, role in roles.items():
        batch = worn.shin if role == "shin" else worn.foot
        for k, payload in enumerate(worn.packets(role)):
            t_last = float(batch.t[min((k + 1) * per, len(batch)) - 1])
            if role == "foot" and t_last >= foot_until:
                break
            arrivals.append((t_last + LINK_DELAY_S, slot, payload))
    arrivals.sort(key=lambda a: a[0])
    marks = sorted([(a, "start", ex) for ex, a, _ in segments] + [(b, "end", ex) for ex, _, b in segments])
    next_tick, m = TICK_S, 0
    for host_t, slot, payload in arrivals:
        while host_t >= next_tick:
            proc.process()
            while m < len(marks) and marks[m][0] <= next_tick and proc.calibrated:
                t, kind, ex = marks[m]
                if kind == "start":
                    proc.start_exercise(routine[ex], max(t, next_tick - TICK_S))
                else:
                    proc.end_exercise(t)
                m += 1
            next_tick += TICK_S
        proc.notification(slot, host_t, payload)
    proc.close()
    return proc
