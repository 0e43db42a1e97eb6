"""Forms of the certification officer's admin screens: register search, revocation, reissue,
certificate templates."""

from __future__ import annotations

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from accounts.names import name_has_unprintable
from exams.models import Exam

from .models import CertificateStatus, CertificateTemplate

MAX_QUERY = 200  # characters of a search query; longer input is refused, not truncated


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", (value or "").strip())


class RegisterSearchForm(forms.Form):
    """The register's filters (GET). Every field is optional; an invalid one is reported."""

    q = forms.CharField(
        label=_("Serial number, verification code or holder's name"), required=False, max_length=MAX_QUERY
    )
    exam = forms.ModelChoiceField(label=_("Exam"), queryset=Exam.objects.order_by("code"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any")), *CertificateStatus.choices], required=False)
    issued_from = forms.DateField(
        label=_("Issued from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    issued_to = forms.DateField(label=_("Issued to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_q(self) -> str:
        return _nfc(self.cleaned_data.get("q", ""))

    def clean(self):
        data = super().clean()
        start, end = data.get("issued_from"), data.get("issued_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the date range is after its end."))
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit log and shown on the verification page."),
    )

    def clean_reason(self) -> str:
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason: it is recorded in the audit log."))
        return reason


class ReissueForm(forms.Form):
    holder_name = forms.CharField(label=_("Name to print"), max_length=200)
    reason = forms.CharField(
        label=_("Reason for the correction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_holder_name(self) -> str:
        name = _nfc(self.cleaned_data.get("holder_name", ""))
        if not name:
            raise forms.ValidationError(_("The name to print cannot be empty."))
        # Control and format characters (bidi overrides, zero widths), line and paragraph
        # separators, private-use, unassigned and surrogate code points: none prints as typed.
        if name_has_unprintable(name):
            raise forms.ValidationError(_("The name contains control characters."))
        return name

    def clean_reason(self) -> str:
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason: it is recorded in the audit log."))
        return reason


class CertificateTemplateForm(WagtailAdminModelForm):
    """The template editor; colours must be ``#RRGGBB`` (model validators), stored upper case."""

    class Meta:
        model = CertificateTemplate
        fields = [
            "name",
            "title_uz",
            "title_ru",
            "title_en",
            "body_uz",
            "body_ru",
            "body_en",
            "issuer_name_uz",
            "issuer_name_ru",
            "issuer_name_en",
            "signatory_name_uz",
            "signatory_name_ru",
            "signatory_name_en",
            "signatory_title_uz",
            "signatory_title_ru",
            "signatory_title_en",
            "second_language",
            "logo",
            "primary_colour",
            "accent_colour",
            "is_default",
            "exams",
        ]

    def clean_primary_colour(self) -> str:
        return (self.cleaned_data.get("primary_colour") or "").upper()

    def clean_accent_colour(self) -> str:
        return (self.cleaned_data.get("accent_colour") or "").upper()

    def clean(self):
        data = super().clean()
        for field in self.Meta.fields:
            value = data.get(field)
            if isinstance(value, str):
                data[field] = unicodedata.normalize("NFC", value.strip())
        if data.get("is_default"):
            others = CertificateTemplate.objects.filter(is_default=True)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("is_default", _("Another template is the default; clear it there first."))
        return data
