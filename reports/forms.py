"""The analyst's filters (GET forms): a bad value is a form error, never a 500."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from exams.models import Exam

from .selectors import ReportFilters


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    exam = forms.ModelMultipleChoiceField(label=_("Exams"), queryset=Exam.objects.order_by("code"), required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation (and below)"), queryset=Organisation.objects.order_by("name"), required=False
    )
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))],
        initial="quarter",
        required=False,
    )
    group_by = forms.ChoiceField(
        label=_("Group by"),
        choices=[
            ("organisation", _("Organisation")),
            ("region", _("Region")),
            ("exam", _("Exam")),
            ("none", _("Nothing")),
        ],
        initial="organisation",
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filters(self) -> ReportFilters:
        """The filters chosen, or the defaults when the form is not valid."""
        if not self.is_valid():
            return ReportFilters()
        data = self.cleaned_data
        return ReportFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            exam_ids=[exam.pk for exam in data.get("exam") or []],
            organisation_id=data["organisation"].pk if data.get("organisation") else None,
            period=data.get("period") or "quarter",
            group_by=data.get("group_by") or "organisation",
        )


class ItemReportForm(forms.Form):
    first_attempts_only = forms.BooleanField(label=_("First attempts only"), required=False)
    flagged_only = forms.BooleanField(label=_("Flagged items only"), required=False)
