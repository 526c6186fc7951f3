"""``dorsi coach``: options, the network mode (token + QR), the report builder, the QR code."""

from __future__ import annotations

import asyncio
import re
import urllib.error
import urllib.request

import pytest

from dorsi.cli import build_parser
from dorsi.commands.coach import has_display, patient_options
from dorsi.views.web import CoachHub, publish_report
from dorsi.views.web.terminal_qr import qr_text
from tests.browser.coach_helpers import CoachProcess


def test_options_parse():
    args = build_parser().parse_args(["coach", "--emulate", "--port", "9000", "--host", "0.0.0.0", "--no-browser",
                                      "--patient", "heel_lift_probability=1", "--patient", 'hold_s={"x": 2}'])
    assert (args.port, args.host, args.no_browser, args.emulate) == (9000, "0.0.0.0", True, True)
    assert patient_options(args.patient) == {"heel_lift_probability": 1, "hold_s": {"x": 2}}
    assert patient_options(["side=left"]) == {"side": "left"}


@pytest.mark.parametrize("item, message", [("nonsense", "KEY=VALUE"), ("=1", "KEY=VALUE"),
                                           ("warp_speed=9", "unknown option")])
def test_bad_patient_options(item, message):
    with pytest.raises(ValueError, match=message):
        patient_options([item])


@pytest.mark.parametrize("argv, message", [
    (["coach", "--speed", "3"], "--speed only applies to --emulate"),
    (["coach", "--patient", "side=left"], "--patient only applies to --emulate"),
    (["coach", "--emulate", "--port", "70000"], "--port"),
])
def test_bad_combinations_are_refused(argv, message):
    args = build_parser().parse_args(argv)
    with pytest.raises(SystemExit, match=message):
        args.func(args)


def test_browser_needs_a_display(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not has_display()
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert has_display()


def test_qr_code_text():
    small, large = qr_text("http://192.168.1.5:8765/?token=abc"), qr_text("http://h/?token=" + "x" * 200)
    assert set(small) <= set(" \xa0▀▄█\n") and len(small.splitlines()) < len(large.splitlines())
    with pytest.raises(ValueError):
        qr_text("")


def test_a_report_that_cannot_be_built_is_reported(tmp_path):
    async def main():
        hub = CoachHub()
        ok = await publish_report(hub, tmp_path / "missing.dorsi")
        return ok, hub

    ok, hub = asyncio.run(main())
    assert not ok and hub.report_status_ == "failed" and "no such file" in hub.report_error_


def test_network_mode_prints_a_token_url_and_a_qr_code(tmp_path):
    with CoachProcess(tmp_path, "--host", "0.0.0.0") as coach:
        url = coach.url
        token = re.search(r"token=([\w-]+)", url)
        assert token and len(token.group(1)) >= 22
        assert "▀" in coach.text() or "▄" in coach.text(), "no QR code printed"
        port = int(re.search(r":(\d+)/", url).group(1))
        local = f"http://127.0.0.1:{port}/"
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(local, timeout=5)
        assert err.value.code == 403
        with urllib.request.urlopen(f"{local}?token={token.group(1)}", timeout=5) as resp:
            assert resp.status == 200
