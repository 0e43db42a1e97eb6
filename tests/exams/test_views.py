"""The candidate's pages and the autosave endpoint, over HTTP (Django's test client)."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from exams.models import Attempt, AttemptItem, AttemptState
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read English interface text: URLs under /en/ and English messages."""
    with translation.override("en"):
        yield


@pytest.fixture
def exam():
    category = CategoryFactory(name="Ochiq maʼlumotlar")
    for n in range(4):
        data = single_choice(f"Savol {n}")
        data["choices"][0]["feedback"] = "SECRET-FEEDBACK"
        data["general_feedback"] = "SECRET-GENERAL"
        approved_question(category=category, data=data)
    exam = ExamFactory(code="egov", title_uz="Elektron hukumat asoslari")
    blueprint(exam, [(category, 3)])
    return exam


@pytest.fixture
def signed_in(client, candidate):
    client.force_login(candidate)
    return client


def start(client, exam) -> Attempt:
    response = client.post(reverse("exams:start", args=[exam.code]))
    assert response.status_code == 302
    return Attempt.objects.get()


def save(client, attempt, payload):
    return client.post(
        reverse("exams:save", args=[attempt.pk]), data=json.dumps(payload), content_type="application/json"
    )


def test_the_exam_page_asks_a_visitor_to_sign_in(client, exam):
    response = client.get(reverse("exams:detail", args=[exam.code]))
    assert response.status_code == 200
    assert reverse("account_login") in response.content.decode()


def test_start_redirects_to_the_attempt_and_a_second_start_resumes_it(signed_in, exam):
    attempt = start(signed_in, exam)
    again = signed_in.post(reverse("exams:start", args=[exam.code]))
    assert again.url == reverse("exams:take", args=[attempt.pk])
    assert Attempt.objects.count() == 1


def test_starting_a_closed_exam_answers_a_clear_page_and_changes_nothing(signed_in, exam):
    exam.opens_at = timezone.now() - timedelta(days=2)
    exam.closes_at = timezone.now() - timedelta(days=1)
    exam.save()
    response = signed_in.post(reverse("exams:start", args=[exam.code]))
    assert response.status_code == 409
    assert "not open" in response.content.decode()
    assert not Attempt.objects.exists()


def test_the_attempt_page_shows_the_frozen_options_and_no_answer_key(signed_in, exam):
    attempt = start(signed_in, exam)
    html = signed_in.get(reverse("exams:take", args=[attempt.pk])).content.decode()
    assert "SECRET" not in html
    assert "fraction" not in html
    for item in attempt.items.all():
        shown = re.findall(rf'name="item-{item.position}-choice" value="(\w+)"', html)
        assert shown == item.option_order


def test_autosave_acknowledges_after_commit_and_the_reload_shows_the_answer(signed_in, exam):
    attempt = start(signed_in, exam)
    item = attempt.items.get(position=1)
    reply = save(signed_in, attempt, {"position": 1, "response": {"choice": item.option_order[2]}, "sequence": 1})
    assert reply.status_code == 200
    body = reply.json()
    assert body["ok"] and body["sequence"] == 1 and "fraction" not in body
    assert AttemptItem.objects.get(pk=item.pk).response == {"choice": item.option_order[2]}
    html = signed_in.get(reverse("exams:take", args=[attempt.pk])).content.decode()
    assert f'value="{item.option_order[2]}" checked' in html


@pytest.mark.parametrize(
    "body",
    ["not json", json.dumps({"response": {}}), json.dumps({"position": "x"}), json.dumps([1, 2])],
)
def test_a_malformed_save_is_a_400_and_changes_nothing(signed_in, exam, body):
    attempt = start(signed_in, exam)
    reply = signed_in.post(reverse("exams:save", args=[attempt.pk]), data=body, content_type="application/json")
    assert reply.status_code == 400
    assert reply.json()["ok"] is False
    assert not AttemptItem.objects.filter(response__isnull=False).exists()


def test_a_huge_save_is_refused(signed_in, exam):
    attempt = start(signed_in, exam)
    reply = save(signed_in, attempt, {"position": 1, "response": {"text": "x" * 100_000}, "sequence": 1})
    assert reply.status_code == 413


def test_someone_elses_attempt_is_a_404_everywhere_and_nothing_changes(client, exam, candidate, other_candidate):
    client.force_login(candidate)
    attempt = start(client, exam)
    client.force_login(other_candidate)
    for name in ("take", "result", "submit", "state"):
        assert client.get(reverse(f"exams:{name}", args=[attempt.pk])).status_code == 404
    assert save(client, attempt, {"position": 1, "response": {"choice": "1"}, "sequence": 1}).status_code == 404
    assert client.post(reverse("exams:submit", args=[attempt.pk])).status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS
    assert not AttemptItem.objects.filter(response__isnull=False).exists()


def test_a_save_after_the_deadline_gets_a_clear_409(signed_in, exam):
    attempt = start(signed_in, exam)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=5))
    reply = save(signed_in, attempt, {"position": 1, "response": {"choice": "1"}, "sequence": 1})
    assert reply.status_code == 409
    assert reply.json()["error"] == "attempt_closed"


def test_the_form_post_without_javascript_saves_and_submitting_twice_grades_once(signed_in, exam):
    attempt = start(signed_in, exam)
    form = {"page": "1", "goto": "summary"}
    for item in attempt.items.select_related("question_version"):
        right = next(c["id"] for c in item.question_version.data["choices"] if c["fraction"] == "1")
        form[f"item-{item.position}-choice"] = right
    reply = signed_in.post(reverse("exams:take", args=[attempt.pk]), data=form)
    assert reply.url == reverse("exams:submit", args=[attempt.pk])
    summary = signed_in.get(reply.url).content.decode()
    assert "0 unanswered" in summary
    first = signed_in.post(reverse("exams:submit", args=[attempt.pk]))
    second = signed_in.post(reverse("exams:submit", args=[attempt.pk]))
    assert first.url == second.url == reverse("exams:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.FINAL and attempt.passed and attempt.percent == 100
    result = signed_in.get(first.url).content.decode()
    assert "100.00 %" in result


def test_the_summary_lists_unanswered_items(signed_in, exam):
    attempt = start(signed_in, exam)
    html = signed_in.get(reverse("exams:submit", args=[attempt.pk])).content.decode()
    assert html.count("#item-") == 3


def test_an_expired_attempt_is_finalized_on_access(signed_in, exam):
    attempt = start(signed_in, exam)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=5))
    reply = signed_in.get(reverse("exams:take", args=[attempt.pk]))
    assert reply.url == reverse("exams:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.FINAL and attempt.auto_submitted
