"""A timed exam in real Chromium: two sections, a flag seen in the summary, a reload in the
middle (answers still there, the timer continuing from the server's deadline), and the page
submitting by itself at the deadline, with the answers saved before graded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from exams.models import Attempt
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _clock_seconds(page) -> int:
    minutes, seconds = page.text_content("#clock").strip().split(":")[-2:]
    return int(minutes) * 60 + int(seconds)


def _wait_until_saved(page) -> None:
    page.wait_for_function(
        "() => !Object.keys(JSON.parse(localStorage.getItem("
        "Object.keys(localStorage).find(k => k.endsWith('-queue')) || 'x') || '{}')).length"
    )


def test_a_timed_exam_with_sections_flags_a_reload_and_an_auto_submit(page, live_server, django_user_model):
    first, second = CategoryFactory(name="Huquqiy asos"), CategoryFactory(name="Xavfsizlik")
    for n in range(2):
        approved_question(category=first, data=single_choice(f"Qonun {n}"))
        approved_question(category=second, data=single_choice(f"Xavfsizlik {n}"))
    exam = ExamFactory(code="timed", time_limit_minutes=10, shuffle_items=False, grace_seconds=30)
    blueprint(exam, [(first, 2), (second, 2)])
    django_user_model.objects.create_user(
        email="vaqt@example.uz", password="Kuchli-Parol-2026", full_name="Gʻayrat Oʻrinboyev"
    )
    base = live_server.url

    page.goto(f"{base}/uz/accounts/login/?next=/uz/exams/timed/")
    page.fill("input[name=login]", "vaqt@example.uz")
    page.fill("input[name=password]", "Kuchli-Parol-2026")
    page.click("form [type=submit]")
    page.wait_for_url("**/exams/timed/")
    page.click("form[action$='/start/'] button")
    page.wait_for_selector("#attempt-form")
    attempt = Attempt.objects.get()
    assert _clock_seconds(page) > 9 * 60

    # Section 1: answer item 1 right, flag item 2 without answering it.
    page.check("input[name='item-1-choice'][value='1']")
    page.check("input[name='item-2-flagged']")
    _wait_until_saved(page)
    # Section 2: answer item 3 right, leave item 4 unanswered.
    page.click("button[name=goto][value='2']")
    page.wait_for_url("**?page=2")
    page.check("input[name='item-3-choice'][value='1']")
    _wait_until_saved(page)

    # The summary lists the flag.
    page.click("button[name=goto][value=summary]")
    page.wait_for_selector("#summary-flagged")
    assert page.locator("#summary-flagged li[data-position='2']").count() == 1

    # The server shortens the deadline; a reload keeps the answers and counts down from it.
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() + timedelta(seconds=20))
    page.goto(f"{base}/uz/exams/attempts/{attempt.pk}/?page=1")
    page.wait_for_selector("#attempt-form")
    assert page.is_checked("input[name='item-1-choice'][value='1']")
    assert page.is_checked("input[name='item-2-flagged']")
    left = _clock_seconds(page)
    assert 0 < left <= 20, left

    # At the deadline the page submits by itself and shows the result.
    page.wait_for_url("**/result/", timeout=45_000)
    page.wait_for_selector("#result-banner")
    attempt.refresh_from_db()
    assert attempt.auto_submitted and attempt.state == "final"
    scores = {item.position: item.score for item in attempt.items.all()}
    assert scores[1] == 1 and scores[3] == 1 and scores[2] == 0 and scores[4] == 0
    assert attempt.score == 2
