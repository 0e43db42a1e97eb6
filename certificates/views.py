"""Pages: the public verification page and form, the candidate's certificates and downloads.

Verification pages answer anyone, carry ``noindex`` (meta and ``X-Robots-Tag``) and show only
what the certificate states: status, holder's name, qualification, dates, issuer, serial,
and the result of checking the signature.
"""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from . import openbadges, selectors
from .api import keep_404, verify_rate
from .codes import code_normalize
from .models import TASHKENT, CertificateStatus
from .rendering.dates import date_long
from .rendering.qr import qr_parse, verification_url
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
    """The signed-in candidate's certificates, newest first, with their status, PDF, Open Badges
    credential and share link (the public ``/v/<code>`` page, as the QR code's target)."""
    language = _language()
    rows = [
        {
            "certificate": certificate,
            "status": certificate.status,
            "status_label": CertificateStatus(certificate.status).label,
            "qualification": certificate.qualification_in(language),
            "issued_on": date_long(certificate.issued_on, language),
            "expires_on": date_long(certificate.expires_on, language) if certificate.expires_on else "",
            "share_url": verification_url(settings.SITE_URL, certificate.verification_code),
            # Revoked: when (the date in Tashkent) and why; superseded: the certificate that replaces it.
            "revoked_on": (
                date_long(certificate.revoked_at.astimezone(TASHKENT).date(), language)
                if certificate.revoked_at
                else ""
            ),
            "replaced_by": certificate.superseded_by if certificate.superseded_at else None,
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


@login_required
@require_GET
def download_credential(request, code: str, signed: bool):
    """The holder's Open Badges 3.0 credential as a file: ``.jwt`` (VC-JWT, ``application/vc+jwt``,
    ``signed``) or ``.json`` (unsigned). 404 for anyone else's, a revoked or a superseded one."""
    certificate = selectors.certificate_for_holder(holder=request.user, code=code)
    if certificate is None or certificate.revoked_at is not None or certificate.superseded_at is not None:
        raise Http404(_("No such certificate."))
    if signed:
        body, content_type, extension = openbadges.certificate_vc_jwt(certificate), openbadges.MEDIA_TYPE, "jwt"
    else:
        credential = openbadges.open_badge_credential(certificate)
        body = json.dumps(credential, ensure_ascii=False, indent=2)
        content_type, extension = "application/json; charset=utf-8", "json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{certificate.serial}-open-badge.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response
