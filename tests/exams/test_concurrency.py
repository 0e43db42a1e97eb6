"""Concurrency on PostgreSQL: simultaneous submits grade once, simultaneous starts make one attempt.

Threads with their own database connections, released together by a barrier. SQLite
serializes writers, so these run on PostgreSQL only (CI sets DATABASE_URL).
"""

import threading

import pytest
from django.db import connection, connections

from exams.models import Attempt, AttemptState
from exams.services import attempts as svc
from exams.signals import result_final
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set DATABASE_URL)")


def run_together(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads released at the same instant; return results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def runner(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def exam():
    category = CategoryFactory()
    for _ in range(8):
        approved_question(category=category)
    exam = ExamFactory(attempts_allowed=3)
    blueprint(exam, [(category, 5)])
    return exam


def test_twenty_simultaneous_submits_grade_once_and_answer_the_same(exam, candidate):
    attempt = svc.attempt_start(exam=exam, candidate=candidate)
    for item in attempt.items.select_related("question_version"):
        right = next(c["id"] for c in item.question_version.data["choices"] if c["fraction"] == "1")
        svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=item.position, response={"choice": right})
    announced = []

    def receiver(sender, attempt_id, passed, **kwargs):
        announced.append(attempt_id)

    result_final.connect(receiver)
    try:
        results = run_together(20, lambda _i: svc.attempt_submit(attempt_id=attempt.pk, by=candidate))
    finally:
        result_final.disconnect(receiver)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {(r.state, r.score, r.percent, r.final_at) for r in results} == {
        (AttemptState.FINAL, results[0].score, results[0].percent, results[0].final_at)
    }
    assert results[0].percent == 100
    assert announced == [attempt.pk]


def test_ten_simultaneous_starts_make_one_attempt(exam, candidate):
    results = run_together(10, lambda _i: svc.attempt_start(exam=exam, candidate=candidate).pk)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert Attempt.objects.filter(exam=exam, candidate=candidate).count() == 1
