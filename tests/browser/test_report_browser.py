"""The session report in a real browser: phone and desktop widths, no scroll, errors or network."""

from __future__ import annotations

import base64
import json

import pytest

from dorsi.sim import SimOptions, simulate_routine

WIDTHS = {"phone": (390, 844, True), "desktop": (1280, 900, False)}


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    from dorsi.export.session import Session
    from dorsi.pipeline.gaps import lost_sample_runs
    from dorsi.pipeline import analyze_trace, estimate_trace
    from dorsi.views.report import SessionReport

    s = simulate_routine(seed=7, options=SimOptions(rate_hz=50, packet_loss=0.02),
                         exercises=["knee_to_wall", "band_lunge", "gastroc_stretch", "eccentric_drop"])
    out = tmp_path_factory.mktemp("report")
    trace = estimate_trace(s.shin, s.foot, s.profile)
    analysis = analyze_trace(trace, s.truth.segments, profile=s.profile, sample_rate_hz=s.shin.rate_hz,
                             gaps=lost_sample_runs(s.shin)).to_json()
    session = Session(out / "session.csv", "csv", s.shin, s.foot, trace, analysis, dict(s.profile))
    return SessionReport().build(session).write(out / "report.html")


@pytest.mark.parametrize("name", list(WIDTHS))
def test_report_renders_cleanly(browser, report_file, artifacts, name):
    width, height, mobile = WIDTHS[name]
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1,
                             "mobile": mobile})
    browser.get_log("performance")  # drop what came before this page
    browser.get_log("browser")
    browser.get(report_file.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title == "dorsi session report"
    inner = browser.execute_script("return window.innerWidth")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert inner == width
    assert scroll <= inner, f"horizontal scroll at {name} width: content {scroll}px > viewport {inner}px"
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.getBoundingClientRect().right])")
    assert images and all(ok and w > 0 and right <= inner + 0.5 for ok, w, right in images)
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == [], errors
    urls = []
    for entry in browser.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    assert urls, "the performance log recorded nothing: the network check would be blind"
    outside = [u for u in urls if not (u == report_file.as_uri() or u.startswith("data:"))]
    assert outside == [], outside
    shot = artifacts / f"report-{name}.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 1000
    # the whole page too, for a human look at the layout
    size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    full = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    (artifacts / f"report-{name}-full.png").write_bytes(base64.b64decode(full["data"]))
