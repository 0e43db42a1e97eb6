"""Celery tasks of the exam engine: thin, idempotent, taking ids."""

from celery import shared_task

from .services.attempts import attempt_finalize_expired


@shared_task(acks_late=True, ignore_result=True)
def finalize_expired_attempts() -> int:
    """Periodic (beat, every minute): auto-submit attempts past deadline + grace."""
    return attempt_finalize_expired()


@shared_task(acks_late=True, ignore_result=True)
def send_session_reminders() -> int:
    """Periodic (beat, every 15 minutes): e-mail the candidates of sessions starting within
    24 hours a reminder in their language, once per candidate and session."""
    from .services.sessions import reminders_send

    return reminders_send()
