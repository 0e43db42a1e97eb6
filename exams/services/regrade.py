"""Regrading after a correction: a question got a new approved version after attempts used it.

Rules (DESIGN.md trust rules; issue 4, "Regrade"): an attempt keeps the versions it was
drawn with; a regrade computes a new score of each affected item with the corrected
version (``question_bank.grading.grade`` on the saved response), keeps the old score in an
audit record (:class:`~exams.models.AttemptRegrade`, :class:`~exams.models.ItemRegrade`:
old and new scores, who, why), updates the attempt's totals and pass/fail, and when pass
and fail swap sends ``exams.signals.result_changed`` after the commit so that the
certificates app issues or revokes. An examiner sees the dry run (:func:`regrade_plan`)
before applying it (:func:`exam_regrade`).

Only final attempts are regraded: an attempt waiting for manual grading is totalled when
its last essay is scored, and an essay has no automatic grade to correct.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from question_bank.grading import ManualGradingRequired, grade

from ..engine import scoring
from ..models import Attempt, AttemptItem, AttemptRegrade, AttemptState, Exam, ItemRegrade
from ..signals import result_changed


@dataclass
class ItemChange:
    """One item: the corrected version and the fraction/score before and after (Decimal)."""

    item_id: int
    position: int
    version_id: int
    old_fraction: Decimal | None
    old_score: Decimal | None
    new_fraction: Decimal
    new_score: Decimal


@dataclass
class RegradeRow:
    """One attempt in a regrade: totals before and after (points, exact percent), pass/fail."""

    attempt_id: int
    candidate: str
    number: int
    max_score: Decimal
    old_score: Decimal
    new_score: Decimal
    old_percent: Decimal
    new_percent: Decimal
    old_passed: bool
    new_passed: bool
    items: list[ItemChange] = field(default_factory=list)

    @property
    def result_changes(self) -> bool:
        return self.old_passed != self.new_passed

    @property
    def score_changes(self) -> bool:
        return self.old_score != self.new_score


def _corrected_version(item: AttemptItem):
    """The question's approved version when it is newer than the one last used to grade the item."""
    approved = item.question.approved_version
    used = item.regraded_version or item.question_version
    if approved is None or approved.pk == used.pk or approved.number <= used.number:
        return None
    return approved


def regrade_plan(*, exam: Exam, lock: bool = False) -> list[RegradeRow]:
    """The dry run: for every final attempt of ``exam`` with an item whose question has a newer
    approved version, the item scores and totals a regrade would give. Writes nothing.

    Returns the rows ordered by attempt id. Queries: two plus one per affected attempt batch
    (never the whole bank). ``lock`` (inside a transaction) locks the affected attempts.
    """
    items = list(
        AttemptItem.objects.filter(attempt__exam=exam, attempt__state=AttemptState.FINAL)
        .exclude(question__approved_version__isnull=True)
        # Only items whose question moved on since they were graded (the rest stay in the database).
        .exclude(question__approved_version=F("question_version"), regraded_version__isnull=True)
        .exclude(question__approved_version=F("regraded_version"))
        .select_related("question__approved_version", "question_version", "regraded_version")
    )
    changes: dict[int, list[ItemChange]] = {}
    for item in items:
        version = _corrected_version(item)
        if version is None or version.qtype == "description":
            continue
        try:
            fraction = grade(version.data, item.response or {})
        except ManualGradingRequired:
            continue
        new_fraction, new_score = scoring.item_score(points=item.points, fraction=fraction)
        changes.setdefault(item.attempt_id, []).append(
            ItemChange(
                item_id=item.pk,
                position=item.position,
                version_id=version.pk,
                old_fraction=item.fraction,
                old_score=item.score,
                new_fraction=new_fraction,
                new_score=new_score,
            )
        )
    if not changes:
        return []
    attempts = Attempt.objects.filter(pk__in=list(changes)).select_related("candidate").order_by("pk")
    if lock:
        attempts = attempts.select_for_update(of=("self",))
    totals: dict[int, list[tuple[int, Decimal, Decimal | None]]] = {}
    for attempt_id, item_id, points, score, qtype in (
        AttemptItem.objects.filter(attempt_id__in=list(changes))
        .values_list("attempt_id", "id", "points", "score", "question_version__qtype")
        .order_by("attempt_id", "position")
    ):
        if qtype != "description":
            totals.setdefault(attempt_id, []).append((item_id, points, score))
    rows = []
    for attempt in attempts:
        new_by_item = {change.item_id: change.new_score for change in changes[attempt.pk]}
        total = scoring.attempt_score(
            (points, new_by_item.get(item_id, score) or Decimal(0)) for item_id, points, score in totals[attempt.pk]
        )
        new_passed = scoring.passes(percent=total.percent, cut_score=exam.cut_score)
        rows.append(
            RegradeRow(
                attempt_id=attempt.pk,
                candidate=attempt.candidate.display_name,
                number=attempt.number,
                max_score=total.max_score,
                old_score=attempt.score or Decimal(0),
                new_score=total.score,
                old_percent=attempt.percent or Decimal(0),
                new_percent=total.percent,
                old_passed=bool(attempt.passed),
                new_passed=new_passed,
                items=changes[attempt.pk],
            )
        )
    return rows


@transaction.atomic
def exam_regrade(*, exam: Exam, by, reason: str, now=None) -> list[RegradeRow]:
    """Apply the regrade of ``exam`` (the rows of :func:`regrade_plan`, computed again under
    the attempts' locks); returns the rows applied.

    For each attempt: item scores updated (``regraded_version`` set, the version itself
    kept), an :class:`AttemptRegrade` with its :class:`ItemRegrade` rows written, totals and
    ``passed`` updated; ``result_changed`` sent after the commit where pass/fail swapped.
    Raises ``PermissionDenied`` (``by`` lacks ``exams.change_attemptitem``) or
    ``ValidationError`` (no reason); nothing is written then.
    """
    if by is None or not by.has_perm("exams.change_attemptitem"):
        raise PermissionDenied(_("Only an examiner can regrade attempts."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason: it is recorded with the regrade."))
    now = now or timezone.now()
    rows = regrade_plan(exam=exam, lock=True)
    items = AttemptItem.objects.in_bulk([change.item_id for row in rows for change in row.items])
    for row in rows:
        changes = [
            ItemRegrade(
                item_id=change.item_id,
                question_version_id=change.version_id,
                old_fraction=change.old_fraction,
                old_score=change.old_score,
                new_fraction=change.new_fraction,
                new_score=change.new_score,
            )
            for change in row.items
        ]
        for change in row.items:
            item = items[change.item_id]
            item.fraction, item.score = change.new_fraction, change.new_score
            item.regraded_version_id = change.version_id
            # One save per item (not a bulk update) so that the audit log records each score change.
            item.save(update_fields=["fraction", "score", "regraded_version"])
        regrade_record(
            attempt_id=row.attempt_id,
            by=by,
            reason=reason,
            at=now,
            old_score=row.old_score,
            new_score=row.new_score,
            max_score=row.max_score,
            old_percent=row.old_percent,
            new_percent=row.new_percent,
            old_passed=row.old_passed,
            new_passed=row.new_passed,
            item_regrades=changes,
        )
    return rows


def regrade_record(
    *,
    attempt_id: int,
    by,
    reason: str,
    at,
    old_score: Decimal,
    new_score: Decimal,
    max_score: Decimal,
    old_percent: Decimal,
    new_percent: Decimal,
    old_passed: bool,
    new_passed: bool,
    item_regrades: list[ItemRegrade],
    announce: bool = True,
) -> AttemptRegrade:
    """Record one attempt's rescoring and store its new totals; returns the AttemptRegrade.

    The one place that writes a regrade's audit trail, for an exam regrade (here) and for an
    appeal decision (``verification.services.appeals``): an :class:`AttemptRegrade` (who, why,
    ``at`` an aware datetime, scores in points, percents exact, pass/fail before and after),
    its ``item_regrades`` (unsaved :class:`ItemRegrade` rows with their old and new values;
    their ``regrade`` is set here), the attempt's ``score``/``max_score``/``percent``/``passed``
    updated, and when pass and fail swap (``announce``) ``exams.signals.result_changed`` sent
    after the commit so that the certificate follows. The caller holds the attempt's lock
    inside a transaction and has already saved the items' own new scores.
    """
    regrade = AttemptRegrade.objects.create(
        attempt_id=attempt_id,
        by=by,
        reason=reason,
        at=at,
        old_score=old_score,
        new_score=new_score,
        old_percent=old_percent,
        new_percent=new_percent,
        old_passed=old_passed,
        new_passed=new_passed,
    )
    for item_regrade in item_regrades:
        item_regrade.regrade = regrade
    ItemRegrade.objects.bulk_create(item_regrades)
    Attempt.objects.filter(pk=attempt_id).update(
        score=new_score, max_score=max_score, percent=new_percent, passed=new_passed
    )
    if announce and old_passed != new_passed:
        by_id = by.pk
        transaction.on_commit(
            lambda: result_changed.send(
                sender=Attempt, attempt_id=attempt_id, passed=new_passed, reason=reason, by_id=by_id
            )
        )
    return regrade
