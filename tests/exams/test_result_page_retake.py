"""The result page after a fail: neutral verification box, attempts left, a way back (H13)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from exams.models import Attempt, AttemptState
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam():
    category = CategoryFactory(name="Ochiq maʼlumotlar")
    for n in range(4):
        approved_question(category=category, data=single_choice(f"Savol {n}"))
    exam = ExamFactory(code="egov", title_uz="Elektron hukumat asoslari", attempts_allowed=3)
    blueprint(exam, [(category, 3)])
    return exam


def _sit(client, exam, *, right: bool) -> Attempt:
    with translation.override("en"):
        assert client.post(reverse("exams:start", args=[exam.code])).status_code == 302
        attempt = Attempt.objects.filter(state=AttemptState.IN_PROGRESS).get()
        form = {"page": "1", "goto": "summary"}
        for item in attempt.items.select_related("question_version"):
            wanted = "1" if right else "0"
            form[f"item-{item.position}-choice"] = next(
                c["id"] for c in item.question_version.data["choices"] if c["fraction"] == wanted
            )
        client.post(reverse("exams:take", args=[attempt.pk]), data=form)
        client.post(reverse("exams:submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.FINAL
    return attempt


def _result(client, attempt, language="en") -> str:
    with translation.override(language):
        response = client.get(reverse("exams:result", args=[attempt.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _verification_box(html: str) -> str:
    return html.split('id="verification-status"')[1].split("</section>")[0]


def test_a_failed_result_shows_attempts_left_and_a_retake_link_and_no_green_box(client, candidate, exam):
    client.force_login(candidate)
    attempt = _sit(client, exam, right=False)
    assert attempt.passed is False
    html = _result(client, attempt)
    assert 'data-attempts-left="2"' in html
    assert "Attempts left: 2" in html
    with translation.override("en"):
        assert f'id="retake-link" href="{reverse("exams:detail", args=[exam.code])}"' in html
    assert "status-valid" not in _verification_box(html)


def test_a_failed_result_with_no_attempts_left_offers_no_retake(client, candidate, exam):
    exam.attempts_allowed = 1
    exam.save(update_fields=["attempts_allowed"])
    client.force_login(candidate)
    attempt = _sit(client, exam, right=False)
    html = _result(client, attempt)
    assert 'data-attempts-left="0"' in html
    assert 'id="retake-link"' not in html


def test_a_passed_result_offers_no_retake(client, candidate, exam):
    client.force_login(candidate)
    attempt = _sit(client, exam, right=True)
    assert attempt.passed
    html = _result(client, attempt)
    assert 'id="attempts-left"' not in html and 'id="retake-link"' not in html
    if 'id="verification-verified"' in html:
        assert "status-valid" in _verification_box(html)


def test_partial_credit_is_shown_as_a_number_with_the_locale_decimal_not_a_half_sign(client, candidate, exam):
    client.force_login(candidate)
    attempt = _sit(client, exam, right=False)
    attempt.items.filter(position=1).update(fraction=Decimal("0.25"), score=Decimal("0.25"))
    uz = _result(client, attempt, "uz")
    row = uz.split('data-position="1"')[1].split("</tr>")[0]
    assert 'data-outcome="partial"' in uz
    assert "0,25" in row
    assert "½" not in uz
    en = _result(client, attempt, "en")
    assert "(partial credit)" in en.split('data-position="1"')[1].split("</tr>")[0]
