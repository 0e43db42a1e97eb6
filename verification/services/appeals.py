"""Appeals: a candidate contests an item or the whole attempt; an examiner decides with a reason.

Decisions (issue 11): reject; void the item (removed from the scoring of every candidate of
the exam); accept the candidate's answer (full marks for that item of that attempt); grant a
retake (one more attempt, as an override). Score changes reuse the exam engine's regrade
records (:class:`exams.models.AttemptRegrade` and :class:`exams.models.ItemRegrade`: old and
new scores, who, why) and its scoring functions (:mod:`exams.engine.scoring`), and send
``exams.signals.result_changed`` after the commit when pass and fail swap, exactly as a
regrade does, so the certificate follows. Every decision is in the audit log (the
:class:`~verification.models.Appeal` row is registered), in the attempt's integrity log and
e-mailed to the candidate in their language.

A voided item keeps its question version and the candidate's response; its points become 0,
so every later total of the exam engine (a regrade, a manual grade) leaves it out too.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.engine import scoring
from exams.models import Attempt, AttemptItem, AttemptState, ExamOverride, ItemRegrade
from exams.services.regrade import regrade_record

from ..models import (
    Appeal,
    AppealDecision,
    AppealKind,
    AppealState,
    IntegrityKind,
    ResultVerification,
    VerificationState,
    VoidedQuestion,
)
from .integrity import integrity_append
from .results import VerificationError, staff_can_see, verification_evaluate

MAX_COMMENT = 4000


@dataclass
class RescoreRow:
    """One attempt rescored: totals before and after (points, exact percent), pass/fail."""

    attempt_id: int
    candidate: str
    old_score: Decimal
    new_score: Decimal
    old_percent: Decimal
    new_percent: Decimal
    old_passed: bool
    new_passed: bool
    regrade_id: int | None = None
    item_ids: list[int] = field(default_factory=list)

    @property
    def result_changes(self) -> bool:
        return self.old_passed != self.new_passed


def _totals(items: list[AttemptItem], new: dict[int, tuple[Decimal, Decimal, Decimal]], cut_score: Decimal):
    """Totals with ``new`` = {item id: (points, fraction, score)} replacing those items."""
    pairs = []
    for item in items:
        if item.question_version.qtype == "description":
            continue
        points, _fraction, score = new.get(item.pk, (item.points, item.fraction, item.score))
        pairs.append((points, score or Decimal(0)))
    total = scoring.attempt_score(pairs)
    return total, scoring.passes(percent=total.percent, cut_score=cut_score)


def _rescore(
    *,
    attempt: Attempt,
    new: dict[int, tuple[Decimal, Decimal, Decimal]],
    by,
    reason: str,
    now: datetime.datetime,
    announce: bool = True,
    dry_run: bool = False,
) -> RescoreRow:
    """Rescore ``attempt`` (final, locked by the caller) with ``new`` = {item id: (points,
    fraction, score)}: items saved one by one (the audit log records each), an
    :class:`AttemptRegrade` with its :class:`ItemRegrade` rows, the attempt's totals and
    pass/fail; ``result_changed`` after the commit when pass/fail swapped (``announce``)."""
    items = list(attempt.items.select_related("question_version", "regraded_version"))
    total, new_passed = _totals(items, new, attempt.exam.cut_score)
    row = RescoreRow(
        attempt_id=attempt.pk,
        candidate=attempt.candidate.display_name,
        old_score=attempt.score or Decimal(0),
        new_score=total.score,
        old_percent=attempt.percent or Decimal(0),
        new_percent=total.percent,
        old_passed=bool(attempt.passed),
        new_passed=new_passed,
        item_ids=sorted(new),
    )
    if dry_run:
        return row
    changes = []
    for item in items:
        if item.pk not in new:
            continue
        points, fraction, score = new[item.pk]
        changes.append(
            ItemRegrade(
                item=item,
                question_version=item.regraded_version or item.question_version,
                old_fraction=item.fraction,
                old_score=item.score,
                new_fraction=fraction,
                new_score=score,
            )
        )
        item.points, item.fraction, item.score = points, fraction, score
        item.save(update_fields=["points", "fraction", "score"])
    regrade = regrade_record(
        attempt_id=attempt.pk,
        by=by,
        reason=reason,
        at=now,
        old_score=row.old_score,
        new_score=row.new_score,
        max_score=total.max_score,
        old_percent=row.old_percent,
        new_percent=row.new_percent,
        old_passed=row.old_passed,
        new_passed=row.new_passed,
        item_regrades=changes,
        announce=announce,
    )
    row.regrade_id = regrade.pk
    return row


def _void_values(item: AttemptItem) -> tuple[Decimal, Decimal, Decimal]:
    return Decimal(0), item.fraction if item.fraction is not None else Decimal(0), Decimal(0)


def void_plan(*, exam_id: int, question_id: int, lock: bool = False) -> list[RescoreRow]:
    """The dry run of voiding ``question_id`` in exam ``exam_id``: for every final attempt with
    that question, the totals before and after. Writes nothing."""
    attempts = Attempt.objects.filter(
        exam_id=exam_id, state=AttemptState.FINAL, items__question_id=question_id
    ).select_related("exam", "candidate")
    if lock:
        attempts = attempts.select_for_update(of=("self",))
    rows = []
    for attempt in attempts.order_by("pk"):
        item = attempt.items.get(question_id=question_id)
        if item.points == 0:
            continue  # already voided
        rows.append(
            _rescore(
                attempt=attempt, new={item.pk: _void_values(item)}, by=None, reason="", now=timezone.now(), dry_run=True
            )
        )
    return rows


def voids_apply(*, attempt: Attempt, now: datetime.datetime) -> RescoreRow | None:
    """For an attempt that has just become final: leave out of its score the questions voided
    for its exam since it started (the attempt is locked by the caller). Nothing is announced:
    the result is not out yet. Returns the rescore, or ``None`` when nothing was voided."""
    voided = {v.question_id: v for v in VoidedQuestion.objects.filter(exam_id=attempt.exam_id)}
    if not voided:
        return None
    items = [item for item in attempt.items.all() if item.question_id in voided and item.points != 0]
    if not items:
        return None
    first = voided[items[0].question_id]
    return _rescore(
        attempt=attempt,
        new={item.pk: _void_values(item) for item in items},
        by=first.by,
        reason=_("Questions voided for every candidate of the exam: %(reason)s") % {"reason": first.reason},
        now=now,
        announce=False,
    )


def _require_decider(by, attempt: Attempt) -> None:
    if by is None or not by.has_perm("verification.decide_appeal") or not staff_can_see(user=by, attempt=attempt):
        raise PermissionDenied(_("Only an examiner can decide appeals."))


@transaction.atomic
def appeal_lodge(
    *,
    attempt_id: int,
    candidate,
    kind: str,
    comment: str,
    position: int | None = None,
    now: datetime.datetime | None = None,
) -> Appeal:
    """The candidate appeals during the appeal window: one item (``position``) with a comment,
    or the whole attempt for a technical failure (``kind`` "technical").

    Raises :class:`~verification.services.results.VerificationError` with a message for the
    candidate: not their attempt, no window or the window closed, no comment, an unknown
    item, an appeal about it already open. Nothing is written then.
    """
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().filter(pk=attempt_id, candidate=candidate).first()
    if attempt is None:
        raise VerificationError(_("No such attempt."))
    # Locked (after the attempt, the order every service here uses) so that the sweep cannot
    # verify the result between this check and the appeal.
    verification = ResultVerification.objects.select_for_update().filter(attempt=attempt).first()
    if verification is None or not verification.has_window:
        raise VerificationError(_("This result cannot be appealed."))
    if verification.state == VerificationState.VERIFIED or now >= verification.window_ends_at:
        raise VerificationError(_("The appeal window of this result has closed."))
    comment = (comment or "").strip()
    if not comment:
        raise VerificationError(_("Say what you appeal against: the comment is required."))
    if len(comment) > MAX_COMMENT:
        raise VerificationError(_("The comment is too long (at most %(n)s characters).") % {"n": MAX_COMMENT})
    item = None
    if kind == AppealKind.ITEM:
        item = AttemptItem.objects.filter(attempt=attempt, position=position).select_related("question_version").first()
        if item is None or item.question_version.qtype == "description":
            raise VerificationError(_("Choose the item you appeal against."))
    elif kind != AppealKind.TECHNICAL:
        raise VerificationError(_("Choose what you appeal against."))
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(attempt=attempt, kind=kind, item=item, comment=comment, created_at=now)
    except IntegrityError as error:
        raise VerificationError(_("An appeal about this is already open.")) from error
    integrity_append(
        attempt_id=attempt.pk,
        kind=IntegrityKind.APPEAL,
        payload={"appeal": appeal.pk, "kind": kind, "position": item.position if item else None},
        at=now,
    )
    return appeal


def _decide_void(*, appeal: Appeal, by, reason: str, now: datetime.datetime) -> dict:
    item = appeal.item
    exam_id = appeal.attempt.exam_id
    try:
        with transaction.atomic():
            VoidedQuestion.objects.create(
                exam_id=exam_id, question_id=item.question_id, appeal=appeal, by=by, reason=reason, at=now
            )
    except IntegrityError as error:
        raise VerificationError(_("This question is already voided for this exam.")) from error
    text = _("Item voided for every candidate (appeal %(id)s): %(reason)s") % {"id": appeal.pk, "reason": reason}
    rows = []
    for planned in void_plan(exam_id=exam_id, question_id=item.question_id, lock=True):
        attempt = Attempt.objects.select_related("exam", "candidate").get(pk=planned.attempt_id)
        target = attempt.items.get(question_id=item.question_id)
        rows.append(_rescore(attempt=attempt, new={target.pk: _void_values(target)}, by=by, reason=text, now=now))
    own = next((row for row in rows if row.attempt_id == appeal.attempt_id), None)
    return {
        "question": item.question_id,
        "attempts_rescored": len(rows),
        "results_changed": sum(1 for row in rows if row.result_changes),
        "regrades": [row.regrade_id for row in rows],
        **(_row_summary(own) if own else {}),
    }


def _row_summary(row: RescoreRow) -> dict:
    return {
        "old_score": str(row.old_score),
        "new_score": str(row.new_score),
        "old_percent": str(row.old_percent),
        "new_percent": str(row.new_percent),
        "old_passed": row.old_passed,
        "new_passed": row.new_passed,
    }


def _decide_accept(*, appeal: Appeal, by, reason: str, now: datetime.datetime) -> dict:
    attempt = appeal.attempt
    item = AttemptItem.objects.get(pk=appeal.item_id)
    if item.points == 0:
        raise VerificationError(_("This item is voided; there is nothing to accept."))
    fraction, score = scoring.item_score(points=item.points, fraction=Decimal(1))
    text = _("Candidate's answer accepted (appeal %(id)s): %(reason)s") % {"id": appeal.pk, "reason": reason}
    row = _rescore(attempt=attempt, new={item.pk: (item.points, fraction, score)}, by=by, reason=text, now=now)
    return {"regrades": [row.regrade_id], **_row_summary(row)}


def _decide_retake(*, appeal: Appeal, by, reason: str) -> dict:
    # The appeal decision is what authorizes this override (as a regrade authorizes a
    # revocation): examiners need not hold the exam manager's right to grant overrides.
    override = ExamOverride.objects.create(
        exam_id=appeal.attempt.exam_id,
        candidate_id=appeal.attempt.candidate_id,
        extra_attempts=1,
        reason=_("Retake granted on appeal %(id)s: %(reason)s") % {"id": appeal.pk, "reason": reason},
        created_by=by,
    )
    return {"override": override.pk}


@transaction.atomic
def appeal_decide(*, appeal_id: int, by, decision: str, reason: str, now: datetime.datetime | None = None) -> Appeal:
    """An examiner decides an open appeal with a reason; returns the decided appeal.

    ``decision``: one of :class:`~verification.models.AppealDecision`; "void_item" and
    "accept_answer" only for an item appeal. Scores change through :func:`_rescore` (regrade
    records, ``result_changed`` on a pass/fail swap); the decision is appended to the
    attempt's integrity log, e-mailed to the candidate after the commit, and the result is
    verified if nothing else holds it. Raises ``PermissionDenied`` (no
    ``verification.decide_appeal`` or outside the examiner's organisations) or
    :class:`~verification.services.results.VerificationError` (no reason, already decided, a
    decision that does not fit the appeal). Nothing is written then.
    """
    now = now or timezone.now()
    appeal = Appeal.objects.select_for_update().filter(pk=appeal_id).first()
    if appeal is None:
        raise VerificationError(_("There is no such appeal."))
    attempt = Attempt.objects.select_for_update().select_related("exam", "candidate").get(pk=appeal.attempt_id)
    appeal.attempt = attempt
    _require_decider(by, attempt)
    reason = (reason or "").strip()
    if not reason:
        raise VerificationError(_("Give a reason: it is sent to the candidate and kept in the audit log."))
    if appeal.state != AppealState.OPEN:
        raise VerificationError(_("This appeal is already decided."))
    if decision not in AppealDecision.values:
        raise VerificationError(_("Choose a decision."))
    if decision in (AppealDecision.VOID_ITEM, AppealDecision.ACCEPT_ANSWER) and appeal.kind != AppealKind.ITEM:
        raise VerificationError(_("Only an appeal about one item can void it or accept the answer."))
    if decision == AppealDecision.VOID_ITEM:
        outcome = _decide_void(appeal=appeal, by=by, reason=reason, now=now)
    elif decision == AppealDecision.ACCEPT_ANSWER:
        outcome = _decide_accept(appeal=appeal, by=by, reason=reason, now=now)
    elif decision == AppealDecision.RETAKE:
        outcome = _decide_retake(appeal=appeal, by=by, reason=reason)
    else:
        outcome = {}
    appeal.state = AppealState.DECIDED
    appeal.decision = decision
    appeal.decision_reason = reason
    appeal.decided_by = by
    appeal.decided_at = now
    appeal.outcome = outcome
    appeal.save(update_fields=["state", "decision", "decision_reason", "decided_by", "decided_at", "outcome"])
    integrity_append(
        attempt_id=attempt.pk,
        kind=IntegrityKind.APPEAL_DECIDED,
        payload={"appeal": appeal.pk, "decision": decision, "reason": reason, "by": by.pk, **outcome},
        at=now,
    )
    from ..tasks import send_appeal_decision

    appeal_pk = appeal.pk
    transaction.on_commit(lambda: _enqueue(send_appeal_decision, appeal_pk))
    verification_evaluate(attempt_id=attempt.pk, now=now)
    return appeal


def _enqueue(task, *args) -> None:
    import logging

    try:
        task.delay(*args)
    except Exception:
        # The decision has committed; a mail outage must not turn it into an error page.
        logging.getLogger(__name__).exception("Could not send %s%s", task.name, args)
