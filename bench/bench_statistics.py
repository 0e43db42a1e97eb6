"""Item analysis speed: 10,000 attempts x 100 items (issue 8: under 10 s here).

Two figures: the NumPy analysis alone on a generated matrix (``item_analysis_10k_x_100``),
and the whole service from the database, 10,000 final attempts with 100 items each inserted
with bulk inserts, matrix built from the rows and analysed (``item_analysis_10k_x_100_db``).
"""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import numpy as np

from bench.common import result, timed

N_ATTEMPTS = 10_000
N_ITEMS = 100
N_OPTIONS = 4


def _generated(seed: int = 8):
    """A Rasch-like 0/1 matrix, the options chosen, and times, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=N_ATTEMPTS)
    difficulty = rng.normal(size=N_ITEMS)
    right = rng.random((N_ATTEMPTS, N_ITEMS)) < 1 / (1 + np.exp(-(ability[:, None] - difficulty)))
    picks = np.where(right, 0, rng.integers(1, N_OPTIONS, (N_ATTEMPTS, N_ITEMS)))
    return right.astype(float), picks, rng.uniform(5, 120, (N_ATTEMPTS, N_ITEMS))


def bench_analysis(ctx) -> list[dict]:
    from reports import analysis

    scores, picks, times = _generated()
    chosen = np.zeros((N_ATTEMPTS, N_ITEMS, N_OPTIONS), dtype=bool)
    np.put_along_axis(chosen, picks[:, :, None], True, axis=2)
    keys = np.zeros((N_ITEMS, N_OPTIONS), dtype=bool)
    keys[:, 0] = True
    counts = np.full(N_ITEMS, N_OPTIONS)
    median, best = timed(
        lambda: analysis.analyse(scores, chosen=chosen, keys=keys, option_counts=counts, times=times), repeat=5
    )
    return [
        result(
            "item_analysis_10k_x_100",
            median,
            "s",
            "< 10",
            f"reports.analysis.analyse, {N_ATTEMPTS} attempts x {N_ITEMS} items, distractors and times; "
            f"median of 5 (best {best:.3f} s)",
        )
    ]


def _seed_database(scores, picks, times):
    """10,000 final attempts of one exam, 100 single-choice items each (bulk inserts)."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from exams.models import Attempt, AttemptItem, AttemptState, Exam
    from question_bank.models import Category, Question

    for exam in Exam.objects.filter(code__startswith="bench-statistics-").order_by("-pk"):
        if Attempt.objects.filter(exam=exam, state=AttemptState.FINAL).count() == N_ATTEMPTS:
            return exam  # seeded by an earlier run
    from tests.factories import bulk_approved_questions

    with transaction.atomic():
        exam = Exam.objects.create(
            code=f"bench-statistics-{int(time.time())}", title_uz="Bench", time_limit_minutes=60, cut_score=50
        )
        category = Category.objects.create(name=f"bench-statistics-{exam.pk}")
        bulk_approved_questions(category=category, count=N_ITEMS)
        questions = list(
            Question.objects.filter(category=category).order_by("pk").values_list("pk", "approved_version")
        )
        users = User.objects.bulk_create(
            [
                User(email=f"bench-stat-{exam.pk}-{i}@example.uz", username=f"bench-stat-{exam.pk}-{i}")
                for i in range(N_ATTEMPTS)
            ],
            batch_size=2000,
        )
        now = timezone.now()
        totals = scores.sum(axis=1)
        attempts = Attempt.objects.bulk_create(
            [
                Attempt(
                    exam=exam,
                    candidate=user,
                    number=1,
                    seed=i,
                    state=AttemptState.FINAL,
                    started_at=now - timedelta(hours=1),
                    deadline_at=now,
                    submitted_at=now,
                    score=Decimal(int(totals[i])),
                    max_score=Decimal(N_ITEMS),
                    percent=Decimal(int(totals[i])),
                    passed=bool(totals[i] >= 50),
                    final_at=now,
                )
                for i, user in enumerate(users)
            ],
            batch_size=2000,
        )
        option_ids = ["1", "2", "3", "4"]
        batch = []
        for i, attempt in enumerate(attempts):
            elapsed = np.cumsum(times[i])
            for j, (question_id, version_id) in enumerate(questions):
                batch.append(
                    AttemptItem(
                        attempt_id=attempt.pk,
                        position=j + 1,
                        question_id=question_id,
                        question_version_id=version_id,
                        points=Decimal(1),
                        option_order=option_ids,
                        response={"choice": option_ids[picks[i, j]]},
                        saved_at=attempt.started_at + timedelta(seconds=float(elapsed[j])),
                        fraction=Decimal(int(scores[i, j])),
                        score=Decimal(int(scores[i, j])),
                    )
                )
            if len(batch) >= 50_000:
                AttemptItem.objects.bulk_create(batch, batch_size=5000)
                batch = []
        AttemptItem.objects.bulk_create(batch, batch_size=5000)
    return exam


def bench_service(ctx) -> list[dict]:
    from reports import services

    scores, picks, times = _generated()
    started = time.perf_counter()
    exam = _seed_database(scores, picks, times)
    seeding = time.perf_counter() - started
    started = time.perf_counter()
    services.exam_item_analysis(exam_id=exam.pk, refresh=True)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    services.exam_item_analysis(exam_id=exam.pk)
    cached = time.perf_counter() - started
    return [
        result(
            "item_analysis_10k_x_100_db",
            elapsed,
            "s",
            "< 10",
            f"reports.services.exam_item_analysis from the database, {N_ATTEMPTS} final attempts x {N_ITEMS} items "
            f"(1,000,000 rows), computed and cached; a cached read took {cached:.3f} s; seeding took {seeding:.0f} s",
        )
    ]


BENCHMARKS = {"item_analysis_10k_x_100": bench_analysis, "item_analysis_10k_x_100_db": bench_service}
