"""The attempt page's answered counter and save status (H13): the server gives the script what it
needs to rewrite the visible "Answered N of M" text, and nothing claims a save before one happened."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from exams.models import Attempt
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(client, candidate):
    category = CategoryFactory(name="Huquq")
    for n in range(4):
        approved_question(category=category, data=single_choice(f"Savol {n}"))
    exam = ExamFactory(code="egov")
    blueprint(exam, [(category, 3)])
    client.force_login(candidate)
    with translation.override("en"):
        client.post(reverse("exams:start", args=[exam.code]))
    return Attempt.objects.get()


def _progress(client, attempt, language):
    with translation.override(language):
        html = client.get(reverse("exams:take", args=[attempt.pk])).content.decode()
    return html.split('id="progress"')[1].split("</span>")[0]


@pytest.mark.parametrize(
    ("language", "template"),
    [("en", "Answered __ANSWERED__ of __TOTAL__"), ("uz", "Javob berildi: __ANSWERED__ / __TOTAL__")],
)
def test_the_counter_carries_the_counts_and_a_translated_template_for_the_script(client, attempt, language, template):
    progress = _progress(client, attempt, language)
    assert 'data-answered="0"' in progress
    assert 'data-total="3"' in progress
    assert progress.split('data-msg-progress="')[1].split('"')[0] == template


def test_the_server_count_includes_saved_answers(client, attempt):
    item = attempt.items.select_related("question_version").first()
    choice = item.question_version.data["choices"][0]["id"]
    with translation.override("en"):
        client.post(
            reverse("exams:save", args=[attempt.pk]),
            data={"position": item.position, "response": {"choice": choice}, "sequence": 1},
            content_type="application/json",
        )
    progress = _progress(client, attempt, "en")
    assert 'data-answered="1"' in progress
    assert ">Answered 1 of 3" in progress


def test_the_script_rewrites_the_visible_text_and_says_saved_only_after_a_save():
    script = (settings.BASE_DIR / "exams/static/exams/attempt.js").read_text()
    body = script.split("function updateProgress()")[1].split("\n  }\n")[0]
    assert "textContent" in body and "msgProgress" in body
    send = script.split("function send()")[1].split("\n  }\n")[0]
    assert "if (savedOnce)" in send
    assert "savedOnce = true" in script
