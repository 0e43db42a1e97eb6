"""Receivers: the exam engine's signals and saves feed the verification of results and the
integrity log. ``exams`` knows nothing of this app.

- ``result_final`` (after the commit): open the result's verification; the exam's policy
  decides whether it is verified at once (then ``result_verified`` goes out) or held.
- ``result_changed``: logged; a verified result that now passes is announced again.
- ``post_save`` of an attempt: "start" on creation (with the request's address, device and
  sign-in method when a request is running), "submit" when it is submitted.
- ``post_save`` of an override: logged on the covered attempts in progress.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from exams.models import Attempt, AttemptState, ExamOverride
from exams.signals import result_changed, result_final

from .middleware import current_request
from .models import IntegrityKind
from .services import integrity, results

logger = logging.getLogger(__name__)


@receiver(result_final, dispatch_uid="verification.open_on_result_final")
def open_verification(sender, *, attempt_id: int, **kwargs) -> None:
    try:
        results.result_verified_on_final(attempt_id=attempt_id)
    except Exception:
        # The candidate's submit has committed; `manage.py verify_results` (the sweep) and the
        # next result_changed open what failed here, and nothing is issued unverified.
        logger.exception("Could not open the verification of attempt %s", attempt_id)


@receiver(result_changed, dispatch_uid="verification.follow_result_changed")
def follow_result_changed(
    sender, *, attempt_id: int, passed: bool, reason: str = "", by_id: int | None = None, **kwargs
) -> None:
    try:
        results.result_follow_change(attempt_id=attempt_id, passed=passed, reason=reason, by_id=by_id)
    except Exception:
        logger.exception("Could not follow the result change of attempt %s", attempt_id)


@receiver(post_save, sender=Attempt, dispatch_uid="verification.attempt_saved")
def attempt_saved(sender, instance: Attempt, created: bool, update_fields=None, **kwargs) -> None:
    if created:
        # After the commit, in the same request: the start is the exam day's hot path and its
        # query budget is tested (tests/exams). A crash in between leaves a log that begins
        # at the next event, which the chain check accepts; nothing is ever lost from it.
        request = current_request()
        transaction.on_commit(lambda: _log_start(instance, request))
    elif update_fields and "submitted_at" in update_fields and instance.state == AttemptState.SUBMITTED:
        # Waiting for manual grading. (A submit that is final at once is logged with its
        # result by the receiver of result_final.) After the commit, for the submit's budget.
        attempt_id, auto = instance.pk, instance.auto_submitted
        transaction.on_commit(lambda: _log_submit(attempt_id, auto))


def _log_submit(attempt_id: int, auto: bool) -> None:
    try:
        integrity.integrity_append(
            attempt_id=attempt_id, kind=IntegrityKind.SUBMIT, payload={"auto": auto, "state": "submitted"}
        )
    except Exception:
        logger.exception("Could not log the submit of attempt %s", attempt_id)


def _log_start(attempt: Attempt, request) -> None:
    payload = {"exam": attempt.exam_id, "number": attempt.number, "deadline_at": attempt.deadline_at}
    seen, login = None, None
    if request is not None:
        seen = integrity.request_fingerprint(request)
        login = integrity.login_method(request)
        payload.update(seen, login=login)
    try:
        with transaction.atomic():
            integrity.integrity_begin(attempt_id=attempt.pk, payload=payload, seen=seen, at=attempt.started_at)
            if login and login.get("method") == "socialaccount":
                results.identity_from_login(attempt=attempt, login=login)
    except Exception:
        logger.exception("Could not log the start of attempt %s", attempt.pk)


@receiver(post_save, sender=ExamOverride, dispatch_uid="verification.override_saved")
def override_saved(sender, instance: ExamOverride, created: bool, **kwargs) -> None:
    attempts = Attempt.objects.filter(exam_id=instance.exam_id, state=AttemptState.IN_PROGRESS)
    if instance.candidate_id:
        attempts = attempts.filter(candidate_id=instance.candidate_id)
    else:
        attempts = attempts.filter(candidate__cohorts=instance.cohort_id)
    for attempt_id in attempts.values_list("pk", flat=True):
        integrity.integrity_append(
            attempt_id=attempt_id,
            kind=IntegrityKind.OVERRIDE,
            payload={
                "override": instance.pk,
                "created": created,
                "by": instance.created_by_id,
                "extra_minutes": instance.extra_minutes,
                "extra_attempts": instance.extra_attempts,
                "reason": instance.reason,
            },
        )
