"""Examiners: the manual grading queue (optionally anonymous) and regrades after a correction,
with a dry run, an audit record, and the certificate following a pass/fail change."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone, translation

from certificates.models import Certificate
from exams.models import AttemptItem, AttemptRegrade, AttemptState, ItemRegrade
from exams.services import attempts as svc
from exams.services import regrade
from exams.signals import result_changed
from question_bank.models import QuestionVersion, VersionStatus
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = pytest.mark.django_db

ESSAY = {
    "name": "Insho",
    "qtype": "essay",
    "text": "<p>Elektron hukumat haqida yozing</p>",
    "default_points": "4",
    "language": "uz",
    "grader_info": "GRADER-INFO",
    "min_words": 0,
    "max_words": 0,
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def examiner(django_user_model):
    return django_user_model.objects.create_superuser(email="examiner@example.uz", password="Parol-2026!")


@pytest.fixture
def essay_attempt(candidate):
    category = CategoryFactory()
    approved_question(category=category, data=ESSAY)
    exam = ExamFactory(anonymous_grading=True)
    blueprint(exam, [(category, 1)], points=None)
    attempt = svc.attempt_start(exam=exam, candidate=candidate)
    svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=1, response={"text": "Mening javobim"})
    svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
    return attempt


def test_the_queue_hides_the_candidate_and_a_score_with_comment_makes_the_result_final(
    essay_attempt, examiner, client, django_capture_on_commit_callbacks
):
    client.force_login(examiner)
    queue = client.get(reverse("exams_admin:grading")).content.decode()
    item = AttemptItem.objects.get(attempt=essay_attempt)
    assert f'data-item="{item.pk}"' in queue
    assert essay_attempt.candidate.full_name not in queue
    page = client.get(reverse("exams_admin:grade", args=[item.pk])).content.decode()
    assert "Mening javobim" in page and "GRADER-INFO" in page and essay_attempt.candidate.full_name not in page
    refused = client.post(reverse("exams_admin:grade", args=[item.pk]), {"score": "5", "comment": "too much"})
    assert refused.status_code == 200
    item.refresh_from_db()
    assert item.score is None
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("exams_admin:grade", args=[item.pk]), {"score": "3", "comment": "Yaxshi"})
    assert done.status_code == 302
    item.refresh_from_db()
    essay_attempt.refresh_from_db()
    assert item.score == Decimal("3") and item.grader_comment == "Yaxshi" and item.graded_by == examiner
    assert essay_attempt.state == AttemptState.FINAL and essay_attempt.percent == Decimal(75)
    assert LogEntry.objects.get_for_object(item).exists()
    assert f'data-item="{item.pk}"' not in client.get(reverse("exams_admin:grading")).content.decode()


def test_the_queue_shows_the_name_when_grading_is_not_anonymous(essay_attempt, examiner, client):
    essay_attempt.exam.anonymous_grading = False
    essay_attempt.exam.save()
    client.force_login(examiner)
    assert essay_attempt.candidate.full_name in client.get(reverse("exams_admin:grading")).content.decode()


def _correct(question, *, right: str):
    """A reviewer's correction: a new approved version whose right option is ``right``."""
    current = question.approved_version
    data = single_choice(current.name, right=right)
    version = QuestionVersion.objects.create(
        question=question,
        number=current.number + 1,
        qtype="single_choice",
        name=current.name,
        difficulty=3,
        data=data,
        status=VersionStatus.APPROVED,
        reviewed_at=timezone.now(),
    )
    question.approved_version = version
    question.save(update_fields=["approved_version"])
    return version


@pytest.fixture
def passed_attempt(candidate):
    """Four one-point items, cut score 70 %: three answered "1" (right), one answered "2" -> 75 %, a pass."""
    category = CategoryFactory()
    questions = [approved_question(category=category) for _ in range(4)]
    exam = ExamFactory()
    blueprint(exam, [(category, 4)])
    attempt = svc.attempt_start(exam=exam, candidate=candidate)
    for n, item in enumerate(attempt.items.order_by("position")):
        svc.answer_save(
            attempt_id=attempt.pk,
            candidate=candidate,
            position=item.position,
            response={"choice": "2" if n == 3 else "1"},
        )
    svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
    attempt.refresh_from_db()
    assert attempt.passed and attempt.percent == 75
    return attempt, questions


def test_the_dry_run_shows_old_and_new_scores_and_writes_nothing(passed_attempt):
    attempt, _questions = passed_attempt
    item = attempt.items.order_by("position").first()
    _correct(item.question, right="3")  # the candidate's "1" is now wrong
    rows = regrade.regrade_plan(exam=attempt.exam)
    assert len(rows) == 1
    row = rows[0]
    assert (row.old_score, row.new_score, row.old_passed, row.new_passed) == (3, 2, True, False)
    assert row.result_changes
    item.refresh_from_db()
    assert item.score == 1 and item.regraded_version is None
    assert not AttemptRegrade.objects.exists()


def test_a_pass_that_becomes_a_fail_is_audited_and_revokes_the_certificate(
    passed_attempt, examiner, client, django_capture_on_commit_callbacks
):
    from certificates.services import certificate_issue

    attempt, _questions = passed_attempt
    certificate = certificate_issue(attempt_id=attempt.pk)
    item = attempt.items.order_by("position").first()
    frozen_version = item.question_version_id
    corrected = _correct(item.question, right="3")
    client.force_login(examiner)
    plan = client.get(reverse("exams_admin:regrade") + f"?exam={attempt.exam_id}").content.decode()
    assert f'data-attempt="{attempt.pk}"' in plan and 'data-change="pass-to-fail"' in plan
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exams_admin:regrade"), {"exam": attempt.exam_id, "reason": "Kalit xato edi"})
    assert response.status_code == 302
    attempt.refresh_from_db()
    item.refresh_from_db()
    assert attempt.passed is False and attempt.score == 2 and attempt.percent == 50
    assert item.question_version_id == frozen_version and item.regraded_version == corrected
    record = AttemptRegrade.objects.get()
    assert (record.old_score, record.new_score, record.by, record.reason) == (3, 2, examiner, "Kalit xato edi")
    assert ItemRegrade.objects.get().old_score == 1 and ItemRegrade.objects.get().new_score == 0
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and certificate.revocation_reason == "regrade"
    # Nothing left to regrade: the item was graded with the newest version.
    assert regrade.regrade_plan(exam=attempt.exam) == []


def test_a_fail_that_becomes_a_pass_sends_result_changed_and_issues_a_certificate(
    passed_attempt, examiner, django_capture_on_commit_callbacks
):
    attempt, _questions = passed_attempt
    # Make it a fail first: two items' keys corrected away from "1".
    items = list(attempt.items.order_by("position"))
    _correct(items[0].question, right="3")
    with django_capture_on_commit_callbacks(execute=True):
        regrade.exam_regrade(exam=attempt.exam, by=examiner, reason="first correction")
    attempt.refresh_from_db()
    assert attempt.passed is False
    received = []

    def receiver(sender, attempt_id, passed, reason, by_id, **kwargs):
        received.append((attempt_id, passed, reason, by_id))

    result_changed.connect(receiver)
    try:
        _correct(items[3].question, right="2")  # the candidate's "2" becomes right: 3 of 4 again
        with django_capture_on_commit_callbacks(execute=True):
            rows = regrade.exam_regrade(exam=attempt.exam, by=examiner, reason="second correction")
    finally:
        result_changed.disconnect(receiver)
    assert [row.new_passed for row in rows] == [True]
    assert received == [(attempt.pk, True, "second correction", examiner.pk)]
    assert Certificate.objects.filter(attempt=attempt, revoked_at__isnull=True).exists()


def test_a_regrade_needs_a_reason_and_an_examiner(passed_attempt, candidate, examiner):
    from django.core.exceptions import PermissionDenied, ValidationError

    attempt, _questions = passed_attempt
    _correct(attempt.items.first().question, right="3")
    with pytest.raises(ValidationError):
        regrade.exam_regrade(exam=attempt.exam, by=examiner, reason=" ")
    with pytest.raises(PermissionDenied):
        regrade.exam_regrade(exam=attempt.exam, by=candidate, reason="x")
    assert not AttemptRegrade.objects.exists()
