"""The session report page served at ``/report`` once the session has ended.

The same report as ``dorsi report``: the recording is loaded and analysed by
the one batch path (``dorsi.export.session.load_session``) and rendered by
``dorsi.views.report.SessionReport``. Building takes a few seconds (figures),
so the coach runs it in a worker thread while the server keeps answering.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ...routine import Routine
from .hub import CoachHub


def build_report_html(recording: Path, routine: Routine | None = None, home: Path | None = None) -> str:
    """The report page of one recording (with the user's knee-to-wall calibration when known)."""
    from ...export.session import load_session
    from ..report import SessionReport

    session = load_session(recording, routine=routine)
    calibration = None
    try:
        from ...history.store import History

        if History.exists(home):
            with History(home) as history:
                calibration = history.calibration(session.side)
    except Exception:  # no usable history: the report falls back to the uncalibrated estimate
        calibration = None
    return SessionReport(routine=routine, calibration=calibration).build(session).html_


async def publish_report(hub: CoachHub, recording: Path, routine: Routine | None = None,
                         home: Path | None = None) -> bool:
    """Build the report off the loop and hand it to the pages; True when it was built."""
    hub.set_report("building")
    try:
        html = await asyncio.to_thread(build_report_html, recording, routine, home)
    except Exception as exc:  # the recording is safe; tell the page what went wrong
        hub.set_report("failed", error=" ".join(str(exc).split()) or type(exc).__name__)
        return False
    hub.set_report("ready", html=html)
    return True
