"""Celery tasks of the exam engine: thin, idempotent, taking ids."""

from celery import shared_task

from .services.attempts import attempt_finalize_expired


@shared_task(acks_late=True, ignore_result=True)
def finalize_expired_attempts() -> int:
    """Periodic (beat, every minute): auto-submit attempts past deadline + grace."""
    return attempt_finalize_expired()
