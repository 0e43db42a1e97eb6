"""Wagtail admin reports for analysts: thin views over :mod:`reports.selectors` and
:mod:`reports.services`, built on Wagtail's ``ReportView`` (its CSV / XLSX export included).

Every view needs the ``reports.view_reports`` permission (superusers have it).
"""

from __future__ import annotations

import dataclasses

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from accounts.scoping import organisations_visible_to
from exams.models import Exam

from . import charts, selectors, services
from .analysis import (
    FLAG_DISTRACTOR,
    FLAG_LOW_DISCRIMINATION,
    FLAG_NEGATIVE_DISCRIMINATION,
    FLAG_TOO_EASY,
    FLAG_TOO_HARD,
)
from .forms import ItemReportForm, ReportFilterForm
from .selectors import ReportFilters

PERMISSION = "reports.view_reports"

FLAG_LABELS = {
    FLAG_TOO_EASY: _("too easy"),
    FLAG_TOO_HARD: _("too hard"),
    FLAG_LOW_DISCRIMINATION: _("discriminates badly"),
    FLAG_NEGATIVE_DISCRIMINATION: _("discriminates negatively"),
    FLAG_DISTRACTOR: _("a distractor attracts the upper group"),
}


class AnalystReportView(ReportView):
    """A report of plain rows (dicts) with the analyst's filter form and a chart."""

    template_name = "reports/admin/report.html"
    results_template_name = "reports/admin/report_results.html"
    header_icon = "table"
    paginate_by = None
    form_class = ReportFilterForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form(self):
        if not hasattr(self, "_form"):
            self._form = self.form_class(self.request.GET or None)
        return self._form

    def scoped_filters(self) -> ReportFilters:
        """The form's filters, limited to the organisations the analyst's role reaches."""
        visible = organisations_visible_to(self.request.user)
        ids = None if visible is None else frozenset(visible.values_list("pk", flat=True))
        return dataclasses.replace(self.get_form().filters(), visible_organisation_ids=ids)

    def get_queryset(self):
        return self.rows()

    def get_filtered_queryset(self):
        return self.rows()

    def rows(self) -> list[dict]:
        raise NotImplementedError

    def get_heading(self, queryset, field):
        return str(self.export_headings.get(field, field))

    @property
    def columns(self):
        return [Column(name, label=self.export_headings.get(name, name)) for name in self.list_export]

    def chart(self, rows):
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("export", None)
        context.update(
            form=self.get_form(),
            rows=context["object_list"],
            headings=[(name, self.export_headings.get(name, name)) for name in self.list_export],
            chart=self.chart(context["object_list"]),
            export_query=query.urlencode(),
            table_rows=[
                {"cells": [row.get(name) for name in self.list_export], "url": row.get("url")}
                for row in context["object_list"]
            ],
        )
        return context


class AttemptsReportView(AnalystReportView):
    page_title = _("Attempts and pass rates")
    export_filename = "attempts-pass-rates"
    list_export = ["period", "group", "attempts", "passed", "pass_rate", "change", "mean_percent"]
    export_headings = {
        "period": _("Period"),
        "group": _("Group"),
        "attempts": _("Final attempts"),
        "passed": _("Passed"),
        "pass_rate": _("Pass rate (%)"),
        "change": _("Change from the previous period (points)"),
        "mean_percent": _("Mean score (%)"),
    }

    def rows(self):
        rows = selectors.attempt_rows(self.scoped_filters())
        if self.request.GET.get("order") == "change":
            # "Whose pass rate fell most": the largest fall first, rows with no change last.
            rows.sort(key=lambda row: (row["change"] is None, row["change"] or 0))
        return rows

    def chart(self, rows):
        periods = sorted({row["period"] for row in rows})
        groups = sorted({row["group"] for row in rows})[:6]
        rate = {(row["group"], row["period"]): row["pass_rate"] for row in rows}
        series = {group: [rate.get((group, period)) for period in periods] for group in groups}
        return {
            "template": "reports/svg/line_chart.html",
            "title": _("Pass rate (%) per period"),
            "data": charts.line_chart(periods, series, top=100),
        }


class CertificatesReportView(AnalystReportView):
    page_title = _("Certificates issued, expired and revoked")
    export_filename = "certificates"
    list_export = ["period", "group", "issued", "expired", "revoked"]
    export_headings = {
        "period": _("Period"),
        "group": _("Group"),
        "issued": _("Issued"),
        "expired": _("Expired"),
        "revoked": _("Revoked"),
    }

    def rows(self):
        return selectors.certificate_rows(self.scoped_filters())

    def chart(self, rows):
        totals: dict[str, int] = {}
        for row in rows:
            totals[row["period"]] = totals.get(row["period"], 0) + row["issued"]
        periods = sorted(totals)
        return {
            "template": "reports/svg/bar_chart.html",
            "title": _("Certificates issued per period"),
            "data": charts.bar_chart(periods, [totals[p] for p in periods]),
        }


class ItemAnalysisIndexView(AnalystReportView):
    page_title = _("Item analysis")
    export_filename = "item-analysis-exams"
    list_export = ["code", "title", "attempts", "passed"]
    export_headings = {"code": _("Exam"), "title": _("Title"), "attempts": _("Final attempts"), "passed": _("Passed")}
    form_class = ItemReportForm

    def rows(self):
        exams = {exam.pk: exam for exam in Exam.objects.all()}
        rows = []
        for row in services.exams_with_final_attempts():
            exam = exams[row["exam_id"]]
            rows.append(
                {
                    "code": exam.code,
                    "title": exam.title,
                    "attempts": row["n"],
                    "passed": row["passed"],
                    "url": reverse("reports_exam_items", args=[exam.pk]),
                }
            )
        return rows


class ExamItemReportView(AnalystReportView):
    """One exam: summary statistics, the score histogram and the item table, hardest first."""

    results_template_name = "reports/admin/exam_items_results.html"
    form_class = ItemReportForm
    list_export = [
        "question_id",
        "idnumber",
        "name",
        "qtype",
        "n",
        "facility",
        "discrimination",
        "point_biserial",
        "mean_time",
        "flag_text",
    ]
    export_headings = {
        "question_id": _("Question id"),
        "idnumber": _("ID number"),
        "name": _("Question"),
        "qtype": _("Type"),
        "n": _("Attempts"),
        "facility": _("Facility index"),
        "discrimination": _("Discrimination index (27 %)"),
        "point_biserial": _("Corrected point-biserial"),
        "mean_time": _("Mean time (s)"),
        "flag_text": _("Flags"),
    }

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.exam = get_object_or_404(Exam, pk=kwargs["exam_id"])
        self.export_filename = f"item-analysis-{self.exam.code}"

    @property
    def page_title(self):
        return _("Item analysis: %(exam)s") % {"exam": self.exam.code}

    def analysis(self) -> dict:
        if not hasattr(self, "_analysis"):
            form = self.get_form()
            first = bool(form.is_valid() and form.cleaned_data.get("first_attempts_only"))
            self._analysis = services.exam_item_analysis(exam_id=self.exam.pk, first_attempts_only=first)
        return self._analysis

    def rows(self):
        form = self.get_form()
        flagged_only = bool(form.is_valid() and form.cleaned_data.get("flagged_only"))
        items = []
        for item in self.analysis()["items"]:
            if flagged_only and not item["flags"]:
                continue
            items.append(
                {
                    **item,
                    "flag_text": "; ".join(str(FLAG_LABELS.get(flag, flag)) for flag in item["flags"]),
                    "flag_labels": [FLAG_LABELS.get(flag, flag) for flag in item["flags"]],
                }
            )
        # Hardest first: what an analyst asks for ("which items were hardest").
        items.sort(key=lambda item: (item["facility"] is None, item["facility"] or 0))
        return items

    def chart(self, rows):
        histogram = self.analysis().get("histogram", [])
        labels = [f"{int(b['low'])}–{int(b['high'])}" for b in histogram]
        return {
            "template": "reports/svg/bar_chart.html",
            "title": _("Score distribution (percent of the maximum)"),
            "data": charts.bar_chart(labels, [b["count"] for b in histogram]),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(exam=self.exam, analysis=self.analysis(), test=self.analysis()["test"])
        return context
