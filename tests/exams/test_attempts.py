"""Attempt services against the database: the trust rules of DESIGN.md that concern attempts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from exams.models import Attempt, AttemptItem, AttemptState
from exams.services import attempts as svc
from exams.signals import result_final
from question_bank.models import QuestionVersion, VersionStatus
from tests.factories import (
    CategoryFactory,
    ExamFactory,
    approved_question,
    blueprint,
    bulk_approved_questions,
    single_choice,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam():
    legal, security = CategoryFactory(name="Huquqiy asos"), CategoryFactory(name="Axborot xavfsizligi")
    for _ in range(6):
        approved_question(category=legal)
        approved_question(category=security)
    exam = ExamFactory()
    blueprint(exam, [(legal, 3), (security, 2)])
    return exam


def answer_all_right(attempt, candidate, *, wrong: int = 0):
    for n, item in enumerate(attempt.items.select_related("question_version").order_by("position")):
        right = next(c["id"] for c in item.question_version.data["choices"] if c["fraction"] == "1")
        choice = right if n >= wrong else next(c for c in item.option_order if c != right)
        svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=item.position, response={"choice": choice})


class TestStart:
    def test_start_freezes_versions_item_order_and_option_order(self, exam, candidate):
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        items = list(attempt.items.order_by("position"))
        assert len(items) == 5
        assert [i.section.position for i in items] == [1, 1, 1, 2, 2]
        for item in items:
            assert item.question.approved_version_id == item.question_version_id
            assert sorted(item.option_order) == ["1", "2", "3", "4"]

    def test_editing_the_bank_never_changes_a_started_attempt(self, exam, candidate):
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        item = attempt.items.select_related("question").first()
        frozen = item.question_version_id
        newer = QuestionVersion.objects.create(
            question=item.question,
            number=2,
            qtype="single_choice",
            name="edited",
            data=single_choice("edited", right="2"),
            status=VersionStatus.APPROVED,
        )
        item.question.approved_version = newer
        item.question.save(update_fields=["approved_version"])
        item.refresh_from_db()
        assert item.question_version_id == frozen
        assert svc.attempt_start(exam=exam, candidate=candidate).items.get(pk=item.pk).question_version_id == frozen

    def test_a_version_cannot_be_edited_in_place(self, exam, candidate):
        version = QuestionVersion.objects.first()
        version.name = "changed"
        with pytest.raises(Exception, match="immutable"):
            version.save()

    def test_a_double_click_makes_one_attempt(self, exam, candidate):
        first = svc.attempt_start(exam=exam, candidate=candidate)
        second = svc.attempt_start(exam=exam, candidate=candidate)
        assert first.pk == second.pk
        assert Attempt.objects.filter(exam=exam, candidate=candidate).count() == 1

    def test_the_database_refuses_a_second_open_attempt(self, exam, candidate):
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        with pytest.raises(IntegrityError):
            Attempt.objects.create(
                exam=exam,
                candidate=candidate,
                number=2,
                seed=1,
                started_at=attempt.started_at,
                deadline_at=attempt.deadline_at,
            )

    def test_a_closed_exam_cannot_be_started_and_nothing_is_created(self, exam, candidate):
        exam.closes_at = timezone.now() - timedelta(minutes=1)
        exam.opens_at = timezone.now() - timedelta(days=1)
        exam.save()
        with pytest.raises(svc.ExamNotOpen):
            svc.attempt_start(exam=exam, candidate=candidate)
        assert not Attempt.objects.exists()

    def test_attempts_allowed_is_enforced(self, exam, candidate):
        exam.attempts_allowed = 1
        exam.save()
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
        with pytest.raises(svc.NoAttemptsLeft):
            svc.attempt_start(exam=exam, candidate=candidate)

    def test_the_deadline_is_capped_by_the_close_time(self, exam, candidate):
        now = timezone.now()
        exam.closes_at = now + timedelta(minutes=20)
        exam.save()
        attempt = svc.attempt_start(exam=exam, candidate=candidate, now=now)
        assert attempt.deadline_at == exam.closes_at

    def test_an_unfillable_blueprint_refuses_to_start_and_creates_nothing(self, candidate):
        category = CategoryFactory()
        approved_question(category=category)
        exam = ExamFactory()
        blueprint(exam, [(category, 3)])
        with pytest.raises(svc.BlueprintUnfillable):
            svc.attempt_start(exam=exam, candidate=candidate)
        assert not Attempt.objects.exists()


class TestSave:
    def test_a_save_is_stored_and_an_older_retry_does_not_overwrite_a_newer_answer(self, exam, candidate):
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        saved = svc.answer_save(
            attempt_id=attempt.pk, candidate=candidate, position=1, response={"choice": "2"}, sequence=5
        )
        assert saved["sequence"] == 5
        late = svc.answer_save(
            attempt_id=attempt.pk, candidate=candidate, position=1, response={"choice": "3"}, sequence=4
        )
        assert late["sequence"] == 5
        assert AttemptItem.objects.get(attempt=attempt, position=1).response == {"choice": "2"}

    def test_a_save_after_deadline_plus_grace_is_refused_and_within_grace_accepted(self, exam, candidate):
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        within = attempt.deadline_at + timedelta(seconds=exam.grace_seconds)
        svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=1, response={"choice": "1"}, now=within)
        with pytest.raises(svc.AttemptClosed):
            svc.answer_save(
                attempt_id=attempt.pk,
                candidate=candidate,
                position=1,
                response={"choice": "2"},
                now=within + timedelta(seconds=1),
            )
        assert AttemptItem.objects.get(attempt=attempt, position=1).response == {"choice": "1"}

    def test_another_candidate_cannot_save_into_an_attempt(self, exam, candidate, other_candidate):
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        with pytest.raises(svc.AttemptNotFound):
            svc.answer_save(attempt_id=attempt.pk, candidate=other_candidate, position=1, response={"choice": "1"})
        assert AttemptItem.objects.get(attempt=attempt, position=1).response is None

    def test_an_unknown_position_or_a_non_object_response_is_refused(self, exam, candidate):
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        with pytest.raises(svc.InvalidItem):
            svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=99, response={"choice": "1"})
        with pytest.raises(svc.InvalidItem):
            svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=1, response=["1"])


class TestSubmit:
    def test_submit_grades_and_a_pass_sends_result_final_once(
        self, exam, candidate, django_capture_on_commit_callbacks
    ):
        received = []

        def receiver(sender, attempt_id, passed, **kwargs):
            received.append((attempt_id, passed))

        result_final.connect(receiver)
        try:
            attempt = svc.attempt_start(exam=exam, candidate=candidate)
            answer_all_right(attempt, candidate, wrong=1)
            with django_capture_on_commit_callbacks(execute=True):
                first = svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
            with django_capture_on_commit_callbacks(execute=True):
                again = svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
        finally:
            result_final.disconnect(receiver)
        assert first.state == AttemptState.FINAL and first.passed
        assert first.score == 4 and first.max_score == 5 and first.percent == Decimal(80)
        assert again.final_at == first.final_at
        assert received == [(attempt.pk, True)]

    def test_a_fail_below_the_cut_score(self, exam, candidate):
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        answer_all_right(attempt, candidate, wrong=2)
        result = svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
        assert result.percent == Decimal(60) and result.passed is False

    def test_saves_after_submit_are_refused(self, exam, candidate):
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
        with pytest.raises(svc.AttemptClosed):
            svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=1, response={"choice": "1"})

    def test_another_candidate_cannot_submit(self, exam, candidate, other_candidate):
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        with pytest.raises(svc.AttemptNotFound):
            svc.attempt_submit(attempt_id=attempt.pk, by=other_candidate)
        attempt.refresh_from_db()
        assert attempt.state == AttemptState.IN_PROGRESS

    def test_an_attempt_left_open_past_its_deadline_is_finalized_with_what_was_saved(self, exam, candidate):
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        answer_all_right(attempt, candidate)
        later = attempt.deadline_at + timedelta(seconds=exam.grace_seconds + 1)
        assert svc.attempt_finalize_expired(now=later) == 1
        attempt.refresh_from_db()
        assert attempt.state == AttemptState.FINAL and attempt.auto_submitted and attempt.passed
        assert svc.attempt_finalize_expired(now=later) == 0

    def test_an_essay_waits_for_the_examiner_then_becomes_final(self, candidate):
        category = CategoryFactory()
        essay = {
            "name": "Essay",
            "qtype": "essay",
            "text": "<p>Yozing</p>",
            "default_points": "2",
            "language": "uz",
            "grader_info": "",
            "min_words": 0,
            "max_words": 0,
        }
        approved_question(category=category, data=essay)
        exam = ExamFactory()
        blueprint(exam, [(category, 1)], points=None)
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=1, response={"text": "Javob"})
        assert svc.attempt_submit(attempt_id=attempt.pk, by=candidate).state == AttemptState.SUBMITTED
        item = attempt.items.get()
        result = svc.item_grade_manual(item_id=item.pk, fraction=Decimal("0.75"), by=candidate)
        assert result.state == AttemptState.FINAL and result.score == Decimal("1.5") and result.passed


class TestQueryBudgets:
    """Start, save and submit use a number of queries that does not grow with the items or the bank."""

    def _queries(self, *, items: int, bank: int, candidate) -> tuple[int, int, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        category = CategoryFactory()
        bulk_approved_questions(category=category, count=bank)
        exam = ExamFactory()
        blueprint(exam, [(category, items)])
        with CaptureQueriesContext(connection) as start:
            attempt = svc.attempt_start(exam=exam, candidate=candidate)
        with CaptureQueriesContext(connection) as save:
            svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=1, response={"choice": "1"})
        with CaptureQueriesContext(connection) as submit:
            svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
        assert attempt.items.count() == items
        return len(start), len(save), len(submit)

    def test_query_counts_do_not_grow_with_the_items_or_the_bank(self, django_user_model):
        from django.db import connection

        def fresh():
            return django_user_model.objects.create_user(email=f"q{django_user_model.objects.count()}@example.uz")

        small = self._queries(items=10, bank=500, candidate=fresh())
        more_items = self._queries(items=100, bank=500, candidate=fresh())
        bigger_bank = self._queries(items=10, bank=5000, candidate=fresh())
        assert small == bigger_bank
        # Counts include the SAVEPOINT and RELEASE of each service's atomic block inside the test's transaction.
        assert small[0] <= 16 and small[1] <= 5 and small[2] <= 10
        if connection.vendor == "postgresql":
            assert small == more_items
        else:
            # SQLite caps a statement at 999 parameters, so 100 items are inserted in two batches.
            assert more_items[1:] == small[1:] and more_items[0] - small[0] <= 2


class TestEligibility:
    def test_an_exam_open_to_an_organisation_admits_its_members_and_those_below_and_refuses_others(
        self, exam, candidate, other_candidate
    ):
        from accounts.models import Organisation

        ministry = Organisation.objects.create(name="Vazirlik")
        department = Organisation.objects.create(name="Boshqarma", parent=ministry)
        candidate.organisation = department
        candidate.save()
        exam.eligible_organisations.add(ministry)
        assert svc.attempt_start(exam=exam, candidate=candidate).pk
        with pytest.raises(svc.NotEligible):
            svc.attempt_start(exam=exam, candidate=other_candidate)
        assert not Attempt.objects.filter(candidate=other_candidate).exists()

    def test_an_exam_open_to_a_cohort_admits_its_members(self, exam, candidate, other_candidate):
        from accounts.models import Cohort

        cohort = Cohort.objects.create(name="2026-mart guruhi")
        cohort.members.add(other_candidate)
        exam.eligible_cohorts.add(cohort)
        assert svc.attempt_start(exam=exam, candidate=other_candidate).pk
        with pytest.raises(svc.NotEligible):
            svc.attempt_start(exam=exam, candidate=candidate)
