"""Receivers: a final passing result enqueues the issuing of its certificate.

``exams.signals.result_final`` is sent after the commit, so the task sees the final attempt.
"""

import logging

from django.dispatch import receiver

from exams.signals import result_final

logger = logging.getLogger(__name__)


@receiver(result_final, dispatch_uid="certificates.issue_on_result_final")
def issue_on_pass(sender, *, attempt_id: int, passed: bool, **kwargs) -> None:
    """Enqueue ``issue_certificate(attempt_id)`` when the result passed."""
    if not passed:
        return
    from .tasks import issue_certificate

    try:
        issue_certificate.delay(attempt_id)
    except Exception:
        # The candidate's submit has committed; a broker outage or (eagerly) a rendering
        # failure must not turn it into an error page. `manage.py issue_certificates`
        # issues whatever was missed.
        logger.exception("Could not issue the certificate of attempt %s", attempt_id)
