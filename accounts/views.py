"""The candidate's own pages: profile, data download, deletion request. Thin: forms and services."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import DeletionRequestForm, ProfileForm
from .models import DeletionRequestStatus
from .privacy import DeletionAlreadyRequested, deletion_request_create, user_data_export


def _private(response: HttpResponse) -> HttpResponse:
    # Personal data: never cached by a proxy or kept by the browser.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:profile")
    open_request = request.user.deletion_requests.filter(status=DeletionRequestStatus.OPEN).first()
    return _private(render(request, "accounts/profile.html", {"form": form, "open_deletion_request": open_request}))


@login_required
@require_http_methods(["GET"])
def data_export(request):
    data = user_data_export(user=request.user)
    stamp = timezone.now().strftime("%Y%m%d")
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="certify-my-data-{stamp}.json"'
    return _private(response)


@login_required
@require_http_methods(["GET", "POST"])
def deletion_request(request):
    form = DeletionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deletion_request_create(user=request.user, reason=form.cleaned_data["reason"])
        except DeletionAlreadyRequested:
            messages.info(request, _("Your deletion request is already with an administrator."))
        else:
            messages.success(request, _("Your deletion request is recorded. An administrator will handle it."))
        return redirect("accounts:profile")
    return _private(render(request, "accounts/deletion_request.html", {"form": form}))
