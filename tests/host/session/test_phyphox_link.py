"""A phone running phyphox as the live sensor: its remote access polled over real HTTP, a Wi-Fi drop
losing nothing, a measurement restarted on the phone, wrong experiments, and a whole emulated session."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.ble.discovery import LinkOpenError
from dorsi.cli import main
from dorsi.protocol import StreamDecoder
from dorsi.session.emulated_phyphox import EmulatedPhyphox
from dorsi.session.patient import EmulatedPatient
from dorsi.session.phyphox_link import PhyphoxLink
from dorsi.sources.phyphox_remote import (BUFFERS, RemoteError, experiment_buffers, get_path, parse_answer,
                                          push_message)


def _answer(acc: list, gyr: list, measuring: bool = True) -> bytes:
    buffers = {}
    for names, rows in ((("acc_time", "accX", "accY", "accZ"), acc), (("gyr_time", "gyrX", "gyrY", "gyrZ"), gyr)):
        for j, name in enumerate(names):
            buffers[name] = {"size": 0, "updateMode": "partial", "buffer": [r[j] if j < len(r) else None for r in rows]}
    return json.dumps({"buffer": buffers, "status": {"session": "s1", "measuring": measuring}}).encode()


def test_the_query_asks_each_sensor_for_what_came_after_its_last_reading():
    assert get_path({}) == "/get?" + "&".join(f"{n}=full" for n in BUFFERS)
    path = get_path({"acc_time": 12.5, "gyr_time": 12.51})
    assert "accY=12.5|acc_time" in path and "gyrZ=12.51|gyr_time" in path and "acc_time=12.5|acc_time" in path


def test_answers_are_read_with_missing_values_and_half_written_rows_left_out():
    acc = [[0.0, 0.1, 9.8, 0.0], [0.01, None, 9.8, 0.0], [0.02, 0.1, 9.8, 0.1]]
    gyr = [[0.0, 0.1, 0.2, 0.3], [0.01, 0.1, 0.2, 0.3]]
    body = json.loads(_answer(acc, gyr))
    body["buffer"]["gyrZ"]["buffer"].append(0.5)  # a value beyond its time: a row being written
    answer = parse_answer(json.dumps(body))
    assert answer.acc[0].tolist() == [0.0, 0.02] and answer.gyr[0].tolist() == [0.0, 0.01]
    assert answer.measuring and answer.session == "s1"
    message = push_message(answer, offset_s=2.0)
    assert [p["name"] for p in message["payload"]] == ["totalacceleration"] * 2 + ["gyroscope"] * 2
    assert message["payload"][1]["time"] - message["payload"][0]["time"] == 20_000_000


@pytest.mark.parametrize("body,said", [
    (b"<html>", "not JSON"),
    (b'{"status": {}}', "no 'buffer'"),
    (b'{"buffer": {}}', "lacks buffer 'acc_time'"),
])
def test_a_bad_answer_is_one_line(body, said):
    with pytest.raises(RemoteError, match=said):
        parse_answer(body)


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=30))
def test_any_json_is_read_or_refused_in_one_line(doc):
    try:
        answer = parse_answer(json.dumps(doc))
    except RemoteError as exc:
        assert "\n" not in str(exc)
    else:
        assert answer.acc[1].shape[1:] == (3,) and answer.gyr[1].shape[1:] == (3,)


def test_the_experiment_is_checked_by_its_buffers():
    assert experiment_buffers(json.dumps({"title": "x", "buffers": [{"name": n} for n in BUFFERS]})) == ("x", [])
    title, missing = experiment_buffers(json.dumps({"title": "Acceleration with g",
                                                    "buffers": [{"name": "accX"}, {"name": "acc_time"}]}))
    assert title == "Acceleration with g" and "gyrX" in missing and "accX" not in missing


def _run_link(speed: float, during) -> tuple[list, PhyphoxLink, EmulatedPhyphox]:
    """Open a link to an emulated phone, let the patient stand for a while (``during`` runs meanwhile)."""
    async def run():
        patient = EmulatedPatient(seed=5)
        phone = EmulatedPhyphox(patient.make_devices(speed=speed)["shin"])
        url = await phone.start()
        link = PhyphoxLink(url, poll_s=0.05, first_data_timeout_s=30.0)
        try:
            await link.open()
            assert phone.measuring  # dorsi started the measuring
            events = link.drain()
            await during(link, phone)
            events += link.drain()
            await link.close()
            assert not phone.measuring  # and stopped it at the end
        finally:
            await phone.stop()
        return events, link, phone

    return asyncio.run(run())


def test_a_wifi_drop_loses_nothing():
    seen: dict = {}

    async def during(link: PhyphoxLink, phone: EmulatedPhyphox) -> None:
        await asyncio.sleep(0.5)
        phone.unreachable(1.0)
        await asyncio.sleep(0.6)
        seen["connected_during_drop"] = link.sensors["shin"].is_connected
        seen["failed"] = link.failed_
        await asyncio.sleep(1.2)
        seen["connected_after"] = link.sensors["shin"].is_connected

    events, link, phone = _run_link(4.0, during)
    samples = StreamDecoder().feed([e.payload for e in events])
    assert seen["failed"] > 0 and seen["connected_after"]
    assert np.all(np.diff(samples.seq) == 1)  # the phone kept measuring; its buffers brought it all
    assert len(samples) > 4.0 * 2.0 * 100 * 0.8  # about 2.3 s of wall time at 4x, 100 Hz
    assert link.refused_ and "503" in link.refused_[-1]


def test_a_measurement_restarted_on_the_phone_goes_on_after_what_came():
    async def during(link: PhyphoxLink, phone: EmulatedPhyphox) -> None:
        await asyncio.sleep(0.5)
        before = link.assembler.readings_
        await asyncio.to_thread(_get, phone.url_ + "/control?cmd=clear")
        await asyncio.sleep(0.8)
        assert link.assembler.readings_ > before + 200  # readings still arrive, times after the old ones

    events, _, _ = _run_link(4.0, during)
    samples = StreamDecoder().feed([e.payload for e in events])
    gaps = np.diff(samples.seq)
    assert np.all(gaps >= 1) and gaps.max() < 150  # one gap about the assumed second, no going back


def _get(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read()


def test_no_phone_and_the_wrong_experiment_are_clear_link_errors():
    async def run():
        with pytest.raises(LinkOpenError, match="cannot reach phyphox.*Allow remote access"):
            await PhyphoxLink("127.0.0.1:9", first_data_timeout_s=1.0, timeout_s=0.5).open()

        class WrongExperiment(EmulatedPhyphox):
            async def _config(self, request):
                from starlette.responses import JSONResponse

                return JSONResponse({"title": "Acceleration with g", "buffers": [{"name": "accX", "size": 0}]})

        phone = WrongExperiment(EmulatedPatient(seed=5).make_devices()["shin"])
        url = await phone.start()
        try:
            with pytest.raises(LinkOpenError, match=r"'Acceleration with g'.*dorsi-shin.phyphox"):
                await PhyphoxLink(url).open()
        finally:
            await phone.stop()

    asyncio.run(run())


def test_a_session_on_an_emulated_phone_running_phyphox(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("DORSI_HOME", str(tmp_path / "home"))
    out = tmp_path / "phyphox.dorsi"
    assert main(["knee-to-wall", "--phyphox", "--emulate", "--speed", "10", "--no-history", "--out", str(out)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Best trial" in text and "Reps 3 / 3" in text
    analysis = json.loads(out.with_suffix(".json").read_text())
    assert [len(e["reps"]) for e in analysis["exercises"]] == [3]
    from dorsi.recording import read_recording

    devices = [m for m in read_recording(out).markers if m.get("event") == "device"]
    assert devices and any("phyphox" in str(m) for m in devices)


@pytest.mark.parametrize("args, said", [
    (["--phyphox"], "needs the address"),
    (["--phyphox", "http://10.0.0.2:8080", "--phone"], "one phone at a time"),
    (["--phyphox", "http://10.0.0.2:8080", "--foot"], "--phyphox is the one sensor"),
])
def test_phyphox_options_that_cannot_apply_are_refused(args: list[str], said: str) -> None:
    with pytest.raises(SystemExit, match=said):
        main(["session", *args])
