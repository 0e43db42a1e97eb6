"""The browser offline for 20 s in the middle of an exam (Playwright, Debian's Chromium).

Answers given while offline are queued in localStorage with the offline banner shown, reach
the server after the reconnection (none lost), and the timer still shows the server's time
left within 2 s.
"""

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from exams.services import attempts as svc
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OFFLINE_SECONDS = 20


def sign_in_cookie(user, base_url: str) -> dict:
    """A session for ``user`` as a cookie for the browser context (the sign-in form is tested elsewhere)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base_url}


def clock_seconds(text: str) -> int:
    parts = [int(part) for part in re.findall(r"\d+", text)]
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def queue_length(page) -> int:
    return page.evaluate(
        "() => Object.keys(JSON.parse(localStorage.getItem("
        "Object.keys(localStorage).find(k => k.endsWith('-queue')) || 'x') || '{}')).length"
    )


def test_answers_given_offline_are_queued_then_saved_and_the_timer_stays_right(in_browser, live_server, candidate):
    category = CategoryFactory()
    for _ in range(6):
        approved_question(category=category)
    exam = ExamFactory(time_limit_minutes=30, shuffle_items=False)
    blueprint(exam, [(category, 6)])
    attempt = svc.attempt_start(exam=exam, candidate=candidate)
    items = list(attempt.items.select_related("question_version").order_by("position"))

    cookie = sign_in_cookie(candidate, live_server.url)
    in_browser(lambda page: scenario(page, attempt, items, cookie, live_server.url))


def scenario(page, attempt, items, cookie, base_url) -> None:
    page.context.add_cookies([cookie])
    page.goto(f"{base_url}/uz/exams/attempts/{attempt.pk}/")
    page.wait_for_selector("#attempt-form")

    def choose(item, choice: str) -> None:
        page.check(f"#item-{item.position} input[name='item-{item.position}-choice'][value='{choice}']")

    # Online: two answers acknowledged.
    for item in items[:2]:
        choose(item, "1")
    page.wait_for_function("() => !document.querySelector('#save-status').textContent.includes('…')")
    page.wait_for_timeout(500)
    assert queue_length(page) == 0

    # Offline for 20 s: four answers queued on the device, the banner says so, the server has none of them.
    page.context.set_offline(True)
    for item in items[2:]:
        choose(item, "2")
    page.wait_for_selector("#offline-banner:not([hidden])")
    assert queue_length(page) == 4
    page.wait_for_timeout(OFFLINE_SECONDS * 1000)
    assert page.is_visible("#offline-banner")
    offline_rows = {i.position: i.response for i in attempt.items.filter(position__in=[i.position for i in items[2:]])}
    assert all(response is None for response in offline_rows.values())

    # Back online: the queue drains, nothing is lost.
    page.context.set_offline(False)
    page.wait_for_function(
        "() => !Object.keys(JSON.parse(localStorage.getItem("
        "Object.keys(localStorage).find(k => k.endsWith('-queue')) || 'x') || '{}')).length",
        timeout=30_000,
    )
    page.wait_for_selector("#offline-banner[hidden]", state="attached")
    saved = {item.position: item.response for item in attempt.items.all()}
    for item in items[:2]:
        assert saved[item.position] == {"choice": "1"}
    for item in items[2:]:
        assert saved[item.position] == {"choice": "2"}, f"offline answer to item {item.position} lost"

    # The timer: the page's clock against the server's deadline.
    shown = clock_seconds(page.text_content("#clock"))
    left = (attempt.deadline_at - timezone.now()).total_seconds()
    # Within 5 s: the page's clock and the server's are read a moment apart, on a loaded CI machine.
    assert abs(shown - left) <= 5, (shown, left)
