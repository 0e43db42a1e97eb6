"""Pages: the public verification page and form, the candidate's certificates and downloads.

Verification pages answer anyone, carry ``noindex`` (meta and ``X-Robots-Tag``) and show only
what the certificate states: status, holder's name, qualification, dates, issuer, serial,
and the result of checking the signature.
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from . import selectors
from .api import keep_404, verify_rate
from .codes import code_normalize
from .models import TASHKENT, CertificateStatus
from .rendering.dates import date_long
from .rendering.qr import qr_parse
from .services import certificate_render_pdf

NOINDEX = "noindex, nofollow"


def _language() -> str:
    return (get_language() or "uz")[:2]


def _noindex(response):
    response["X-Robots-Tag"] = NOINDEX
    return response


@require_GET
@never_cache
@ratelimit(group="certificates.verify", key="ip", rate=verify_rate, block=False)
def verify_page(request, code: str, credential: str | None = None):
    """``GET /v/<code>`` (and ``/v/<code>/<credential>``, the QR form): the verification page.

    With a credential from the QR code, the page also says whether its signed data matches
    the register. Unknown or malformed codes: 404 with the same "not found" page.
    """
    if getattr(request, "limited", False):
        response = render(request, "certificates/verify.html", {"state": "rate_limited"}, status=429)
        response["Retry-After"] = "60"
        return _noindex(response)
    certificate = selectors.certificate_by_code(code=code)
    if certificate is None:
        response = render(request, "certificates/verify.html", {"state": "not_found"}, status=404)
        return keep_404(request, _noindex(response))
    verification = selectors.certificate_verification(certificate=certificate)
    qr_check = None
    if credential:
        qr_check = selectors.credential_check(credential_text=credential, expected=certificate.claims())
    language = _language()
    context = {
        "state": verification.status,
        "certificate": certificate,
        "verification": verification,
        "qr_check": qr_check,
        "qualification": certificate.qualification_in(language),
        "issued_on": date_long(certificate.issued_on, language),
        "expires_on": date_long(certificate.expires_on, language) if certificate.expires_on else "",
        "revoked_on": (
            date_long(certificate.revoked_at.astimezone(TASHKENT).date(), language) if certificate.revoked_at else ""
        ),
        "checked_at": timezone.now(),
        "statuses": CertificateStatus,
    }
    return _noindex(render(request, "certificates/verify.html", context))


@require_GET
def verify_form(request):
    """The manual entry form; a code (or a pasted verification link) redirects to its page."""
    entered = request.GET.get("code", "").strip()
    error = ""
    if entered:
        scanned = qr_parse(entered)
        code = scanned.code if scanned else code_normalize(entered)
        if code:
            return HttpResponseRedirect(reverse("certificates_verify", kwargs={"code": code}))
        error = _("A verification code has 16 letters and digits, like 7Q2M-0D4K-XW9T-H3CE.")
    response = render(request, "certificates/verify_form.html", {"entered": entered, "error": error})
    return _noindex(response)


@login_required
def mine(request):
    """The signed-in candidate's certificates, newest first, with their status and PDF."""
    language = _language()
    rows = [
        {
            "certificate": certificate,
            "status": certificate.status,
            "status_label": CertificateStatus(certificate.status).label,
            "qualification": certificate.qualification_in(language),
            "issued_on": date_long(certificate.issued_on, language),
            "expires_on": date_long(certificate.expires_on, language) if certificate.expires_on else "",
        }
        for certificate in selectors.certificates_of(holder=request.user)
    ]
    return render(request, "certificates/mine.html", {"rows": rows, "statuses": CertificateStatus})


@login_required
@require_GET
def download(request, code: str):
    """The PDF of one of the signed-in holder's certificates; 404 for anyone else's or a revoked one."""
    certificate = selectors.certificate_for_holder(holder=request.user, code=code)
    if certificate is None or certificate.revoked_at is not None:
        raise Http404(_("No such certificate."))
    if not certificate.pdf or not certificate.pdf.storage.exists(certificate.pdf.name):
        certificate = certificate_render_pdf(certificate=certificate, replace=bool(certificate.pdf))
    response = FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.serial}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response
