"""Verified results in the Wagtail admin.

- Verification policies (exam managers): per exam, how a result becomes verified and which
  identity check it needs.
- Sign-off and appeals (examiners): the queue, one result with its integrity log, decisions,
  the evidence file.
- Identity checks (proctors; the examiner role holds the right): confirm candidates against
  their ID document, add notes.
"""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from . import admin_views
from .models import ExamVerificationPolicy


class ExamVerificationPolicyViewSet(ModelViewSet):
    model = ExamVerificationPolicy
    icon = "tick-inverse"
    menu_label = _("Verification policies")
    add_to_admin_menu = True
    menu_order = 315
    list_display = ["exam", "mode", "appeal_days", "identity"]
    list_filter = ["mode", "identity"]
    form_fields = ["exam", "mode", "appeal_days", "identity"]


@hooks.register("register_admin_viewset")
def register_policy_viewset():
    return ExamVerificationPolicyViewSet("verification_policies")


@hooks.register("register_admin_urls")
def register_verification_admin_urls():
    urls = [
        path("", admin_views.queue_view, name="queue"),
        path("attempts/<int:attempt_id>/", admin_views.attempt_view, name="attempt"),
        path("attempts/<int:attempt_id>/evidence.json", admin_views.evidence_view, name="evidence"),
        path("identity/", admin_views.identity_queue_view, name="identity"),
        path("identity/<int:attempt_id>/", admin_views.identity_check_view, name="identity_check"),
    ]
    return [path("verification/", include((urls, "verification_admin"), namespace="verification_admin"))]


class _AnyPermissionMenuItem(MenuItem):
    def __init__(self, *args, permissions: tuple[str, ...], **kwargs):
        self.permissions = permissions
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        return any(request.user.has_perm(permission) for permission in self.permissions)


@hooks.register("register_admin_menu_item")
def sign_off_menu_item():
    return _AnyPermissionMenuItem(
        _("Sign-off and appeals"),
        reverse("verification_admin:queue"),
        icon_name="tick-inverse",
        order=325,
        permissions=("verification.sign_off_result", "verification.decide_appeal"),
    )


@hooks.register("register_admin_menu_item")
def identity_menu_item():
    return _AnyPermissionMenuItem(
        _("Identity checks"),
        reverse("verification_admin:identity"),
        icon_name="user",
        order=326,
        permissions=("verification.confirm_identity",),
    )
