"""Start the same headless Chromium as the ``browser`` fixture, outside pytest (for benchmarks)."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import CHROMEDRIVER, CHROMIUM, FLAGS


def start_chromium(profile: Path):
    """A selenium driver for Debian's chromium with the test flags and a fresh profile folder."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        raise RuntimeError(f"needs Debian's chromium and chromium-driver ({', '.join(missing)} missing)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
