"""Item analysis from the database: build the matrices, run :mod:`reports.analysis`, cache.

Units: every score in a matrix is in percent of its attempt's maximum, so attempts of
different exams (a question across exams, its translations in exams of other languages)
share one scale: an item's cell is ``item.score / attempt.max_score * 100``, its maximum
``item.points / attempt.max_score * 100`` and the attempt's total its exact ``percent``.
Within one exam this is a constant multiple of points, so facility, correlations and
alpha are the same as in points; mean, median, SD and SEM read as percent.

Only final attempts count (``state = final``): their scores no longer change except by a
regrade, which changes the fingerprint and so refreshes the cache.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db import transaction
from django.db.models import Count, FloatField, Func, Max, Min, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from exams.models import Attempt, AttemptItem, AttemptState
from question_bank.models import Question, QuestionVersion

from . import analysis
from .models import AnalysisScope, ItemAnalysis

CHOICE_TYPES = frozenset({"single_choice", "multiple_response"})
LANGUAGES = ("uz", "ru", "en")
# Items seen by fewer attempts get statistics but no flags: with a handful of attempts a flag is noise.
MIN_ATTEMPTS_FOR_FLAGS = 5
RESULT_VERSION = 1  # bump when the shape of a cached result changes


@dataclass
class ItemMatrix:
    """The matrices of :mod:`reports.analysis` for a set of final attempts, plus labels.

    ``columns`` are question ids (one per item column); ``languages`` is int ``(n, k)``, an
    index into :data:`LANGUAGES` or -1 where the item was not presented; ``option_ids`` the
    option ids of each column (empty for items that are not choice items).
    """

    attempt_ids: list[int]
    columns: list[int]
    scores: np.ndarray
    max_scores: np.ndarray
    totals: np.ndarray
    positions: np.ndarray
    languages: np.ndarray
    times: np.ndarray
    chosen: np.ndarray
    keys: np.ndarray
    option_counts: np.ndarray
    option_ids: list[list[str]] = field(default_factory=list)


def final_attempts(*, exam_id: int | None = None, first_attempts_only: bool = False):
    """Final attempts (of one exam, or of every exam), optionally only the first of each candidate."""
    attempts = Attempt.objects.filter(state=AttemptState.FINAL, max_score__gt=0)
    if exam_id is not None:
        attempts = attempts.filter(exam_id=exam_id)
    if first_attempts_only:
        attempts = attempts.filter(number=1)
    return attempts


def attempts_fingerprint(attempts) -> str:
    """A digest of a set of final attempts and their scores: it changes when an attempt
    becomes final, is regraded (its score or an item's score changes) or is removed."""
    summary = attempts.aggregate(n=Count("id"), ids=Sum("id"), last=Max("final_at"), total=Sum("score"), top=Max("id"))
    items = AttemptItem.objects.filter(attempt__in=attempts.values("id")).aggregate(
        n=Count("id"), total=Sum("score"), regraded=Max("question_version_id")
    )
    text = f"v{RESULT_VERSION}|{sorted(summary.items())}|{sorted(items.items())}"
    return hashlib.sha256(text.encode()).hexdigest()


def _epoch(value: datetime | None) -> float:
    return value.timestamp() if value is not None else np.nan


class Epoch(Func):
    """Seconds since 1970-01-01 UTC of a datetime column, as a float, computed by the database."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        if connection.vendor == "postgresql":
            return super().as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8", **extra)
        if connection.vendor == "sqlite":
            # julianday() reads Django's ISO text; 2440587.5 is the Julian day of the Unix epoch.
            return super().as_sql(
                compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)", **extra
            )
        return super().as_sql(compiler, connection, template="UNIX_TIMESTAMP(%(expressions)s)", **extra)


def build_matrix(*, attempts, question_ids: list[int] | None = None) -> ItemMatrix:
    """The item matrix of ``attempts`` (a queryset of final attempts).

    ``question_ids`` limits the columns (and the rows: only attempts presented with one of
    them). Time per item is estimated from the save times: the time from the previous save
    in the attempt (or from the start) to this item's last save; an item never answered has
    no time. Queries: three, whatever the number of attempts.
    """
    items = AttemptItem.objects.filter(attempt__in=attempts.values("id"))
    if question_ids is not None:
        items = items.filter(question_id__in=question_ids)
    # The database does the conversions (floats, epoch seconds, the chosen option as text):
    # parsing a million Decimals, datetimes and JSON documents in Python is what would be slow.
    rows = list(
        items.order_by().values_list(
            "attempt_id",
            "question_id",
            "question_version_id",
            "position",
            Cast("points", FloatField()),
            Cast("score", FloatField()),
            KeyTextTransform("choice", "response"),
            Epoch("saved_at"),
            "question_version__language",
        )
    )
    # Multiple-response items choose a list: only those responses are read whole.
    multiple = {
        (attempt_id, question_id): response
        for attempt_id, question_id, response in items.filter(question_version__qtype="multiple_response").values_list(
            "attempt_id", "question_id", "response"
        )
    }
    attempt_ids = sorted({row[0] for row in rows})
    attempt_info = {
        pk: (percent, max_score, started_at)
        for pk, percent, max_score, started_at in Attempt.objects.filter(pk__in=attempt_ids).values_list(
            "id", "percent", "max_score", "started_at"
        )
    }
    columns = sorted({row[1] for row in rows})
    row_of = {pk: i for i, pk in enumerate(attempt_ids)}
    column_of = {pk: j for j, pk in enumerate(columns)}
    n, k = len(attempt_ids), len(columns)
    max_position = max((row[3] for row in rows), default=0)

    scale = np.array([100.0 / float(attempt_info[pk][1]) for pk in attempt_ids]) if n else np.zeros(0)
    totals = np.array([float(attempt_info[pk][0]) for pk in attempt_ids]) if n else np.zeros(0)
    started = np.array([_epoch(attempt_info[pk][2]) for pk in attempt_ids]) if n else np.zeros(0)

    r = np.fromiter((row_of[row[0]] for row in rows), dtype=np.int64, count=len(rows))
    c = np.fromiter((column_of[row[1]] for row in rows), dtype=np.int64, count=len(rows))
    p = np.fromiter((row[3] - 1 for row in rows), dtype=np.int64, count=len(rows))
    points = np.fromiter((row[4] for row in rows), dtype=float, count=len(rows))
    earned = np.fromiter((row[5] if row[5] is not None else np.nan for row in rows), float, len(rows))
    saved = np.fromiter((row[7] if row[7] is not None else np.nan for row in rows), float, len(rows))
    language_index = {code: i for i, code in enumerate(LANGUAGES)}
    lang = np.fromiter((language_index.get(row[8], -1) for row in rows), dtype=np.int64, count=len(rows))

    scores = np.full((n, k), np.nan)
    max_scores = np.full((n, k), np.nan)
    languages = np.full((n, k), -1, dtype=np.int64)
    positions = np.full((n, max_position), np.nan)
    saved_at = np.full((n, k), np.nan)
    scores[r, c] = earned * scale[r]
    max_scores[r, c] = points * scale[r]
    languages[r, c] = lang
    positions[r, p] = earned * scale[r]
    saved_at[r, c] = saved
    times = _times_from_saves(saved_at, started)

    # Distractor analysis: option ids from each question's versions, keys from the newest.
    version_ids = {row[2] for row in rows}
    versions = sorted(
        QuestionVersion.objects.filter(pk__in=version_ids, qtype__in=CHOICE_TYPES).values_list(
            "id", "question_id", "data"
        )
    )
    option_ids: list[list[str]] = [[] for _ in columns]
    key_ids: list[set[str]] = [set() for _ in columns]
    for _version_id, question_id, data in versions:  # oldest first: the newest version's keys win
        j = column_of[question_id]
        for choice in data.get("choices", []):
            option = str(choice.get("id"))
            if option not in option_ids[j]:
                option_ids[j].append(option)
        key_ids[j] = {str(ch.get("id")) for ch in data.get("choices", []) if float(ch.get("fraction", 0)) > 0}
    option_counts = np.array([len(options) for options in option_ids], dtype=np.int64)
    m = int(option_counts.max()) if k else 0
    keys = np.zeros((k, m), dtype=bool)
    option_index = [{option: o for o, option in enumerate(options)} for options in option_ids]
    for j in range(k):
        for option in key_ids[j]:
            if option in option_index[j]:
                keys[j, option_index[j][option]] = True
    chosen = np.zeros((n, k, m), dtype=bool)
    if m:
        for (attempt_id, question_id, _v, _p, _pts, _s, choice, _t, _l), i, j in zip(rows, r, c, strict=True):
            if not option_ids[j]:
                continue
            response = multiple.get((attempt_id, question_id))
            if isinstance(response, dict):
                picked = response.get("choices")
                picked = picked if isinstance(picked, list) else [response.get("choice")]
            else:
                picked = [choice]
            for option in picked:
                o = option_index[j].get(str(option))
                if o is not None:
                    chosen[i, j, o] = True
    return ItemMatrix(
        attempt_ids=attempt_ids,
        columns=columns,
        scores=scores,
        max_scores=max_scores,
        totals=totals,
        positions=positions,
        languages=languages,
        times=times,
        chosen=chosen,
        keys=keys,
        option_counts=option_counts,
        option_ids=option_ids,
    )


def _times_from_saves(saved_at: np.ndarray, started: np.ndarray) -> np.ndarray:
    """Seconds per item: each save's time minus the attempt's previous save (or its start).

    ``saved_at`` float ``(n, k)`` epoch seconds, NaN for no save; ``started`` ``(n,)``.
    """
    if saved_at.size == 0:
        return saved_at.copy()
    order = np.argsort(saved_at, axis=1)  # NaN sorts last
    ordered = np.take_along_axis(saved_at, order, axis=1)
    previous = np.concatenate([started[:, None], ordered[:, :-1]], axis=1)
    spent = ordered - previous
    times = np.full_like(saved_at, np.nan)
    np.put_along_axis(times, order, spent, axis=1)
    # Rounded to the hundredth of a second: SQLite's julianday() carries sub-millisecond noise.
    return np.round(np.where(np.isnan(saved_at) | (times < 0), np.nan, times), 2)


def _translation_key(question_ids: list[int]) -> dict[int, str]:
    """Question id -> the key that joins its translations: its translation group when the
    bank has linked one, otherwise the question itself (whose versions may differ in language)."""
    keys = {pk: f"q{pk}" for pk in question_ids}
    if any(f.name == "translation_group" for f in Question._meta.get_fields()):
        for pk, group in Question.objects.filter(pk__in=question_ids).values_list("pk", "translation_group"):
            if group:
                keys[pk] = f"g{group}"
    return keys


def _by_language(matrix: ItemMatrix) -> list[dict]:
    """Item statistics per language for every item (question or translation group) presented
    in more than one language: ``[{"key", "question_ids", "languages": {code: item stats}}]``."""
    keys = _translation_key(matrix.columns)
    groups: dict[str, list[int]] = {}
    for j, pk in enumerate(matrix.columns):
        groups.setdefault(keys[pk], []).append(j)
    pairs, columns_scores, columns_max = [], [], []
    for key, cols in groups.items():
        present = sorted({int(code) for code in np.unique(matrix.languages[:, cols]) if code >= 0})
        if len(present) < 2:
            continue
        for code in present:
            mask = matrix.languages[:, cols] == code
            columns_scores.append(np.fmax.reduce(np.where(mask, matrix.scores[:, cols], np.nan), axis=1))
            columns_max.append(np.fmax.reduce(np.where(mask, matrix.max_scores[:, cols], np.nan), axis=1))
            pairs.append((key, [matrix.columns[j] for j in cols], LANGUAGES[code]))
    if not pairs:
        return []
    result = analysis.analyse(
        np.column_stack(columns_scores),
        max_scores=np.column_stack(columns_max),
        totals=matrix.totals,
        min_attempts_for_flags=MIN_ATTEMPTS_FOR_FLAGS,
    )
    out: dict[str, dict] = {}
    for (key, question_ids, language), item in zip(pairs, result["items"], strict=True):
        entry = out.setdefault(key, {"key": key, "question_ids": question_ids, "languages": {}})
        entry["languages"][language] = {
            name: item[name] for name in ("n", "facility", "discrimination", "point_biserial", "flags")
        }
    return list(out.values())


def analyse_matrix(matrix: ItemMatrix) -> dict:
    """Run :func:`reports.analysis.analyse` on ``matrix`` and label the items.

    Alpha: on the items when every attempt had every item (a fixed form), otherwise per
    position in the attempt (random forms, as Moodle does per slot), on the attempts that
    had every position. Adds ``question_id``, ``name``, ``idnumber``, ``qtype``, ``option``
    ids to each item, ``histogram`` (10 bins of percent) and ``by_language``.
    """
    complete_form = not np.isnan(matrix.scores).any()
    result = analysis.analyse(
        matrix.scores,
        max_scores=matrix.max_scores,
        totals=matrix.totals,
        reliability_scores=None if complete_form else matrix.positions,
        chosen=matrix.chosen,
        keys=matrix.keys,
        option_counts=matrix.option_counts,
        times=matrix.times,
        min_attempts_for_flags=MIN_ATTEMPTS_FOR_FLAGS,
    )
    labels = _question_labels(matrix.columns)
    for item, question_id, options in zip(result["items"], matrix.columns, matrix.option_ids, strict=True):
        item["question_id"] = question_id
        item.update(labels.get(question_id, {}))
        for option in item["options"] or []:
            option["id"] = options[option["index"]]
            option["text"] = item.get("option_texts", {}).get(option["id"], "")
        item.pop("option_texts", None)
    result["histogram"] = analysis.histogram(matrix.totals, bins=10)
    result["by_language"] = _by_language(matrix)
    result["reliability_basis"] = "items" if complete_form else "positions"
    return result


def _question_labels(question_ids: list[int]) -> dict[int, dict]:
    """Name, idnumber, type and option texts of each question (its newest version)."""
    labels: dict[int, dict] = {}
    versions = QuestionVersion.objects.filter(question_id__in=question_ids).order_by("question_id", "number")
    for question_id, number, name, qtype, data, idnumber in versions.values_list(
        "question_id", "number", "name", "qtype", "data", "question__idnumber"
    ):
        labels[question_id] = {
            "name": name,
            "idnumber": idnumber or "",
            "qtype": qtype,
            "version": number,
            "option_texts": {str(c.get("id")): _plain(c.get("text", "")) for c in data.get("choices", []) or []},
        }
    return labels


def _plain(html: str) -> str:
    from django.utils.html import strip_tags

    return strip_tags(str(html))[:200]


def _store(*, scope: str, exam_id: int | None, question_id: int | None, first: bool, fingerprint: str, result: dict):
    with transaction.atomic():
        ItemAnalysis.objects.update_or_create(
            scope=scope,
            exam_id=exam_id,
            question_id=question_id,
            first_attempts_only=first,
            defaults={
                "fingerprint": fingerprint,
                "result": result,
                "n_attempts": result.get("n_attempts", 0),
                "computed_at": timezone.now(),
            },
        )


def exam_item_analysis(*, exam_id: int, first_attempts_only: bool = False, refresh: bool = False) -> dict:
    """The item analysis of an exam's final attempts (all, or each candidate's first only).

    Returned from the cache when the fingerprint of the final attempts is unchanged (two
    queries), otherwise computed (:func:`build_matrix`, :func:`analyse_matrix`) and cached.
    The dict is :func:`reports.analysis.analyse`'s, plus ``exam_id``, ``first_attempts_only``,
    ``computed_at`` (ISO 8601), ``histogram``, ``by_language``; with no final attempts
    ``n_attempts`` is 0 and ``items`` empty.
    """
    attempts = final_attempts(exam_id=exam_id, first_attempts_only=first_attempts_only)
    fingerprint = attempts_fingerprint(attempts)
    if not refresh:
        cached = ItemAnalysis.objects.filter(
            scope=AnalysisScope.EXAM, exam_id=exam_id, first_attempts_only=first_attempts_only, fingerprint=fingerprint
        ).first()
        if cached is not None:
            return cached.result
    result = analyse_matrix(build_matrix(attempts=attempts))
    result.update(exam_id=exam_id, first_attempts_only=first_attempts_only, computed_at=timezone.now().isoformat())
    _store(
        scope=AnalysisScope.EXAM,
        exam_id=exam_id,
        question_id=None,
        first=first_attempts_only,
        fingerprint=fingerprint,
        result=result,
    )
    return result


def question_item_analysis(*, question_id: int, first_attempts_only: bool = False, refresh: bool = False) -> dict:
    """One question's statistics across every exam that presented it (cached like an exam's).

    Totals are the attempts' percents, so attempts of different exams share a scale (module
    docstring). Returns ``{"question_id", "n", "facility", "discrimination", "point_biserial",
    "flags", "mean_time", "options", "by_language", "computed_at"}``; ``n`` 0 when no final
    attempt presented the question. Translations (a linked translation group, or versions in
    other languages) are compared in ``by_language``.
    """
    keys = _translation_key([question_id])
    group = [question_id]
    if keys[question_id].startswith("g"):
        group = list(Question.objects.filter(translation_group=keys[question_id][1:]).values_list("pk", flat=True))
    attempts = final_attempts(first_attempts_only=first_attempts_only).filter(
        pk__in=AttemptItem.objects.filter(question_id__in=group).values("attempt_id")
    )
    fingerprint = attempts_fingerprint(attempts)
    if not refresh:
        cached = ItemAnalysis.objects.filter(
            scope=AnalysisScope.QUESTION,
            question_id=question_id,
            first_attempts_only=first_attempts_only,
            fingerprint=fingerprint,
        ).first()
        if cached is not None:
            return cached.result
    matrix = build_matrix(attempts=attempts, question_ids=group)
    result = {"question_id": question_id, "n": 0, "flags": [], "by_language": [], "options": None}
    if question_id in matrix.columns:
        full = analyse_matrix(matrix)
        item = full["items"][matrix.columns.index(question_id)]
        result.update({name: item.get(name) for name in _QUESTION_FIELDS})
        result["by_language"] = full["by_language"]
    result["computed_at"] = timezone.now().isoformat()
    _store(
        scope=AnalysisScope.QUESTION,
        exam_id=None,
        question_id=question_id,
        first=first_attempts_only,
        fingerprint=fingerprint,
        result=result,
    )
    return result


_QUESTION_FIELDS = (
    "n",
    "facility",
    "discrimination",
    "point_biserial",
    "item_total",
    "flags",
    "mean_time",
    "median_time",
    "options",
)


def exam_analysis_refresh(*, exam_id: int) -> dict:
    """Recompute what is stale for an exam: its analysis (all attempts and first attempts)
    and the cross-exam statistics of every question it presented. Returns
    ``{"exam_id", "n_attempts", "questions"}``. Idempotent: unchanged fingerprints compute nothing."""
    result = exam_item_analysis(exam_id=exam_id)
    exam_item_analysis(exam_id=exam_id, first_attempts_only=True)
    question_ids = sorted(
        AttemptItem.objects.filter(attempt__exam_id=exam_id, attempt__state=AttemptState.FINAL)
        .order_by()
        .values_list("question_id", flat=True)
        .distinct()
    )
    for question_id in question_ids:
        question_item_analysis(question_id=question_id)
    return {"exam_id": exam_id, "n_attempts": result["n_attempts"], "questions": len(question_ids)}


def first_final_at(*, exam_id: int) -> datetime | None:
    """When the exam's first final attempt was final (for report headings); None if none."""
    return final_attempts(exam_id=exam_id).aggregate(first=Min("final_at"))["first"]


def exams_with_final_attempts():
    """Exam ids having at least one final attempt (for the item-analysis index)."""
    return (
        Attempt.objects.filter(state=AttemptState.FINAL)
        .values("exam_id")
        .annotate(n=Count("id"), passed=Count("id", filter=Q(passed=True)))
        .order_by("exam_id")
    )
