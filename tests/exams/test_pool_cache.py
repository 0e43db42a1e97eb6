"""The draw pools kept per process at a start (issue 9, ``CERTIFY_POOL_CACHE_SECONDS``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exams.models import DrawRule
from exams.services import attempts as svc
from tests.factories import CategoryFactory, ExamFactory, blueprint, bulk_approved_questions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pool_cache(settings):
    settings.CERTIFY_POOL_CACHE_SECONDS = 60
    svc._POOLS.clear()
    yield
    svc._POOLS.clear()


@pytest.fixture
def candidates(django_user_model):
    return [django_user_model.objects.create_user(email=f"pool{n}@example.uz") for n in range(3)]


def _start(exam, candidate) -> tuple[int, set[int]]:
    with CaptureQueriesContext(connection) as queries:
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
    return len(queries), set(attempt.items.values_list("question_id", flat=True))


def test_the_second_start_reads_the_pools_from_the_process(candidates):
    category = CategoryFactory()
    bulk_approved_questions(category=category, count=40)
    exam = ExamFactory()
    blueprint(exam, [(category, 5)])
    first_queries, first_items = _start(exam, candidates[0])
    second_queries, second_items = _start(exam, candidates[1])
    assert second_queries < first_queries
    assert len(first_items) == len(second_items) == 5


def test_an_edited_blueprint_is_seen_at_once(candidates):
    small, other = CategoryFactory(), CategoryFactory()
    bulk_approved_questions(category=small, count=10)
    bulk_approved_questions(category=other, count=10)
    exam = ExamFactory()
    (rule,) = blueprint(exam, [(small, 3)])
    _, items = _start(exam, candidates[0])
    assert {q.category_id for q in _questions(items)} == {small.pk}
    # Blueprints lock once an exam has attempts (ExamLocked); written behind that lock here, to
    # show that the cache's key follows the rules themselves.
    DrawRule.objects.filter(pk=rule.pk).update(category=other, count=4)
    _, items = _start(exam, candidates[1])
    assert len(items) == 4 and {q.category_id for q in _questions(items)} == {other.pk}


def test_off_when_the_setting_is_zero(settings, candidates):
    settings.CERTIFY_POOL_CACHE_SECONDS = 0
    category = CategoryFactory()
    bulk_approved_questions(category=category, count=20)
    exam = ExamFactory()
    blueprint(exam, [(category, 5)])
    first_queries, _ = _start(exam, candidates[0])
    second_queries, _ = _start(exam, candidates[1])
    assert svc._POOLS == {}
    assert second_queries == first_queries


def _questions(ids):
    from question_bank.models import Question

    return list(Question.objects.filter(pk__in=ids))


def test_a_question_retired_after_the_pools_were_kept_is_never_drawn(candidates):
    from question_bank.models import Question

    category = CategoryFactory()
    bulk_approved_questions(category=category, count=8)
    exam = ExamFactory()
    blueprint(exam, [(category, 5)])
    _start(exam, candidates[0])  # the pools are now kept by this process
    # Without the check, each later start would miss all three retired ones 1 time in 56.
    # Retire all but five: only those five may be drawn, whatever the kept pools still list.
    keep = list(Question.objects.filter(category=category).order_by("pk").values_list("pk", flat=True)[:5])
    Question.objects.filter(category=category).exclude(pk__in=keep).update(approved_version=None)
    for candidate in candidates[1:]:
        _, items = _start(exam, candidate)
        assert items == set(keep)
