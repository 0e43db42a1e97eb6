"""``manage.py issue_certificates``: issue what was missed and render missing PDFs (idempotent).

For repairs after a broker outage or a crash between commit and PDF: every final passing
attempt without a current certificate gets one; every certificate without a PDF gets it.
"""

from django.core.management.base import BaseCommand

from certificates.models import Certificate
from certificates.services import (
    CertificateError,
    attempts_missing_certificate,
    certificate_issue,
    certificate_render_pdf,
    certificates_missing_pdf,
)


class Command(BaseCommand):
    help = "Issue certificates for final passing attempts that have none, and render missing PDFs."

    def handle(self, *args, **options):
        issued = failed = rendered = 0
        # The same selection as the beat task's sweep (certificates.services), without its grace
        # period: run by hand, everything missing now is issued now, in this process.
        for attempt_id in attempts_missing_certificate().iterator():
            try:
                certificate_issue(attempt_id=attempt_id)
                issued += 1
            except CertificateError as error:
                failed += 1
                self.stderr.write(f"attempt {attempt_id}: {error}")
        for certificate in Certificate.objects.filter(pk__in=certificates_missing_pdf()).iterator():
            certificate_render_pdf(certificate=certificate)
            rendered += 1
        self.stdout.write(f"Issued {issued}, rendered {rendered} PDF(s), {failed} refused.")
        if failed:
            raise SystemExit(1)
