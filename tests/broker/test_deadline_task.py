"""The periodic deadline task through a real Redis broker and a real Celery worker.

Kept in its own folder so that it runs before the browser tests: after Playwright's
session-wide event loop has started in this process, a message sent here was not seen by
the in-process worker thread (tests/smoke runs a real worker process and is not affected).
"""

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from certify.celery import app
from exams.models import AttemptState
from exams.services import attempts as svc
from exams.tasks import finalize_expired_attempts
from tests.conftest import require_or_skip
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "")


@pytest.fixture
def celery_worker_on_redis(settings):
    require_or_skip(bool(BROKER), "CELERY_TEST_BROKER_URL is not set", required_by="CERTIFY_REQUIRE_BROKER")
    from celery.contrib.testing.worker import start_worker

    changes = {
        "broker_url": BROKER,
        "result_backend": BROKER,
        "task_always_eager": False,
        "task_default_queue": "certify-test",
        "task_routes": {},
    }
    previous = {key: app.conf.get(key) for key in changes}
    app.conf.update(changes)
    # Producer and connection pools are cached on the app; ones made earlier in the session
    # (eager runs) would still point at the old broker.
    app.close()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=["certify-test"]):
            yield
    finally:
        app.conf.update(previous)
        app.close()


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_the_deadline_task_runs_on_a_worker_and_finalizes_expired_attempts(celery_worker_on_redis, candidate):
    category = CategoryFactory()
    for _ in range(3):
        approved_question(category=category)
    exam = ExamFactory(time_limit_minutes=1, grace_seconds=0)
    blueprint(exam, [(category, 2)])
    attempt = svc.attempt_start(exam=exam, candidate=candidate, now=timezone.now() - timedelta(minutes=5))

    finalize_expired_attempts.delay()  # ignore_result: we watch the database instead

    # A generous deadline: on a loaded 2-core machine the worker thread can take long to pick it up.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        attempt.refresh_from_db()
        if attempt.state != AttemptState.IN_PROGRESS:
            break
        time.sleep(0.2)
    assert attempt.state == AttemptState.FINAL
    assert attempt.auto_submitted
