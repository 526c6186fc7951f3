"""A phone as the live sensor: Sensor Logger's HTTP push assembled onto the grid, served as a
link the session runs on, and a whole emulated session through real HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.ble.discovery import LinkOpenError
from dorsi.cli import main
from dorsi.protocol import StreamDecoder
from dorsi.samples import SampleBatch
from dorsi.session.phone_link import PhoneLink
from dorsi.sim import SimOptions, simulate
from dorsi.sim.sensor_logger_writer import push_messages
from dorsi.sources.phone_push import PushAssembler, PushError


@lru_cache(maxsize=None)
def _lunges():
    return simulate("knee_to_wall", seed=11, options=SimOptions(rate_hz=100, quaternions=False, noise=False))


def _assemble(messages, assembler: PushAssembler | None = None) -> tuple[PushAssembler, SampleBatch]:
    a = assembler or PushAssembler()
    parts = []
    for message in messages:
        a.add(json.dumps(message).encode())
        batch = a.take()
        if batch is not None:
            parts.append(batch)
    return a, SampleBatch.concatenate(parts)


def _expected(batch: SampleBatch, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    acc = np.column_stack([np.interp(t, batch.t, batch.acc[:, j]) for j in range(3)])
    gyr = np.column_stack([np.interp(t, batch.t, batch.gyr[:, j]) for j in range(3)])
    return acc, gyr


@settings(max_examples=12, deadline=None)
@given(platform=st.sampled_from(["android", "ios"]), period=st.sampled_from([0.05, 0.2, 1.0]),
       repeat=st.integers(0, 30))
def test_pushed_readings_become_the_sensor_samples(platform, period, repeat):
    s = _lunges()
    batch = s.shin.slice(0, 1200)
    messages = [m for _, m in push_messages(batch, platform, period)]
    repeat %= len(messages)
    messages.insert(repeat + 1, messages[repeat])  # a message delivered twice changes nothing
    a, got = _assemble(messages)
    assert a.acc_sign_ == (-1 if platform == "ios" else 1)
    assert np.all(np.diff(got.seq) == 1)
    acc, gyr = _expected(batch, got.t + batch.t[0])  # phone time counts from its first reading
    assert np.allclose(got.gyr, gyr, atol=1e-6)
    assert np.allclose(got.acc, acc, atol=0.05)
    assert np.allclose(np.linalg.norm(got.quat, axis=1), 1.0)


def test_a_bad_message_is_refused_and_loses_nothing():
    s = _lunges()
    messages = [m for _, m in push_messages(s.shin.slice(0, 800), "android", 0.2)]
    _, clean = _assemble(messages)
    a = PushAssembler()
    bad = [b"not json", json.dumps({"payload": 3}).encode(),
           json.dumps({"payload": [{"name": "gyroscope", "time": 5, "values": {"x": 1}}]}).encode(),
           json.dumps({"payload": [{"name": "gyroscope", "time": 5, "values": {"x": 1e9, "y": 0, "z": 0}}]}).encode()]
    parts = []
    for i, message in enumerate(messages):
        if i < len(bad):
            with pytest.raises(PushError) as info:
                a.add(bad[i])
            assert "\n" not in str(info.value)
        a.add(json.dumps(message).encode())
        b = a.take()
        if b is not None:
            parts.append(b)
    got = SampleBatch.concatenate(parts)
    assert a.refused_ == len(bad) and a.battery_percent_ is None
    a.add(json.dumps({"payload": [{"name": "battery", "time": 1, "values": {"batteryLevel": 0.87}},
                                  {"name": "battery", "time": 2, "values": {"batteryState": "charging"}}]}))
    assert a.battery_percent_ == 87
    assert np.array_equal(got.acc, clean.acc) and np.array_equal(got.seq, clean.seq)


def _post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _pushing(messages, first=None):
    """A phone link on this computer, and the phone: a coroutine posting ``messages`` to it once it
    serves (``first(url)`` before), the HTTP status of each appended to the list returned."""
    urls: list[str] = []
    statuses: list[int] = []
    link = PhoneLink("127.0.0.1", 0, on_waiting=urls.append, first_data_timeout_s=30)

    async def phone():
        while not urls:
            await asyncio.sleep(0.01)
        if first is not None:
            await first(urls[0])
        for m in messages:
            statuses.append((await asyncio.to_thread(_post, urls[0], json.dumps(m).encode()))[0])

    return link, phone, statuses


def test_the_link_serves_one_secret_url_and_sends_protocol_packets():
    s = _lunges()
    batch = s.shin.slice(0, 1000)
    messages = [m for _, m in push_messages(batch, "ios", 0.2)]

    async def run():
        async def first(url: str) -> None:
            wrong = url.rsplit("/", 1)[0] + "/guess"
            assert (await asyncio.to_thread(_post, wrong, b"{}"))[0] == 403
            status, reply = await asyncio.to_thread(_post, url, b"{")
            assert status == 400 and "not JSON" in reply["error"]

        link, phone, statuses = _pushing(messages, first)
        feeder = asyncio.create_task(phone())
        await link.open()  # returns once samples came
        await feeder
        assert statuses == [200] * len(messages)
        events = link.drain()
        assert link.sensors["shin"].is_connected
        await link.close()
        return events

    events = asyncio.run(run())
    samples = StreamDecoder().feed([e.payload for e in events])
    assert samples is not None
    _, direct = _assemble(messages)
    assert np.array_equal(samples.seq, direct.seq)
    # int16 on the wire: within a count of the full scale (+-8 g, +-2000 deg/s)
    assert np.allclose(samples.acc, direct.acc, atol=8 * 9.81 / 32768 + 1e-9)
    assert np.allclose(samples.gyr, direct.gyr, atol=np.radians(2000) / 32768 + 1e-9)


def test_no_phone_data_is_a_clear_link_error():
    async def run():
        link = PhoneLink("127.0.0.1", 0, first_data_timeout_s=0.3)
        with pytest.raises(LinkOpenError, match="no data from the phone.*HTTP Push"):
            await link.open()

    asyncio.run(run())


def test_a_session_on_an_emulated_phone(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("DORSI_HOME", str(tmp_path / "home"))
    out = tmp_path / "phone.dorsi"
    assert main(["knee-to-wall", "--phone", "--emulate", "--speed", "10", "--no-history", "--out", str(out)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Best trial" in text and "Reps 3 / 3" in text
    assert re.search(r"shin ● \d+%", text)  # the phone's battery, as the board's
    analysis = json.loads(out.with_suffix(".json").read_text())
    from dorsi.recording import read_recording

    devices = [m for m in read_recording(out).markers if m.get("event") == "device"]
    assert devices and all("/push/" not in str(m) for m in devices)  # the URL's secret is not kept
    assert [len(e["reps"]) for e in analysis["exercises"]] == [3]


@pytest.mark.parametrize("args, said", [
    (["--phone", "--foot"], "--phone is the one sensor"),
    (["--phone", "--emulate", "--emulate-worn", "calf"], "not --phone"),
])
def test_phone_options_that_cannot_apply_are_refused(args: list[str], said: str) -> None:
    with pytest.raises(SystemExit, match=said):
        main(["session", *args])


def test_the_stream_starts_live_not_with_the_rate_measuring_backlog():
    s = _lunges()
    a = PushAssembler()
    times: list[int] = []
    for _, message in push_messages(s.shin.slice(0, 600), "android", 0.2):
        a.add(json.dumps(message))
        times += [item["time"] for item in message["payload"] if item["name"] == "gyroscope"]
        first = a.take()
        if first is not None:
            break
    newest = (max(times) - min(times)) * 1e-9  # phone time counts from its first reading
    # readings before the rate was fixed (2 s of them) are not sent on as one late batch: the
    # live clock would take their delay for the link's and map every later sample seconds late
    assert first is not None and first.t[-1] - first.t[0] <= 0.1 + 1e-9
    assert newest - first.t[-1] < 0.02


@pytest.mark.parametrize("platform,standardised", [("ios", True), ("ios", False), ("android", False)])
def test_a_phone_started_in_the_hand_is_read_once_strapped_on(platform, standardised):
    """Recording starts with the phone flat in the hand; the acceleration's sign is decided once it
    is strapped upright on the shin (iOS with standardised units: the provisional guess was wrong)."""
    s = _lunges()
    shin = s.shin.slice(0, 1500)
    n = 300  # 3 s flat, face up, turning a little in the hand
    rng = np.random.default_rng(3)
    flat_acc = np.tile([0.0, 0.0, 9.80665], (n, 1)) + rng.normal(0, 0.3, (n, 3))
    flat_gyr = rng.normal(0, 0.4, (n, 3))
    t = np.concatenate([np.arange(n) / 100.0, 3.0 + shin.t - shin.t[0]])
    batch = SampleBatch("shin", np.arange(len(t)), t, np.vstack([flat_acc, shin.acc]),
                        np.vstack([flat_gyr, shin.gyr]), None, {"sample_rate_hz": 100.0})
    a, got = _assemble([m for _, m in push_messages(batch, platform, 0.2, standardised=standardised)])
    assert a.acc_sign_ == (-1 if platform == "ios" and not standardised else 1)
    strapped = got.t + batch.t[0] > 4.5  # a second and a half on the shin: decided by then
    acc, _ = _expected(batch, got.t[strapped] + batch.t[0])
    assert np.allclose(got.acc[strapped], acc, atol=0.05)


def test_a_sensor_left_off_in_the_app_is_named():
    s = _lunges()
    messages = [m for _, m in push_messages(s.shin.slice(0, 500), "ios", 0.2)]
    for m in messages:  # Gravity switched off: acceleration without gravity cannot be used
        m["payload"] = [item for item in m["payload"] if item["name"] != "gravity"]

    async def run():
        link, phone, _ = _pushing(messages)
        feeder = asyncio.create_task(phone())
        with pytest.raises(LinkOpenError, match="not Gravity: turn it on in Sensor Logger"):
            await link.open()
        feeder.cancel()

    asyncio.run(run())
