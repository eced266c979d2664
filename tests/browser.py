"""A shared headless-Chromium helper for browser tests (Debian chromium + chromedriver).

Use the ``browser`` fixture (define it in a test module as ``browser = browser_fixture``)
or ``open_browser()`` directly. Each session gets a fresh profile directory. Console
errors are read from the browser log (goog:loggingPrefs) and network requests from the
performance log, so a test can assert that a page works offline.

When chromium or chromedriver is missing the tests skip with a reason, except under CI
(CI=true), where a missing browser is a failure: .ci/run installs it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("HMIC_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("HMIC_CHROMEDRIVER", "/usr/bin/chromedriver")


def browser_missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


def require_browser() -> None:
    """Skip when there is no browser, unless running in CI, where that is an error."""
    missing = browser_missing()
    if missing is None:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests must run in CI: {missing}")
    pytest.skip(missing)


class Browser:
    """A thin wrapper over a selenium Chrome driver with log helpers."""

    def __init__(self, driver):
        self.driver = driver

    def open(self, path_or_url: str | Path) -> None:
        url = str(path_or_url)
        if not url.startswith(("http://", "https://", "file://")):
            path, hash_, fragment = url.partition("#")
            url = Path(path).resolve().as_uri() + hash_ + fragment
        self.driver.get(url)

    def console_errors(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]

    def requested_urls(self) -> list[str]:
        """URLs of every network request the pages made since the last call."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def external_requests(self) -> list[str]:
        """Requests that would need a network (http, https, ws, ftp); file:, data:, blob: and
        the browser's own chrome:// pages do not."""
        return [u for u in self.requested_urls() if u.split(":", 1)[0].lower() in ("http", "https", "ws", "wss", "ftp")]

    def screenshot_png(self) -> bytes:
        return self.driver.get_screenshot_as_png()

    def quit(self) -> None:
        self.driver.quit()


@contextmanager
def open_browser(width: int = 1366, height: int = 900) -> Iterator[Browser]:
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="hmic-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--disable-extensions", "--no-first-run",
                f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield Browser(driver)
    finally:
        try:
            driver.quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser_fixture() -> Iterator[Browser]:
    with open_browser() as b:
        yield b


def non_blank_fraction(png: bytes) -> float:
    """Share of pixels that differ from the most common colour (the background)."""
    import io
    from collections import Counter

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 150))
    pixels = list(image.getdata())
    background, count = Counter(pixels).most_common(1)[0]
    return 1 - count / len(pixels)
