"""The live coach in a real browser: a whole emulated session seen on the page, reconnects, commands.

``dorsi coach --emulate`` runs as a user would start it (a subprocess); the
page is driven by headless Chromium (the ``browser`` fixture). Everything the
page showed is recorded by a MutationObserver, then checked in order.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.coach_helpers import RECORDER_JS, CoachProcess, ThreadedCoach

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
DESKTOP = {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}


def _viewport(browser, metrics: dict) -> None:
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def _seen(browser) -> list[dict]:
    return browser.execute_script("return window.__seen || []")


def _first(seen: list[dict], start: int, test, what: str) -> int:
    for i in range(start, len(seen)):
        if test(seen[i]):
            return i
    pytest.fail(f"the page never showed {what} (after step {start}); last: {seen[-1] if seen else None}")


def _no_horizontal_scroll(browser) -> None:
    inner = browser.execute_script("return window.innerWidth")
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= inner, f"horizontal scroll: {scroll}px > {inner}px"


@pytest.fixture(scope="module")
def coach(tmp_path_factory):
    work = tmp_path_factory.mktemp("coach")
    # the patient lifts the heel on every weight-bearing rep and holds the stretch past its target
    with CoachProcess(work, "--patient", "heel_lift_probability=1.0",
                      "--patient", 'hold_s={"soleus_stretch": 6.5}', speed=4.0) as proc:
        yield proc


def test_emulated_session_on_the_page(browser, coach, artifacts):
    _viewport(browser, DESKTOP)
    browser.get_log("browser")
    browser.get(coach.url)
    browser.execute_script(RECORDER_JS)
    wait = WebDriverWait(browser, 150, poll_frequency=0.1)

    # 1. the first exercise by name, from the routine
    wait.until(lambda b: b.find_element("id", "title").text == "Band dorsiflexion lunges")
    cues = browser.find_element("id", "cues").text
    assert "lunge the knee forward over the toes" in cues

    # 2. reps counted up to the target; then the socket is killed from the page and it resumes by itself
    wait.until(lambda b: b.find_element("id", "reps").text == "3" and b.find_element("id", "reps-card").is_displayed())
    browser.save_screenshot(str(artifacts / "coach-desktop-reps.png"))
    _no_horizontal_scroll(browser)
    seq_before = browser.execute_script("return dorsiCoach.last.seq")
    browser.execute_script("dorsiCoach.socket.close()")
    wait.until(lambda b: b.execute_script("return dorsiCoach.reconnects") >= 1)
    wait.until(lambda b: b.find_element("id", "link").get_attribute("data-state") == "live"
               and b.execute_script("return dorsiCoach.last.seq") > seq_before)

    # 3. the hold (phone size): timer fills to its target and says so
    _viewport(browser, PHONE)
    wait.until(lambda b: b.find_element("id", "hold-met").is_displayed())
    browser.save_screenshot(str(artifacts / "coach-phone-hold.png"))
    _no_horizontal_scroll(browser)
    try:  # a picture of the heel-lift alert on the phone (the check itself is on the recorded timeline below)
        WebDriverWait(browser, 40, poll_frequency=0.05).until(
            lambda b: b.find_element("id", "alert-heel").is_displayed()
            and b.find_element("id", "title").text.startswith("Knee-to-wall"))
        browser.save_screenshot(str(artifacts / "coach-phone-heel.png"))
    except TimeoutException:
        pass
    _viewport(browser, DESKTOP)

    # 4. the heel-lift alert, 5. the report
    wait.until(lambda b: b.find_element("id", "report-card").get_attribute("data-status") == "ready")
    browser.save_screenshot(str(artifacts / "coach-desktop-report.png"))
    seen = _seen(browser)
    (artifacts / "coach-seen.json").write_text(json.dumps(seen, indent=0))

    i_name = _first(seen, 0, lambda s: s["title"] == "Band dorsiflexion lunges", "the first exercise")
    i_reps = _first(seen, i_name, lambda s: s["reps"] == "3/3" and s["repsDone"], "3 of 3 reps")
    i_hold = _first(seen, i_reps, lambda s: s["title"] == "Soleus lunge stretch" and s["holdMet"] == "✔ TARGET MET"
                    and s["hold"] >= s["holdTarget"] == 4.0 and s["holdFill"] in ("100%", "100.0%"),
                    "the hold target met")
    i_heel = _first(seen, i_hold, lambda s: s["title"].startswith("Knee-to-wall") and s["heel"]
                    and "HEEL LIFT" in s["heel"], "a heel-lift alert during the knee-to-wall test")
    i_done = _first(seen, i_heel, lambda s: s["phase"] == "finished" and s["title"] == "Routine finished",
                    "the end of the routine")
    _first(seen, i_done, lambda s: s["report"] == "ready", "the report")
    beeps = browser.execute_script("return dorsiCoach.beeps.map(b => b.kind)")
    assert "met" in beeps and "heel" in beeps
    spoken = browser.execute_script("return dorsiCoach.spoken.map(s => s.text)")
    for words in ("Band dorsiflexion lunges", "3. Target reached.", "Soleus lunge stretch", "Target met.",
                  "Heel down.", "Routine finished. Well done."):
        assert words in spoken, (words, spoken)

    # the report is the reports module's page, embedded and linked
    frame = browser.find_element("id", "report-frame")
    assert frame.is_displayed()
    browser.switch_to.frame(frame)
    try:
        wait.until(lambda b: b.execute_script("return document.title") == "dorsi session report")
        text = browser.find_element("id", "exercises").text
        assert "Knee-to-wall" in text or "knee" in text.lower()
    finally:
        browser.switch_to.default_content()
    assert browser.find_element("id", "report-link").get_attribute("href").endswith("/report")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors


def test_the_recording_outlives_the_page(coach):
    """The page came and went; the session ran to the end, saved and analysed."""
    summary = json.loads(urllib.request.urlopen(coach.url + "state", timeout=5).read())
    assert summary["state"]["phase"] == "finished"
    assert [c["exercise"] for c in summary["state"]["completed"]] == ["band_lunge", "soleus_stretch", "knee_to_wall"]
    assert (coach.workdir / "session.dorsi").stat().st_size > 10_000
    assert (coach.workdir / "session.json").exists()
    assert coach.stop() == 0
    assert "report ready" in coach.text()


@pytest.fixture()
def threaded():
    coach = ThreadedCoach().start()
    try:
        yield coach
    finally:
        coach.close()


def _state(**fields):
    from dorsi.session.state import SensorState, SessionState

    base = dict(phase="exercise", exercise="band_lunge", title="Band dorsiflexion lunges", kind="reps",
                exercise_count=2, reps_target=6, angle_deg=20.0, baseline_deg=3.0, best_deg=30.0,
                sensors=[SensorState("shin", "dorsi-shin", True, 80)])
    base.update(fields)
    return SessionState(**base)


def _open(browser, threaded, state, viewport=PHONE) -> WebDriverWait:
    """The page at ``viewport`` showing ``state``, its socket live; returns its waiter."""
    _viewport(browser, viewport)
    threaded.push(state)
    browser.get(threaded.url)
    wait = WebDriverWait(browser, 20, poll_frequency=0.05)
    wait.until(lambda b: b.find_element("id", "link").get_attribute("data-state") == "live")
    return wait


class _Sent:
    """The commands the page sent, gathered as they arrive."""

    def __init__(self, threaded) -> None:
        self.threaded, self.got = threaded, []

    def are(self, expected: list[str]) -> bool:
        self.got.extend(self.threaded.commands())
        return self.got == expected


def test_page_resumes_after_the_server_restarts(browser, threaded):
    _viewport(browser, DESKTOP)
    threaded.push(_state(reps=2))
    browser.get(threaded.url)
    wait = WebDriverWait(browser, 20, poll_frequency=0.05)
    wait.until(lambda b: b.find_element("id", "reps").text == "2")
    threaded.stop_server()  # every socket drops; the page says so
    wait.until(lambda b: b.find_element("id", "link").get_attribute("data-state") in ("offline", "reconnecting"))
    assert "live" not in browser.find_element("id", "link").text
    threaded.push(_state(reps=4))  # the session went on meanwhile
    threaded.start()
    wait.until(lambda b: b.find_element("id", "link").get_attribute("data-state") == "live")
    wait.until(lambda b: b.find_element("id", "reps").text == "4")  # the current state, at once


def test_buttons_and_keys_reach_the_session(browser, threaded):
    wait = _open(browser, threaded, _state(reps=1))
    _no_horizontal_scroll(browser)
    collected = _Sent(threaded).are

    browser.find_element("id", "btn-next").click()
    wait.until(lambda b: collected(["next"]))
    browser.find_element("id", "btn-repeat").click()
    wait.until(lambda b: collected(["next", "repeat"]))
    body = browser.find_element("tag name", "body")
    for key in (" ", "n", "r"):
        body.send_keys(key)
    wait.until(lambda b: collected(["next", "repeat", "toggle_pause", "next", "repeat"]))
    threaded.push(_state(phase="paused"))
    wait.until(lambda b: b.find_element("css selector", "#btn-pause .text").text == "Resume")
    assert browser.find_element("css selector", "#btn-pause use").get_attribute("href") == "#i-play"


def test_alerts_and_targets_say_it_in_words(browser, threaded):
    """Colour is never the only signal: every state change also changes text and icon."""
    _viewport(browser, DESKTOP)
    threaded.push(_state(kind="holds", reps_target=None, hold_target_s=8.0, hold_elapsed_s=8.4, hold_met_now=True,
                         holds_target=2, holds_done=1, holds_met=1, heel_lift=True, roll_in=True,
                         strap_turned_deg=24.6, stance_moved_deg=-1.37))
    browser.get(threaded.url)
    wait = WebDriverWait(browser, 20, poll_frequency=0.05)
    wait.until(lambda b: b.find_element("id", "hold-met").is_displayed())
    assert browser.find_element("id", "hold-met").text == "✔ TARGET MET"
    assert "HEEL LIFT" in browser.find_element("id", "alert-heel").text
    assert "ROLLING IN" in browser.find_element("id", "alert-roll").text.upper()
    assert "SENSOR TURNED about 25°" in browser.find_element("id", "alert-strap").text
    stance = browser.find_element("id", "alert-stance").text
    assert "STANCE MOVED about 1.4°" in stance and "weight forward" in stance
    assert "●" in browser.find_element("id", "sensors").text and "80%" in browser.find_element("id", "sensors").text
    threaded.push(_state(kind="holds", reps_target=None, hold_target_s=8.0, hold_elapsed_s=2.0, hold_met_now=False,
                         sensors=[]))
    wait.until(lambda b: not b.find_element("id", "hold-met").is_displayed())
    assert not browser.find_element("id", "alert-heel").is_displayed()
    assert not browser.find_element("id", "alert-strap").is_displayed()
    assert not browser.find_element("id", "alert-stance").is_displayed()
    assert browser.find_element("id", "hold").text == "2.0"


def test_circles_each_way_and_which_way_next(browser, threaded):
    _viewport(browser, PHONE)
    circles = dict(exercise="ankle_circles", title="Ankle circles", reps_target=40, circles_target=20)
    threaded.push(_state(reps=12, circles_outward=12, circles_inward=0, **circles))
    browser.get(threaded.url)
    wait = WebDriverWait(browser, 20, poll_frequency=0.05)
    wait.until(lambda b: b.find_element("id", "reps-ways").is_displayed())
    assert browser.find_element("id", "reps-ways").text == "outward 12 / 20 · inward 0 / 20"
    threaded.push(_state(reps=20, circles_outward=20, circles_inward=0, **circles))
    wait.until(lambda b: "now circle inward" in b.find_element("id", "reps-ways").text)
    assert "outward 20 / 20 ✔" in browser.find_element("id", "reps-ways").text
    _no_horizontal_scroll(browser)
    threaded.push(_state(reps=3))  # band lunges: no directions, no line
    wait.until(lambda b: not b.find_element("id", "reps-ways").is_displayed())


def test_how_the_sensors_are_read_is_said_on_the_page(browser, threaded):
    """Boards swapped, a shin sensor on the calf, a foot sensor left out: the live session reads
    them as worn and the page says so, on a phone without sideways scrolling, until the end."""
    _viewport(browser, PHONE)
    lines = ["Shin and foot sensors are on each other's place: each is read where it is worn.",
             "Foot sensor not used: it could not be calibrated (arrow to the toes, on top of the foot?); "
             "the shin sensor alone is read."]
    threaded.push(_state(wearing=lines))
    browser.get(threaded.url)
    wait = WebDriverWait(browser, 20, poll_frequency=0.05)
    wait.until(lambda b: b.find_element("id", "wearing").is_displayed())
    shown = [e.text for e in browser.find_elements("css selector", "#wearing .notice")]
    assert shown == [f"ℹ {line}" for line in lines]
    _no_horizontal_scroll(browser)
    threaded.push(_state(phase="finished", wearing=lines))
    wait.until(lambda b: not b.find_element("id", "wearing").is_displayed())
    threaded.push(_state())
    wait.until(lambda b: not b.find_elements("css selector", "#wearing .notice"))


def test_it_hurts_then_how_much(browser, threaded, artifacts):
    """The pain button reports at once; the 1-10 scale shows until the report is rated, by tap
    or by key, and the advice stays in words."""
    wait = _open(browser, threaded, _state(reps=2))
    assert not browser.find_element("id", "pain").is_displayed()
    _no_horizontal_scroll(browser)  # four buttons in the bar still fit a phone
    collected = _Sent(threaded).are

    browser.find_element("id", "btn-pain").click()
    wait.until(lambda b: collected(["pain"]))
    assert browser.find_element("id", "mark-pain").get_attribute("visibility") == "hidden"
    note = "Pain noted near 28°: stay below that. Stop here and ease back to where it does not hurt."
    threaded.push(_state(reps=2, pain_note=note, pain_unrated=True, pain_reports=1, pain_angle_deg=28.4))
    wait.until(lambda b: b.find_element("id", "pain-rate").is_displayed())
    shown = browser.find_element("id", "pain").text
    assert note in shown and "How much, 1-10?" in shown
    _no_horizontal_scroll(browser)
    browser.save_screenshot(str(artifacts / "coach-phone-pain.png"))
    browser.find_element("css selector", '#pain-rate button[data-cmd="pain:6"]').click()
    wait.until(lambda b: collected(["pain", "pain:6"]))
    threaded.push(_state(reps=2, pain_note="Pain noted (6/10) near 28°: stay below that.", pain_unrated=False,
                         pain_reports=1, pain_angle_deg=28.4))
    wait.until(lambda b: not b.find_element("id", "pain-rate").is_displayed())
    assert "(6/10) near 28°" in browser.find_element("id", "pain").text
    # where it hurt, on the gauge, in words beside it too
    assert browser.find_element("id", "mark-pain").get_attribute("visibility") == "visible"
    assert browser.find_element("id", "pain-legend").text == "✚ hurt near 28°"
    body = browser.find_element("tag name", "body")
    body.send_keys("7")  # no scale on screen: a digit is nothing
    body.send_keys("h")
    wait.until(lambda b: collected(["pain", "pain:6", "pain"]))
    threaded.push(_state(reps=2, pain_note="Pain noted.", pain_unrated=True, pain_reports=2))
    wait.until(lambda b: b.find_element("id", "pain-rate").is_displayed())
    body.send_keys("0")
    wait.until(lambda b: collected(["pain", "pain:6", "pain", "pain:10"]))
    threaded.push(_state(reps=2))
    wait.until(lambda b: not b.find_element("id", "pain").is_displayed())
    assert browser.find_element("id", "mark-pain").get_attribute("visibility") == "hidden"
    done = [dict(exercise="band_lunge", reps=6, reps_target=6, holds=0, holds_met=0, holds_target=None,
                 heel_lifts=0, pain=[6, None]),
            dict(exercise="soleus_stretch", reps=0, reps_target=None, holds=1, holds_met=1, holds_target=1,
                 heel_lifts=0, pain=[None])]
    threaded.push(_state(phase="finished", completed=done))
    wait.until(lambda b: b.find_element("id", "done-list").is_displayed())
    items = [li.text for li in browser.find_elements("css selector", "#done-list li")]
    assert items == ["✔ band lunge: 6 / 6 reps, ✚ pain 6/10", "✔ soleus stretch: 1 / 1 holds met, ✚ pain reported"]


def test_counts_and_alerts_are_spoken(browser, threaded):
    """A user lunging 2 m from the screen hears the exercise, each count (the newest only), the
    hold target, heel and knee alerts and the end, in words (speech synthesis with the sound on)."""
    wait = _open(browser, threaded, _state(phase="ready", reps=0))

    def show(state, check):
        threaded.push(state)
        wait.until(check)

    reps_are = lambda n: lambda b: b.find_element("id", "reps").text == str(n)  # noqa: E731
    show(_state(reps=0), reps_are(0))
    show(_state(reps=1), reps_are(1))
    show(_state(reps=3), reps_are(3))  # a count skipped on the way is not said late
    show(_state(reps=6), reps_are(6))
    show(_state(reps=6, heel_lift=True), lambda b: b.find_element("id", "alert-heel").is_displayed())
    show(_state(reps=6, roll_in=True), lambda b: b.find_element("id", "alert-roll").is_displayed())
    hold = dict(exercise="soleus_stretch", title="Soleus lunge stretch", kind="holds", reps_target=None,
                hold_target_s=8.0, holds_target=1)
    show(_state(hold_elapsed_s=3.0, **hold), lambda b: b.find_element("id", "hold").text == "3.0")
    show(_state(hold_elapsed_s=8.2, hold_met_now=True, **hold), lambda b: b.find_element("id", "hold-met").is_displayed())
    show(_state(phase="finished"), lambda b: b.find_element("id", "report-card").is_displayed())
    spoken = browser.execute_script("return dorsiCoach.spoken.map(s => s.text)")
    assert spoken == ["Band dorsiflexion lunges", "1", "3", "6. Target reached.", "Heel down.",
                      "Knee out, over the toes.", "Soleus lunge stretch", "Target met.", "Routine finished. Well done."]
