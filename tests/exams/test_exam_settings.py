"""Exam settings: minimum gap between attempts, sequential navigation, pages of one item,
and the review policy right after submitting and after the exam closes."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from exams.engine import paging
from exams.models import Attempt, AttemptItem, Navigation, PageMode, ReviewPolicy
from exams.services import attempts as svc
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def exam():
    first, second = CategoryFactory(name="Birinchi"), CategoryFactory(name="Ikkinchi")
    for n in range(3):
        for category in (first, second):
            data = single_choice(f"Savol {category.name} {n}")
            for choice in data["choices"]:
                choice["text"] = f"OPTION-{category.name}-{n}-{choice['id']}"
                choice["feedback"] = f"FEEDBACK-{category.name}-{n}-{choice['id']}"
            data["general_feedback"] = "GENERAL-FEEDBACK"
            approved_question(category=category, data=data)
    exam = ExamFactory(attempts_allowed=3)
    blueprint(exam, [(first, 2), (second, 2)])
    return exam


class TestPaging:
    def test_pages_by_section_and_by_item(self):
        assert paging.page_numbers(section_ids=[7, 7, 9, 9, 9], mode="section") == [1, 1, 2, 2, 2]
        assert paging.page_numbers(section_ids=[7, 7, 9], mode="item") == [1, 2, 3]
        assert paging.page_numbers(section_ids=[], mode="section") == []

    def test_sequential_navigation_never_goes_back_and_moves_one_page_at_a_time(self):
        assert paging.page_target(requested=1, current_page=3, page_count=5, navigation="sequential") == 3
        assert paging.page_target(requested=5, current_page=3, page_count=5, navigation="sequential") == 4
        assert paging.page_target(requested=1, current_page=3, page_count=5, navigation="free") == 1
        assert not paging.page_allowed(page=2, current_page=3, navigation="sequential")
        assert paging.page_allowed(page=2, current_page=3, navigation="free")


class TestMinimumGap:
    def test_a_second_attempt_waits_for_the_gap_counted_from_the_submission(self, exam, candidate):
        exam.min_gap_minutes = 60
        exam.save()
        now = timezone.now()
        first = svc.attempt_start(exam=exam, candidate=candidate, now=now)
        svc.attempt_submit(attempt_id=first.pk, by=candidate, now=now + timedelta(minutes=5))
        with pytest.raises(svc.TooSoon):
            svc.attempt_start(exam=exam, candidate=candidate, now=now + timedelta(minutes=64))
        assert Attempt.objects.filter(candidate=candidate).count() == 1
        second = svc.attempt_start(exam=exam, candidate=candidate, now=now + timedelta(minutes=65))
        assert second.number == 2


class TestSequentialNavigation:
    @pytest.fixture
    def attempt(self, exam, candidate, client):
        exam.navigation = Navigation.SEQUENTIAL
        exam.page_mode = PageMode.ITEM
        exam.save()
        client.force_login(candidate)
        client.post(reverse("exams:start", args=[exam.code]))
        return Attempt.objects.get()

    def test_one_item_per_page_and_no_way_back_on_the_server(self, attempt, client):
        take = reverse("exams:take", args=[attempt.pk])
        page1 = client.get(take + "?page=1").content.decode()
        assert page1.count('class="item"') == 1
        assert client.get(take + "?page=2").status_code == 200
        attempt.refresh_from_db()
        assert attempt.current_page == 2
        # Asking for page 1 again shows page 2.
        response = client.get(take + "?page=1")
        assert response.status_code == 302 and response["Location"].endswith("?page=2")
        # Skipping ahead is one page at a time.
        assert client.get(take + "?page=4")["Location"].endswith("?page=3")
        # A save to an item left behind is refused, by the JSON endpoint and the service.
        body = {"position": 1, "response": {"choice": "1"}, "sequence": 1}
        reply = client.post(reverse("exams:save", args=[attempt.pk]), json.dumps(body), content_type="application/json")
        assert reply.status_code == 400 and reply.json()["error"] == "page_locked"
        assert AttemptItem.objects.get(attempt=attempt, position=1).response is None
        with pytest.raises(svc.PageLocked):
            svc.item_flag(attempt_id=attempt.pk, candidate=attempt.candidate, position=1, flagged=True)
        # The current page (3, after the skip) still saves.
        body["position"] = 3
        ok = client.post(reverse("exams:save", args=[attempt.pk]), json.dumps(body), content_type="application/json")
        assert ok.status_code == 200

    def test_the_page_offers_no_previous_button(self, attempt, client):
        take = reverse("exams:take", args=[attempt.pk])
        client.get(take + "?page=2")
        html = client.get(take + "?page=2").content.decode()
        assert 'value="1"' not in html.split('class="attempt-actions"')[1]
        assert 'id="sequential-note"' in html


class TestReviewPolicy:
    def _sit(self, exam, candidate, client):
        client.force_login(candidate)
        client.post(reverse("exams:start", args=[exam.code]))
        attempt = Attempt.objects.get()
        for item in attempt.items.select_related("question_version"):
            svc.answer_save(
                attempt_id=attempt.pk, candidate=candidate, position=item.position, response={"choice": "1"}
            )
        svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
        return attempt

    def _result(self, client, attempt) -> str:
        return client.get(reverse("exams:result", args=[attempt.pk])).content.decode()

    def test_the_result_page_never_shows_more_than_the_policy_before_and_after_the_close(self, exam, candidate, client):
        exam.review_policy = ReviewPolicy.SCORE
        exam.review_after_close = ReviewPolicy.FEEDBACK
        exam.closes_at = timezone.now() + timedelta(hours=2)
        exam.save()
        attempt = self._sit(exam, candidate, client)
        right = [
            next(c for c in item.question_version.data["choices"] if c["fraction"] == "1")
            for item in attempt.items.select_related("question_version")
        ]
        before = self._result(client, attempt)
        assert 'id="result-percent"' in before
        assert "review-items" not in before
        for choice in right:
            assert choice["text"] not in before
        assert "FEEDBACK-" not in before and "GENERAL-FEEDBACK" not in before

        exam.closes_at = timezone.now() - timedelta(minutes=1)
        exam.opens_at = timezone.now() - timedelta(days=1)
        exam.save()
        after = self._result(client, attempt)
        for choice in right:
            assert choice["text"] in after
        assert "GENERAL-FEEDBACK" in after and "FEEDBACK-" in after

    def test_correct_answers_without_feedback_and_nothing_at_all(self, exam, candidate, client):
        exam.review_policy = ReviewPolicy.ANSWERS
        exam.save()
        attempt = self._sit(exam, candidate, client)
        html = self._result(client, attempt)
        assert "correct-answer" in html and "OPTION-" in html
        assert "FEEDBACK-" not in html and "GENERAL-FEEDBACK" not in html
        exam.review_policy = ReviewPolicy.NOTHING
        exam.save()
        html = self._result(client, attempt)
        assert 'id="result-percent"' not in html and "OPTION-" not in html and "review-items" not in html

    def test_which_items_were_right_without_the_answers(self, exam, candidate, client):
        exam.review_policy = ReviewPolicy.CORRECTNESS
        exam.save()
        attempt = self._sit(exam, candidate, client)
        html = self._result(client, attempt)
        assert "data-outcome=" in html
        assert "OPTION-" not in html and "FEEDBACK-" not in html
