"""The certification officer's screens in the Wagtail admin: the register (search, export),
one certificate (facts, events, PDF), revocation, reissue, and the template preview.

Thin: each view checks its permission first (the menu is not the guard), parses, calls one
service and renders. Permissions: ``certificates.manage_register`` to search, open and
export (certification officers, administrators); ``certificates.change_certificate`` to
revoke and reissue (certification officers; the services check it again);
``certificates.change_certificatetemplate`` or ``add_certificatetemplate`` to preview a template.
"""

from __future__ import annotations

import datetime

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import exports, services
from .forms import CertificateTemplateForm, RegisterSearchForm, ReissueForm, RevokeForm
from .models import Certificate, CertificateStatus, CertificateTemplate, tashkent_today
from .rendering.pdf import certificate_template_preview_pdf

REGISTER_PERMISSION = "certificates.manage_register"
CHANGE_PERMISSION = "certificates.change_certificate"
PAGE_SIZE = 50
EXPORT_FORMATS = ("csv", "xlsx")
STATUS_LABELS = dict(CertificateStatus.choices)


def _require(request, *permissions: str) -> None:
    if not any(request.user.has_perm(permission) for permission in permissions):
        raise PermissionDenied


def _search(request) -> tuple[RegisterSearchForm, object | None]:
    form = RegisterSearchForm(request.GET or None)
    if not form.is_bound:
        return form, exports.register_search()
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, exports.register_search(
        q=data["q"],
        exam=data["exam"],
        status=data["status"],
        issued_from=data["issued_from"],
        issued_to=data["issued_to"],
    )


def register_view(request):
    """The register: filters (GET) and one page of matching certificates (``?page=``)."""
    _require(request, REGISTER_PERMISSION)
    form, rows = _search(request)
    page = None
    if rows is not None:
        rows = rows.select_related("superseded_by").only(
            "id",
            "serial",
            "verification_code",
            "holder_name",
            "qualification_uz",
            "issued_on",
            "expires_on",
            "revoked_at",
            "superseded_at",
            "superseded_by__serial",
        )
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        today = tashkent_today()
        for certificate in page.object_list:
            certificate.status_label = STATUS_LABELS[certificate.status_on(today)]
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "certificates/admin/register.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_change": request.user.has_perm(CHANGE_PERMISSION),
            "page_title": _("Certificates"),
            "header_icon": "doc-full",
        },
    )


def _audit_export(request, *, export_format: str, rows: int) -> None:
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Certificate),
        object_pk="register",
        object_repr="certificate register export",
        action=LogEntry.Action.ACCESS,
        actor=request.user,
        remote_addr=request.META.get("REMOTE_ADDR") or None,
        additional_data={
            "export": export_format,
            "filter": {key: request.GET.get(key, "") for key in RegisterSearchForm.base_fields},
            "rows": rows,
        },
    )


def export_view(request, export_format: str):
    """The filtered register as ``csv`` (streamed, UTF-8 with BOM) or ``xlsx``; audited."""
    _require(request, REGISTER_PERMISSION)
    if export_format not in EXPORT_FORMATS:
        raise Http404
    _form, rows = _search(request)
    if rows is None:
        messages.error(request, _("Correct the filters before exporting."))
        return redirect(f"{reverse('certificates_admin:register')}?{request.GET.urlencode()}")
    with transaction.atomic():
        _audit_export(request, export_format=export_format, rows=rows.count())
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if export_format == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream(exports.register_rows(rows)), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            exports.xlsx_bytes(exports.register_rows(rows)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="certificates-{stamp}.{export_format}"'
    response["Cache-Control"] = "no-store"
    return response


def detail_view(request, pk: int):
    """One certificate: every fact, its events (oldest first), links to its PDF and ``/v/<code>``."""
    _require(request, REGISTER_PERMISSION)
    certificate = get_object_or_404(
        Certificate.objects.select_related("holder", "exam", "revoked_by", "superseded_by"), pk=pk
    )
    events = certificate.events.select_related("actor").order_by("at", "id")
    supersedes = Certificate.objects.filter(superseded_by=certificate).only("id", "serial").first()
    return TemplateResponse(
        request,
        "certificates/admin/detail.html",
        {
            "certificate": certificate,
            "status": certificate.status,
            "status_label": STATUS_LABELS[certificate.status],
            "events": events,
            "supersedes": supersedes,
            "verify_url": reverse("certificates_verify", args=[certificate.verification_code]),
            "can_change": request.user.has_perm(CHANGE_PERMISSION)
            and certificate.status_on(datetime.date.max) in ("valid", "expired"),
            "page_title": certificate.serial,
            "header_icon": "doc-full",
        },
    )


def pdf_view(request, pk: int):
    """The certificate's PDF (rendered now if it has none yet), inline."""
    _require(request, REGISTER_PERMISSION)
    certificate = get_object_or_404(Certificate, pk=pk)
    if not certificate.pdf:
        certificate = services.certificate_render_pdf(certificate=certificate)
    response = FileResponse(certificate.pdf.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.serial}.pdf"'
    return response


def revoke_view(request, pk: int):
    """GET: the confirmation page with the reason field. POST: revoke (reason required)."""
    _require(request, CHANGE_PERMISSION)
    certificate = get_object_or_404(Certificate, pk=pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_revoke(certificate=certificate, by=request.user, reason=form.cleaned_data["reason"])
        except services.CertificateError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Certificate %(serial)s is revoked.") % {"serial": certificate.serial})
        return redirect("certificates_admin:detail", certificate.pk)
    return TemplateResponse(
        request,
        "certificates/admin/revoke.html",
        {
            "certificate": certificate,
            "form": form,
            "page_title": _("Revoke %(serial)s") % {"serial": certificate.serial},
            "header_icon": "cross",
        },
    )


def reissue_view(request, pk: int):
    """GET: the form (the printed name to correct, a reason). POST: reissue; show the new certificate."""
    _require(request, CHANGE_PERMISSION)
    certificate = get_object_or_404(Certificate, pk=pk)
    form = ReissueForm(request.POST or None, initial={"holder_name": certificate.holder_name})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.certificate_reissue(
                certificate=certificate,
                by=request.user,
                holder_name=form.cleaned_data["holder_name"],
                reason=form.cleaned_data["reason"],
            )
        except services.CertificateError as error:
            messages.error(request, str(error))
            return redirect("certificates_admin:detail", certificate.pk)
        messages.success(
            request,
            _("Certificate %(new)s replaces %(old)s.") % {"new": new.serial, "old": certificate.serial},
        )
        return redirect("certificates_admin:detail", new.pk)
    return TemplateResponse(
        request,
        "certificates/admin/reissue.html",
        {
            "certificate": certificate,
            "form": form,
            "page_title": _("Reissue %(serial)s") % {"serial": certificate.serial},
            "header_icon": "repeat",
        },
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def template_preview_view(request, pk: int | None = None):
    """A sample certificate PDF printed with a template: GET the saved one (``pk``), or POST
    the editor's unsaved form (with or without ``pk``). An invalid form answers 400 with its errors."""
    _require(request, "certificates.change_certificatetemplate", "certificates.add_certificatetemplate")
    instance = get_object_or_404(CertificateTemplate, pk=pk) if pk is not None else None
    if request.method == "POST":
        form = CertificateTemplateForm(request.POST, request.FILES, instance=instance)
        if not form.is_valid():
            return HttpResponse(
                "\n".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        template = form.save(commit=False)
    elif instance is not None:
        template = instance
    else:
        raise PermissionDenied
    return _pdf_response(certificate_template_preview_pdf(template), "namuna-sample.pdf")


template_preview_post_view = require_POST(template_preview_view)
