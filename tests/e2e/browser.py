"""A real browser for the web console's tests: Debian's chromium, headless, via selenium.

Selenium is pointed at the packaged browser and driver (``make test`` installs both), so it
never looks for or downloads one of its own. One browser serves a whole test module: it
starts in about a second, each test opens the pages it needs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WINDOW = (1280, 860)


@contextmanager
def headless_browser(downloads: Path) -> Iterator[WebDriver]:
    """A headless chromium with its driver, saving downloads in ``downloads`` without asking;
    quits on exit, whatever happened."""
    for program in (CHROMIUM, CHROMEDRIVER):
        assert shutil.which(program), (
            f"{program} is a test dependency (chromium, chromium-driver): run `make test`"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    options.add_argument("--lang=en-US")
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    if os.geteuid() == 0:  # chromium refuses to run its sandbox as root
        options.add_argument("--no-sandbox")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.set_page_load_timeout(20)
        yield driver
    finally:
        driver.quit()


def screenshot(driver: WebDriver, path: Path) -> Path:
    """Save what the browser shows as a PNG at ``path`` (the README's pictures come from here)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
    return path
