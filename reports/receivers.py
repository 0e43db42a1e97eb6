"""Receivers: a final result schedules a refresh of its exam's item analysis.

Debounced: at most one task per exam per minute (``cache.add`` succeeds once per window),
enqueued with a countdown of that window so it runs after the attempts that arrive within
it. On exam day thousands of results become final per minute; one analysis per minute per
exam keeps the figures fresh without recomputing them for every submit.
"""

import logging

from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver

from exams.models import Attempt
from exams.signals import result_final

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 60


def debounce_key(exam_id: int) -> str:
    return f"reports:item-analysis:{exam_id}"


@receiver(result_final, dispatch_uid="reports.refresh_on_result_final")
def refresh_on_result_final(sender, *, attempt_id: int, **kwargs) -> None:
    """Enqueue ``compute_item_analysis(exam_id)`` unless one is already queued this minute."""
    from .tasks import compute_item_analysis

    try:
        # A savepoint: a database error here (eager Celery runs the task inline) must not
        # break a transaction the caller is still in.
        with transaction.atomic():
            exam_id = Attempt.objects.filter(pk=attempt_id).values_list("exam_id", flat=True).first()
            if exam_id is None or not cache.add(debounce_key(exam_id), 1, DEBOUNCE_SECONDS):
                return
            compute_item_analysis.apply_async((exam_id,), countdown=DEBOUNCE_SECONDS)
    except Exception:
        # Statistics must never turn a candidate's submit into an error; the next final
        # result (or the report page, which computes on demand) catches up.
        logger.exception("Could not schedule the item analysis after attempt %s", attempt_id)
