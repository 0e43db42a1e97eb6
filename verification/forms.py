"""Forms of the verification app: the candidate's appeal, the examiners' decisions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AppealDecision, AppealKind, DocumentKind, IdentityOutcome
from .services.appeals import MAX_COMMENT


class AppealForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you appeal against?"), choices=AppealKind.choices, widget=forms.RadioSelect
    )
    position = forms.TypedChoiceField(label=_("Item"), coerce=int, required=False, empty_value=None)
    comment = forms.CharField(label=_("Your comment"), max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].choices = [("", "—")] + [
            (item.position, f"{item.position}. {item.question_version.name}") for item in items
        ]

    def clean(self):
        data = super().clean()
        if data.get("kind") == AppealKind.ITEM and not data.get("position"):
            self.add_error("position", _("Choose the item you appeal against."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=AppealDecision.choices)
    reason = forms.CharField(
        label=_("Reason (sent to the candidate)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class SignOffForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class IdentityForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=IdentityOutcome.choices, initial=IdentityOutcome.CONFIRMED)
    document_kind = forms.ChoiceField(label=_("Document"), choices=[("", "—"), *DocumentKind.choices], required=False)
    document_last4 = forms.CharField(label=_("Document number, last 4 characters"), max_length=4, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
