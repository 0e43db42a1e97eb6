"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium), never a downloaded browser.

Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
inside one unless told that this is safe, which it is here (the test waits for the browser):
the ``browser`` fixture sets DJANGO_ALLOW_ASYNC_UNSAFE while it runs, and only then.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import require_or_skip

CHROMIUM = Path("/usr/bin/chromium")
# Chromium's own background traffic is refused on a closed network; these flags keep it quiet.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    require_or_skip(CHROMIUM.exists(), "Debian's chromium is not installed", required_by="CERTIFY_REQUIRE_E2E")
    require_or_skip(bool(shutil.which("zbarimg")), "zbar-tools is not installed", required_by="CERTIFY_REQUIRE_E2E")
    from playwright.sync_api import sync_playwright

    # Only while the browser runs: a subprocess started by another test must not inherit it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, settings):
    """A fresh browser context and page; the site's public URL is the live server's."""
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(accept_downloads=True, locale="uz-UZ", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    context.close()
