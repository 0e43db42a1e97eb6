"""Build final attempts with known item scores straight in the database (for report tests)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from exams.models import Attempt, AttemptItem, AttemptState
from question_bank.models import QuestionVersion, VersionStatus
from tests.factories import ExamFactory, UserFactory


def final_attempt(*, exam, candidate, questions, scores, number=1, final_at=None, passed=None, languages=None):
    """A final attempt of ``exam`` whose item i (``questions[i]``, 1 point) earned ``scores[i]``
    (0 or 1: the response is the key "1" or the distractor "2"; None: blank)."""
    final_at = final_at or timezone.now()
    total = sum(s or 0 for s in scores)
    percent = Decimal(total) / Decimal(len(scores)) * 100
    attempt = Attempt.objects.create(
        exam=exam,
        candidate=candidate,
        number=number,
        seed=1,
        state=AttemptState.FINAL,
        started_at=final_at - timedelta(minutes=10),
        deadline_at=final_at + timedelta(minutes=20),
        submitted_at=final_at,
        score=Decimal(total),
        max_score=Decimal(len(scores)),
        percent=percent,
        passed=passed if passed is not None else percent >= exam.cut_score,
        final_at=final_at,
    )
    for position, (question, score) in enumerate(zip(questions, scores, strict=True), start=1):
        version = question.approved_version
        if languages and languages[position - 1] != version.language:
            version = translated_version(question, languages[position - 1])
        response = None if score is None else {"choice": "1" if score else "2"}
        AttemptItem.objects.create(
            attempt=attempt,
            position=position,
            question=question,
            question_version=version,
            points=Decimal(1),
            option_order=["1", "2", "3", "4"],
            response=response,
            saved_at=attempt.started_at + timedelta(seconds=30 * position),
            fraction=Decimal(score or 0),
            score=Decimal(score or 0),
        )
    return attempt


def translated_version(question, language):
    """The question's version in ``language`` (created once, approved)."""
    existing = question.versions.filter(language=language).first()
    if existing:
        return existing
    base = question.approved_version
    return QuestionVersion.objects.create(
        question=question,
        number=question.versions.count() + 1,
        qtype=base.qtype,
        name=f"{base.name} ({language})",
        language=language,
        data={**base.data, "language": language},
        status=VersionStatus.APPROVED,
    )


def exam_with_attempts(questions, matrix, **kwargs):
    exam = ExamFactory()
    attempts = [
        final_attempt(exam=exam, candidate=UserFactory(), questions=questions, scores=row, **kwargs) for row in matrix
    ]
    return exam, attempts
