"""CoachHub: newest-state fan-out, commands, render reports, the device-to-wall time mapping."""

from __future__ import annotations

import asyncio
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorsi.views.web import CoachHub
from dorsi.views.web.hub import COMMANDS

from .conftest import state


def _hub(**kw) -> CoachHub:
    return CoachHub(loop_clock=lambda: 100.0, wall_clock=lambda: 1_700_000_000.0, **kw)


def test_message_carries_the_state_and_report_status():
    hub = _hub()
    assert hub.message is None
    hub.update(state(reps=3, device_time_s=99.5))
    msg = json.loads(hub.message)
    assert msg["type"] == "state" and msg["seq"] == 1
    assert msg["state"]["reps"] == 3 and msg["state"]["title"] == "Band dorsiflexion lunges"
    assert msg["report"] == {"status": "pending", "error": None}
    hub.set_report("building")
    assert json.loads(hub.message)["report"]["status"] == "building" and hub.seq_ == 2


@given(scale=st.floats(0.1, 50.0), loop_now=st.floats(0.0, 1e6), back=st.floats(0.0, 10.0),
       wall=st.floats(1e9, 2e9))
def test_device_time_maps_to_wall_time(scale, loop_now, back, wall):
    """A sample taken ``back`` real seconds ago has wall time ``wall - back`` at any speed."""
    hub = CoachHub(time_scale=scale, loop_clock=lambda: loop_now, wall_clock=lambda: wall)
    hub.update(state(device_time_s=(loop_now - back) * scale))
    got = json.loads(hub.message)["device_wall_ms"]
    assert got == pytest.approx(1000.0 * (wall - back), rel=1e-12, abs=1e-3)


def test_no_device_time_no_wall_time():
    hub = _hub()
    hub.update(state(device_time_s=None))
    assert json.loads(hub.message)["device_wall_ms"] is None


@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_messages_are_strict_json_whatever_the_floats(value):
    hub = _hub()
    hub.update(state(angle_deg=value, baseline_deg=value, hold_elapsed_s=value))
    msg = json.loads(hub.message, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    expected = value if math.isfinite(value) else None
    assert msg["state"]["angle_deg"] == expected


def test_commands_are_validated_and_drained():
    hub = _hub()
    for name in COMMANDS:
        hub.command(name)
    assert hub.poll() == list(COMMANDS)
    assert hub.poll() == []
    with pytest.raises(ValueError, match="unknown command"):
        hub.command("format_disk")


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="time_scale"):
        CoachHub(time_scale=0)
    hub = _hub()
    with pytest.raises(ValueError, match="status"):
        hub.set_report("done")
    with pytest.raises(ValueError, match="html"):
        hub.set_report("ready")


def test_render_reports_give_latency():
    hub = _hub()
    hub.rendered(3, 1000.0, 1042.5, sent_wall_ms=1030.0)
    assert hub.renders_[-1].latency_ms == pytest.approx(42.5)
    assert hub.renders_[-1].page_ms == pytest.approx(12.5)
    hub.rendered(4, 1000.0, 1010.0)
    assert hub.renders_[-1].page_ms is None
    with pytest.raises(ValueError, match="finite"):
        hub.rendered(5, float("nan"), 1.0)


def test_subscribers_get_the_current_state_then_only_the_newest():
    async def main():
        hub = CoachHub()
        hub.update(state(reps=1))
        sub = hub.subscribe()
        first = json.loads(await anext(sub))
        assert first["state"]["reps"] == 1  # a page that (re)connects sees the current state at once
        for reps in (2, 3, 4):  # published while the subscriber was busy
            hub.update(state(reps=reps))
        newest = json.loads(await asyncio.wait_for(anext(sub), 1.0))
        assert newest["state"]["reps"] == 4 and newest["seq"] == 4
        assert hub.subscribers == 1
        await sub.aclose()
        assert hub.subscribers == 0

    asyncio.run(main())


def test_heartbeat_repeats_the_current_state():
    async def main():
        hub = CoachHub()
        hub.update(state(reps=5))
        sub = hub.subscribe(heartbeat_s=0.01)
        a = await anext(sub)
        b = await asyncio.wait_for(anext(sub), 1.0)
        assert a == b
        await sub.aclose()

    asyncio.run(main())
