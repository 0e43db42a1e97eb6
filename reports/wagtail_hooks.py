"""Reports in the Wagtail admin: URLs and entries in the Reports menu (analysts only)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from accounts.admin_menu import PermissionMenuItem

from . import views


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("reports/certify/attempts/", views.AttemptsReportView.as_view(), name="reports_attempts"),
        path("reports/certify/certificates/", views.CertificatesReportView.as_view(), name="reports_certificates"),
        path("reports/certify/items/", views.ItemAnalysisIndexView.as_view(), name="reports_items"),
        path("reports/certify/items/<int:exam_id>/", views.ExamItemReportView.as_view(), name="reports_exam_items"),
    ]


@hooks.register("register_reports_menu_item")
def register_attempts_report():
    return PermissionMenuItem(
        _("Attempts and pass rates"),
        reverse("reports_attempts"),
        icon_name="list-ul",
        order=900,
        permission=views.PERMISSION,
    )


@hooks.register("register_reports_menu_item")
def register_certificates_report():
    return PermissionMenuItem(
        _("Certificates over time"),
        reverse("reports_certificates"),
        icon_name="doc-full",
        order=910,
        permission=views.PERMISSION,
    )


@hooks.register("register_reports_menu_item")
def register_item_report():
    return PermissionMenuItem(
        _("Item analysis"), reverse("reports_items"), icon_name="table", order=920, permission=views.PERMISSION
    )


@hooks.register("question_bank_detail_panels")
def question_statistics_panel(request, question):
    """The question's statistics and flags on its page in the question bank (for trainers)."""
    from django.template.loader import render_to_string

    from .selectors import question_statistics

    return render_to_string(
        "reports/admin/question_statistics_panel.html",
        {"stats": question_statistics(question.pk), "question": question},
        request=request,
    )
