"""Receivers: a verified passing result enqueues the issuing of its certificate; a regrade that
turns a pass into a fail revokes it (reason "regrade").

Certificates come from verified results (issue 11): the verification app decides when a
final result is verified (at once, after a sign-off or an appeal window) and sends
``verification.signals.result_verified``, also again when a verified result turns from fail
to pass. ``result_verified`` and ``exams.signals.result_changed`` are sent after the commit,
so the task sees the attempt as committed.
"""

import logging

from auditlog.registry import auditlog
from django.dispatch import receiver

from exams.signals import result_changed
from verification.signals import result_verified

from .models import Certificate, CertificateTemplate

logger = logging.getLogger(__name__)

# Every change to a certificate row or a template is in the audit log (django-auditlog), next
# to the certificate's own events (CertificateEvent). Registered here because this module is
# imported once at start-up (CertificatesConfig.ready).
if not auditlog.contains(Certificate):
    auditlog.register(Certificate, exclude_fields=["created_at", "credential"])
if not auditlog.contains(CertificateTemplate):
    auditlog.register(CertificateTemplate, exclude_fields=["updated_at"], m2m_fields={"exams"})


@receiver(result_verified, dispatch_uid="certificates.issue_on_result_verified")
def issue_on_pass(sender, *, attempt_id: int, passed: bool, **kwargs) -> None:
    """Enqueue ``issue_certificate(attempt_id)`` when the verified result passed."""
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


@receiver(result_changed, dispatch_uid="certificates.follow_regrade")
def follow_regrade(sender, *, attempt_id: int, passed: bool, by_id: int | None = None, **kwargs) -> None:
    """A regrade (or an appeal decision) changed pass/fail: revoke on a fail. A new pass is
    issued when the verification app announces it verified (``result_verified``).

    The revocation is recorded with the examiner who regraded (``by_id``) and the reason
    "regrade"; their right to regrade is what authorizes it.
    """
    if passed:
        return
    from .services import certificate_revoke_after_regrade

    try:
        certificate_revoke_after_regrade(attempt_id=attempt_id, by_id=by_id)
    except Exception:
        # The regrade has committed; the certification officer revokes by hand what failed here.
        logger.exception("Could not revoke the certificate of attempt %s after a regrade", attempt_id)
