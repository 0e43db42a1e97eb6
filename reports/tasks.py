"""Celery tasks: thin, take ids, idempotent (unchanged fingerprints compute nothing)."""

from celery import shared_task
from django.db import OperationalError

from .services import exam_analysis_refresh


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def compute_item_analysis(exam_id: int) -> dict:
    """Refresh the cached item analysis of an exam and of the questions it presented."""
    return exam_analysis_refresh(exam_id=exam_id)
