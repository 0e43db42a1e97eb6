"""Fixtures of the fault tests: the production stack (tests/smoke/stack.py) and a browser.

The browser runs in a thread of its own: tests/e2e keeps its session-wide Playwright (and
its event loop) open in the main thread, and Playwright's sync API refuses a second one there.
"""

import os
import shutil
import threading

import pytest

from tests.conftest import require_or_skip
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.smoke.fixtures import database, make_stack, redis_server, stack_template  # noqa: F401

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def in_browser(live_server, settings):
    """``in_browser(scenario)`` runs ``scenario(page)`` in a fresh Chromium context, in its own
    thread, and re-raises what it raised."""
    require_or_skip(CHROMIUM.exists(), "Debian's chromium is not installed", required_by="CERTIFY_REQUIRE_E2E")
    require_or_skip(bool(shutil.which("chromium")), "chromium is not on PATH", required_by="CERTIFY_REQUIRE_E2E")
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]

    def run(scenario) -> None:
        outcome: dict = {}

        def target() -> None:
            from playwright.sync_api import sync_playwright

            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                    try:
                        context = browser.new_context(locale="uz-UZ", viewport={"width": 1280, "height": 900})
                        context.set_default_timeout(15_000)
                        scenario(context.new_page())
                    finally:
                        browser.close()
            except BaseException as error:  # handed back to the test's thread
                outcome["error"] = error
            finally:
                from django.db import connections

                connections.close_all()

        thread = threading.Thread(target=target, name="browser")
        thread.start()
        thread.join(timeout=300)
        assert not thread.is_alive(), "the browser scenario did not finish"
        if "error" in outcome:
            raise outcome["error"]

    return run
