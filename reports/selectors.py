"""Reads for the reports: a question's statistics, and aggregates of attempts and certificates.

Periods are calendar months, quarters or years in Asia/Tashkent (where the exams are sat).
A *region* is the top of an organisation's tree (a ministry or a viloyat), an organisation
its own node; filtering by an organisation includes every organisation below it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from certificates.models import Certificate
from exams.models import Attempt, AttemptState, Exam

from .models import AnalysisScope, ItemAnalysis

TASHKENT = ZoneInfo("Asia/Tashkent")
PERIODS = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
GROUPINGS = ("exam", "organisation", "region", "none")


def question_statistics(question_id: int) -> dict | None:
    """A question's statistics across every exam, for the question bank admin.

    ``{"n", "facility", "discrimination", "point_biserial", "flags", "by_language",
    "computed_at"}`` — facility and discrimination in [0, 1] / [−1, 1], flags from
    :data:`reports.analysis.FLAGS`. None when no final attempt has presented the question.
    Reads the cached row that :func:`reports.tasks.compute_item_analysis` keeps fresh (one
    query); computes it when there is none yet.
    """
    row = (
        ItemAnalysis.objects.filter(scope=AnalysisScope.QUESTION, question_id=question_id, first_attempts_only=False)
        .values_list("result", flat=True)
        .first()
    )
    if row is None:
        from .services import question_item_analysis

        row = question_item_analysis(question_id=question_id)
    if not row.get("n"):
        return None
    keys = ("n", "facility", "discrimination", "point_biserial", "flags", "by_language", "computed_at")
    return {key: row.get(key) for key in keys}


@dataclass
class ReportFilters:
    """What an analyst chose: dates are inclusive calendar days in Asia/Tashkent."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    exam_ids: list[int] = field(default_factory=list)
    organisation_id: int | None = None
    period: str = "quarter"
    group_by: str = "organisation"
    # The organisations the analyst's role reaches (accounts.scoping); None: every one.
    visible_organisation_ids: frozenset[int] | None = None


def _organisation_tree() -> tuple[dict[int, str], dict[int, int | None]]:
    names, parents = {}, {}
    for pk, name, parent in Organisation.objects.values_list("pk", "name", "parent_id"):
        names[pk], parents[pk] = name, parent
    return names, parents


def _root_of(pk: int, parents: dict[int, int | None]) -> int:
    seen = set()
    while parents.get(pk) is not None and pk not in seen:
        seen.add(pk)
        pk = parents[pk]
    return pk


def organisation_subtree(organisation_id: int) -> list[int]:
    """The organisation and every organisation below it (ids)."""
    _names, parents = _organisation_tree()
    children: dict[int, list[int]] = {}
    for pk, parent in parents.items():
        children.setdefault(parent, []).append(pk)
    found, stack = [], [organisation_id]
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


def _bounds(filters: ReportFilters) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    start = end = None
    if filters.date_from:
        start = datetime.datetime.combine(filters.date_from, datetime.time.min, tzinfo=TASHKENT)
    if filters.date_to:
        end = datetime.datetime.combine(
            filters.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=TASHKENT
        )
    return start, end


def period_label(value, period: str) -> str:
    """``2026-03`` (month), ``2026-Q1`` (quarter) or ``2026`` (year) for a truncated date or datetime."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.astimezone(TASHKENT).date() if value.tzinfo else value.date()
    if period == "month":
        return f"{value:%Y-%m}"
    if period == "year":
        return f"{value:%Y}"
    return f"{value.year}-Q{(value.month - 1) // 3 + 1}"


class _Grouper:
    """Maps exam and organisation ids to the group an analyst asked for."""

    def __init__(self, group_by: str):
        self.group_by = group_by if group_by in GROUPINGS else "organisation"
        self.names, self.parents = _organisation_tree()
        self.exams = {pk: f"{code}" for pk, code in Exam.objects.values_list("pk", "code")}

    @property
    def field(self) -> str | None:
        return {"exam": "exam_id", "organisation": "org", "region": "org"}.get(self.group_by)

    def label(self, value) -> str:
        if self.group_by == "exam":
            return self.exams.get(value, "?")
        if self.group_by in ("organisation", "region"):
            if value is None:
                return str(_("(no organisation)"))
            pk = _root_of(value, self.parents) if self.group_by == "region" else value
            return self.names.get(pk, "?")
        return str(_("All"))


def attempt_rows(filters: ReportFilters) -> list[dict]:
    """Final attempts per period and group: ``[{"period", "group", "attempts", "passed",
    "pass_rate", "mean_percent", "change"}]`` sorted by group then period. ``pass_rate`` and
    ``mean_percent`` are percents (floats, 0–100); ``change`` is the pass rate minus that of
    the same group's previous period in the list (percentage points), None for the first.
    One query (plus the organisation and exam names)."""
    grouper = _Grouper(filters.group_by)
    attempts = Attempt.objects.filter(state=AttemptState.FINAL)
    start, end = _bounds(filters)
    if start:
        attempts = attempts.filter(final_at__gte=start)
    if end:
        attempts = attempts.filter(final_at__lt=end)
    if filters.exam_ids:
        attempts = attempts.filter(exam_id__in=filters.exam_ids)
    if filters.organisation_id:
        attempts = attempts.filter(candidate__organisation_id__in=organisation_subtree(filters.organisation_id))
    if filters.visible_organisation_ids is not None:
        attempts = attempts.filter(candidate__organisation_id__in=filters.visible_organisation_ids)
    trunc = PERIODS.get(filters.period, TruncQuarter)
    values = ["bucket"] + (["exam_id"] if grouper.field == "exam_id" else ["org"] if grouper.field else [])
    aggregated = (
        attempts.annotate(bucket=trunc("final_at", tzinfo=TASHKENT), org=F("candidate__organisation_id"))
        .values(*values)
        .annotate(attempts=Count("id"), passed=Count("id", filter=Q(passed=True)), mean=Avg("percent"))
        .order_by()
    )
    merged: dict[tuple[str, str], dict] = {}
    for row in aggregated:
        key_value = row.get("exam_id", row.get("org"))
        period = period_label(row["bucket"], filters.period)
        group = grouper.label(key_value)
        entry = merged.setdefault(
            (group, period), {"period": period, "group": group, "attempts": 0, "passed": 0, "_sum": 0.0}
        )
        entry["attempts"] += row["attempts"]
        entry["passed"] += row["passed"]
        entry["_sum"] += float(row["mean"] or 0) * row["attempts"]
    rows = sorted(merged.values(), key=lambda r: (r["group"], r["period"]))
    previous: dict[str, float] = {}
    for row in rows:
        row["pass_rate"] = round(100.0 * row["passed"] / row["attempts"], 2) if row["attempts"] else None
        row["mean_percent"] = round(row.pop("_sum") / row["attempts"], 2) if row["attempts"] else None
        before = previous.get(row["group"])
        row["change"] = round(row["pass_rate"] - before, 2) if before is not None else None
        previous[row["group"]] = row["pass_rate"]
    return rows


def certificate_rows(filters: ReportFilters, *, today: datetime.date | None = None) -> list[dict]:
    """Certificates per period and group: ``[{"period", "group", "issued", "expired", "revoked"}]``.

    Issued counts ``issued_on`` in the period; expired, certificates whose last valid day
    (``expires_on``) fell in the period and before ``today``; revoked, ``revoked_at`` in the
    period. Superseded certificates count as issued (they were) but not as expired.
    The organisation is the holder's."""
    from certificates.models import tashkent_today

    today = today or tashkent_today()
    grouper = _Grouper(filters.group_by)
    certificates = Certificate.objects.all()
    if filters.exam_ids:
        certificates = certificates.filter(exam_id__in=filters.exam_ids)
    if filters.organisation_id:
        certificates = certificates.filter(holder__organisation_id__in=organisation_subtree(filters.organisation_id))
    if filters.visible_organisation_ids is not None:
        certificates = certificates.filter(holder__organisation_id__in=filters.visible_organisation_ids)
    trunc = PERIODS.get(filters.period, TruncQuarter)
    start, end = _bounds(filters)
    group_values = ["exam_id"] if grouper.field == "exam_id" else ["org"] if grouper.field else []
    merged: dict[tuple[str, str], dict] = {}

    def collect(queryset, date_field: str, measure: str, *, is_datetime: bool) -> None:
        if filters.date_from:
            queryset = queryset.filter(**{f"{date_field}__gte": start if is_datetime else filters.date_from})
        if filters.date_to:
            queryset = queryset.filter(
                **({f"{date_field}__lt": end} if is_datetime else {f"{date_field}__lte": filters.date_to})
            )
        bucket = trunc(date_field, tzinfo=TASHKENT) if is_datetime else trunc(date_field)
        rows = (
            queryset.annotate(bucket=bucket, org=F("holder__organisation_id"))
            .values("bucket", *group_values)
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            period = period_label(row["bucket"], filters.period)
            group = grouper.label(row.get("exam_id", row.get("org")))
            entry = merged.setdefault(
                (group, period), {"period": period, "group": group, "issued": 0, "expired": 0, "revoked": 0}
            )
            entry[measure] += row["n"]

    collect(certificates, "issued_on", "issued", is_datetime=False)
    collect(
        certificates.filter(expires_on__lt=today, revoked_at__isnull=True, superseded_at__isnull=True),
        "expires_on",
        "expired",
        is_datetime=False,
    )
    collect(certificates.filter(revoked_at__isnull=False), "revoked_at", "revoked", is_datetime=True)
    return sorted(merged.values(), key=lambda r: (r["group"], r["period"]))


def certificates_per_qualification_year() -> list[dict]:
    """Open data: ``[{"year", "qualification", "issued"}]`` — current and superseded
    certificates counted once per attempt (a reissue is not a new certificate), no personal data."""
    rows = (
        Certificate.objects.filter(superseded_at__isnull=True)
        .annotate(year=TruncYear("issued_on"))
        .values("year", "qualification_uz", "qualification_en")
        .annotate(issued=Count("id"))
        .order_by("year", "qualification_uz")
    )
    return [
        {
            "year": row["year"].year,
            "qualification": row["qualification_uz"],
            "qualification_en": row["qualification_en"],
            "issued": row["issued"],
        }
        for row in rows
    ]
