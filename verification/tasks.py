"""Celery tasks of the verification app: thin, taking ids, idempotent."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Appeal, AppealState
from .services.results import verification_sweep


@shared_task(acks_late=True, ignore_result=True)
def sweep_verifications() -> int:
    """Verify the results whose appeal window has ended (periodic, Celery beat)."""
    return verification_sweep()


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_appeal_decision(appeal_id: int) -> bool:
    """E-mail the decision of an appeal to the candidate, in the candidate's language.

    Returns False when there is nothing to send (no such appeal, not decided, no address).
    A retry after a mail outage sends the same message again, which is harmless.
    """
    appeal = (
        Appeal.objects.filter(pk=appeal_id, state=AppealState.DECIDED)
        .select_related("attempt__exam", "attempt__candidate", "item")
        .first()
    )
    if appeal is None or not appeal.attempt.candidate.email:
        return False
    candidate = appeal.attempt.candidate
    language = (candidate.language or settings.LANGUAGE_CODE)[:2]
    with translation.override(language):
        context = {
            "appeal": appeal,
            "attempt": appeal.attempt,
            "exam": appeal.attempt.exam,
            "candidate": candidate,
            "result_url": settings.SITE_URL + reverse("exams:result", args=[appeal.attempt_id]),
        }
        subject = " ".join(render_to_string("verification/email/decision_subject.txt", context).split())
        body = render_to_string("verification/email/decision_body.txt", context)
    send_mail(subject, body, None, [candidate.email])
    return True
