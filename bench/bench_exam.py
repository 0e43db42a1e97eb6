"""Exam engine figures (issue 4): starting an attempt of 50 items from a 50,000-question
bank, autosave throughput through the service, and submitting 50 items.

The bank is built once with bulk inserts and reused on the next run (category
``bench/exam-50k``); every measured call goes through the real services, with the same
transactions and locks a request has.
"""

from __future__ import annotations

import statistics
import time
import uuid

from bench.common import result

BANK_SIZE = 50_000
ITEMS = 50
STARTS = 9
SAVES = 1_000


def _bank():
    from question_bank.models import Category, Question
    from tests.factories import bulk_approved_questions

    category, _created = Category.objects.get_or_create(name="exam-50k", parent=None)
    have = Question.objects.filter(category=category, approved_version__isnull=False).count()
    if have < BANK_SIZE:
        for start in range(have, BANK_SIZE, 5_000):
            bulk_approved_questions(category=category, count=min(5_000, BANK_SIZE - start), start=start)
    return category


def _exam(category):
    from decimal import Decimal

    from exams.models import DrawRule, Exam, Section

    exam = Exam.objects.create(
        code=f"bench-{uuid.uuid4().hex[:10]}",
        title_uz="Benchmark",
        time_limit_minutes=120,
        cut_score=Decimal(70),
        attempts_allowed=1,
        is_published=True,
    )
    section = Section.objects.create(exam=exam, position=1, title_uz="Boʻlim")
    DrawRule.objects.create(section=section, category=category, count=ITEMS, points=Decimal(1))
    return exam


def _candidate():
    from accounts.models import User

    return User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:12]}@example.uz", full_name="Bench Nomzod")


def run_exam(ctx) -> list[dict]:
    from exams.services import attempts as svc

    category = _bank()
    exam = _exam(category)
    conditions = f"{BANK_SIZE} approved questions, {ITEMS} items drawn by one rule; services called in-process"

    starts, attempts = [], []
    for _ in range(STARTS):
        candidate = _candidate()
        began = time.perf_counter()
        attempt = svc.attempt_start(exam=exam, candidate=candidate)
        starts.append(time.perf_counter() - began)
        attempts.append((attempt, candidate))

    attempt, candidate = attempts[0]
    began = time.perf_counter()
    for n in range(SAVES):
        svc.answer_save(
            attempt_id=attempt.pk,
            candidate=candidate,
            position=n % ITEMS + 1,
            response={"choice": str(n % 4 + 1)},
            sequence=n + 1,
        )
    autosave_rate = SAVES / (time.perf_counter() - began)

    submits = []
    for attempt, candidate in attempts:
        # Wrong answers ("1" is right): grading costs the same, and a fail issues no certificate,
        # so the figure is the submit itself and not the (eager, in this process) PDF rendering.
        for position in range(1, ITEMS + 1):
            svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=position, response={"choice": "2"})
        began = time.perf_counter()
        svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
        submits.append(time.perf_counter() - began)

    return [
        result(
            "attempt_start_50_of_50k",
            statistics.median(starts) * 1000,
            "ms",
            "<= 250",
            f"median of {STARTS}; {conditions}",
        ),
        result(
            "autosave_per_s",
            autosave_rate,
            "saves/s",
            ">= 200",
            f"{SAVES} sequential answer_save calls (lock, check, update, commit each), one process",
        ),
        result(
            "attempt_submit_50",
            statistics.median(submits) * 1000,
            "ms",
            "<= 250",
            f"median of {STARTS}; {ITEMS} single-choice items graded and totalled (a fail: no certificate)",
        ),
    ]


BENCHMARKS = {"exam": run_exam}
