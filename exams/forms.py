"""Admin forms and widgets of the exam engine (Wagtail admin, exam managers and examiners)."""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from question_bank.models import QType

from .models import ExamOverride
from .services.exams import exam_has_attempts, exam_locked_message


def _as_list(value) -> list:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value else []
        except ValueError:
            value = value.split(",")
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


class JSONListCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes for a JSON list field (a draw rule's question types): the form field stays
    the model's JSON field, so the widget speaks JSON text in both directions."""

    def format_value(self, value):
        return _as_list(value)

    def value_from_datadict(self, data, files, name):
        return json.dumps(super().value_from_datadict(data, files, name) or [])

    def value_omitted_from_data(self, data, files, name):
        return False


class JSONListText(forms.TextInput):
    """A comma-separated text box for a JSON list of strings (a draw rule's tags)."""

    def format_value(self, value):
        return ", ".join(_as_list(value))

    def value_from_datadict(self, data, files, name):
        raw = data.get(name, "") or ""
        return json.dumps([part.strip() for part in raw.split(",") if part.strip()])


def qtype_checkboxes() -> JSONListCheckboxes:
    return JSONListCheckboxes(choices=QType.choices)


def _formsets_changed(form) -> bool:
    for formset in getattr(form, "formsets", {}).values():
        if formset.has_changed() or any(_formsets_changed(child) for child in formset.forms):
            return True
    return False


class ExamAdminForm(WagtailAdminModelForm):
    """The exam editor: refuses, with a clear message, any change of the content (settings in
    ``Exam.CONTENT_FIELDS``, sections, rules, fixed questions) of an exam that has attempts.
    The same rule is enforced for every other path by the model guard."""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and exam_has_attempts(exam_id=self.instance.pk):
            changed = set(self.changed_data) & set(self.instance.CONTENT_FIELDS)
            if changed or _formsets_changed(self):
                raise forms.ValidationError(exam_locked_message(), code="exam_locked")
        return cleaned


class NewVersionForm(forms.Form):
    code = forms.SlugField(label=_("code of the new version"), max_length=50)


class RegradeForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ManualGradeForm(forms.Form):
    """Points for one essay item, in [0, item points], and a comment for the record."""

    score = forms.DecimalField(label=_("points"), min_value=Decimal(0), max_digits=10, decimal_places=4)
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, points: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.points = Decimal(points)
        self.fields["score"].max_value = self.points
        self.fields["score"].validators.append(MaxValueValidator(self.points))
        self.fields["score"].widget.attrs["max"] = str(self.points)

    def fraction(self) -> Decimal:
        """The score as a fraction of the item's points (exact Decimal in [0, 1])."""
        return self.cleaned_data["score"] / self.points if self.points else Decimal(0)


class OverrideForm(WagtailAdminModelForm):
    """An override: one candidate or one cohort, something granted, a window that closes
    after it opens, and a reason (required: it is the record of why)."""

    class Meta:
        model = ExamOverride
        fields = ["exam", "candidate", "cohort", "extra_minutes", "extra_attempts", "opens_at", "closes_at", "reason"]

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("candidate")) == bool(cleaned.get("cohort")):
            raise forms.ValidationError(_("Choose either one candidate or one cohort."))
        if not (
            cleaned.get("extra_minutes")
            or cleaned.get("extra_attempts")
            or cleaned.get("opens_at")
            or cleaned.get("closes_at")
        ):
            raise forms.ValidationError(_("The override grants nothing: give extra time, attempts or a window."))
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            raise forms.ValidationError(_("The window must close after it opens."))
        if not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason: it is recorded with the override."))
        return cleaned
