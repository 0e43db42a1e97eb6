"""``manage.py generate_load_data`` on a tiny data set: what it creates, and what it refuses."""

import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.models import User
from certificates import selectors
from certificates.models import Certificate, SerialCounter
from cms.management.commands.generate_load_data import (
    LOAD_PASSWORD,
    Plan,
    load_email,
    plan_for,
    question_data,
    response_for,
)
from exams.models import Attempt, AttemptItem, DrawRule, Exam
from exams.services import attempts as attempt_services
from question_bank.grading import grade
from question_bank.models import Question

pytestmark = pytest.mark.django_db

TINY = {
    "questions": 400,
    "candidates": 20,
    "attempts": 60,
    "certificates": 30,
    "items_per_attempt": 3,
    "scale": 1.0,
}


def generate(**options) -> str:
    out = io.StringIO()
    call_command("generate_load_data", stdout=out, **{**TINY, **options})
    return out.getvalue()


def test_creates_the_counts_asked_for_and_reports_its_run_time():
    output = generate(json=True)
    assert Question.objects.filter(category__path__startswith="Load/", approved_version__isnull=False).count() == 400
    assert User.objects.filter(email__endswith="@load.certify.uz").count() == 20
    assert Attempt.objects.filter(exam__code__startswith="load-past-", state="final").count() == 60
    assert AttemptItem.objects.filter(attempt__exam__code__startswith="load-past-").count() == 60 * 3
    assert Certificate.objects.count() == 30
    assert re.search(r"done in [0-9.]+ s", output)
    assert '"total_s"' in output.splitlines()[-1]


def test_the_bank_has_ten_categories_by_five_difficulties():
    generate()
    pairs = set(
        Question.objects.filter(category__path__startswith="Load/").values_list(
            "category_id", "approved_version__difficulty"
        )
    )
    assert len({category for category, _ in pairs}) == 10
    assert {difficulty for _, difficulty in pairs} == {1, 2, 3, 4, 5}


def test_candidates_can_sign_in_and_belong_to_organisations():
    generate()
    user = User.objects.get(email=load_email(1))
    assert user.check_password(LOAD_PASSWORD)
    assert user.organisation is not None
    assert "ʻ" in "".join(User.objects.filter(email__endswith="@load.certify.uz").values_list("full_name", flat=True))
    assert EmailAddress.objects.get(user=user).verified


def test_load_exam_is_published_with_fifty_single_choice_items_and_can_be_started():
    generate()
    exam = Exam.objects.get(code="load-exam")
    rules = DrawRule.objects.filter(section__exam=exam)
    assert exam.is_published
    assert sum(rule.count for rule in rules) == 50
    assert all(rule.qtypes == ["single_choice"] for rule in rules)
    attempt = attempt_services.attempt_start(exam=exam, candidate=User.objects.get(email=load_email(2)))
    assert attempt.items.count() == 50


def test_past_attempts_are_graded_consistently():
    generate()
    for item in AttemptItem.objects.filter(attempt__exam__code__startswith="load-past-").select_related(
        "question_version"
    )[:60]:
        assert grade(item.question_version.data, item.response) == item.fraction
    for attempt in Attempt.objects.filter(exam__code__startswith="load-past-"):
        assert attempt.passed == (attempt.percent >= attempt.exam.cut_score)


def test_certificates_are_for_passing_attempts_with_unique_serials_and_signed_codes():
    generate()
    certificates = list(Certificate.objects.select_related("attempt"))
    assert all(c.attempt.passed for c in certificates)
    assert len({c.serial for c in certificates}) == len({c.verification_code for c in certificates}) == 30
    assert all(re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", c.verification_code) for c in certificates)
    check = selectors.credential_check(credential_text=certificates[0].credential, expected=certificates[0].claims())
    assert check.ok, check.problems


def test_serial_counters_move_past_the_generated_serials():
    generate()
    for year, last in SerialCounter.objects.values_list("year", "last"):
        numbers = [
            int(s.rsplit("-", 1)[1])
            for s in Certificate.objects.filter(serial__contains=f"-{year}-").values_list("serial", flat=True)
        ]
        assert last == max(numbers)


def test_a_second_run_is_refused_and_writes_nothing():
    generate()
    before = Question.objects.count(), User.objects.count(), Certificate.objects.count()
    with pytest.raises(CommandError, match="already exists"):
        generate()
    assert (Question.objects.count(), User.objects.count(), Certificate.objects.count()) == before


def test_an_impossible_plan_is_refused_before_anything_is_written():
    with pytest.raises(CommandError, match="certificates need as many passing attempts"):
        generate(certificates=100, attempts=10)
    assert not Question.objects.exists()


def test_filler_certificates_add_minimal_rows_once():
    generate()
    call_command("generate_load_data", filler_certificates=25, stdout=io.StringIO())
    filler = Certificate.objects.filter(exam__code="load-filler")
    assert filler.count() == 25
    assert len(set(filler.values_list("verification_code", flat=True))) == 25
    assert selectors.certificate_by_code(code=filler.first().verification_code) is not None
    with pytest.raises(CommandError, match="already exist"):
        call_command("generate_load_data", filler_certificates=5, stdout=io.StringIO())
    assert filler.count() == 25


def test_filler_needs_the_base_data():
    with pytest.raises(CommandError, match="base load data first"):
        call_command("generate_load_data", filler_certificates=5, stdout=io.StringIO())


def test_scale_multiplies_every_count():
    plan = plan_for(
        questions=50_000, candidates=20_000, attempts=100_000, certificates=50_000, items_per_attempt=10, scale=0.01
    )
    assert plan == Plan(questions=500, candidates=200, attempts=1000, certificates=500, items_per_attempt=10)


@pytest.mark.parametrize("qtype", ["single_choice", "true_false", "multiple_response"])
def test_generated_right_and_wrong_responses_grade_as_intended(qtype):
    data = question_data(number=1, qtype=qtype, difficulty=3, category="Toʻlov tizimlari")
    assert grade(data, response_for(qtype, right=True)) == 1
    assert grade(data, response_for(qtype, right=False)) == 0
    assert "ʻ" in data["text"]
