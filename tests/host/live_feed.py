"""Feed a simulated session's notifications through ``LiveProcessor`` as the live session does."""

from __future__ import annotations

from dataclasses import replace

from dorsi.routine import Routine
from dorsi.session.processor import LiveProcessor


def run_live(s, routine: Routine, segs, foot_until: float = float("inf"), foot=None) -> LiveProcessor:
    """The processor after the session's notifications in arrival order, ticked every 0.1 s, the
    exercises started and ended at ``segs`` (``(exercise, start_s, end_s)``); the foot sensor
    falls silent at ``foot_until``; ``foot`` replaces the simulated foot sensor's samples (as worn
    otherwise). ``close`` is called: ``finished`` holds the exercises' results."""
    proc = LiveProcessor({0: "shin", 1: "foot"}, {"side": s.profile["side"]})
    worn = s if foot is None else replace(s, foot=foot)
    arrivals = []
    for slot, role in ((0, "shin"), (1, "foot")):
        batch = s.shin if role == "shin" else worn.foot
        per = s.options.samples_per_packet
        for k, payload in enumerate(worn.packets(role)):
            t_last = float(batch.t[min((k + 1) * per, len(batch)) - 1])
            if role == "foot" and t_last >= foot_until:
                break
            arrivals.append((t_last + 0.015, slot, payload))
    arrivals.sort(key=lambda a: a[0])
    marks = sorted([(a, "start", ex) for ex, a, _ in segs] + [(b, "end", ex) for ex, _, b in segs])
    next_tick, m = 0.1, 0
    for host_t, slot, payload in arrivals:
        while host_t >= next_tick:
            proc.process()
            while m < len(marks) and marks[m][0] <= next_tick:
                t, kind, ex = marks[m]
                proc.start_exercise(routine[ex], t) if kind == "start" else proc.end_exercise(t)
                m += 1
            next_tick += 0.1
        proc.notification(slot, host_t, payload)
    proc.close()
    return proc
