"""Sign-up form extension for allauth: the full name as printed on certificates."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import User
from .names import name_has_unprintable


def full_name_clean(value: str) -> str:
    """The full name as it will be printed: white space folded; raises ``ValidationError`` when
    it is shorter than 3 characters or holds a character that does not print (:mod:`accounts.names`)."""
    name = " ".join(value.split())
    if len(name) < 3:
        raise forms.ValidationError(_("Enter your full name."))
    if name_has_unprintable(name):
        raise forms.ValidationError(_("The name contains control characters."))
    return name


class CompactCharField(forms.CharField):
    """A text field that drops the spaces, dashes and brackets people type in numbers."""

    def to_python(self, value):
        value = super().to_python(value)
        return "".join(ch for ch in value if ch not in " \t-()")


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth calls :meth:`signup` after creating the user."""

    full_name = forms.CharField(
        label=_("Full name, as in your passport (Latin)"),
        max_length=200,
        help_text=_("Printed on your certificates exactly as written here."),
    )

    def clean_full_name(self) -> str:
        return full_name_clean(self.cleaned_data["full_name"])

    def signup(self, request, user) -> None:
        user.full_name = self.cleaned_data["full_name"]
        user.language = (request.LANGUAGE_CODE or "uz")[:5]
        user.save(update_fields=["full_name", "language"])


class ProfileForm(forms.ModelForm):
    """The candidate's own profile. The e-mail address is changed through allauth's e-mail page.

    The organisation decides exam eligibility and sessions, so it is shown but not editable here:
    staff set it in the admin or through the enrolment import. The field is ``disabled``, so Django
    ignores any ``organisation`` value in the POST data and keeps the stored one.
    """

    class Meta:
        model = User
        fields = ["full_name", "full_name_cyrillic", "organisation", "position", "phone", "pinfl", "language"]
        field_classes = {"phone": CompactCharField, "pinfl": CompactCharField}
        widgets = {"pinfl": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["language"] = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
        organisation = self.fields["organisation"]
        organisation.queryset = organisation.queryset.order_by("name")
        organisation.disabled = True
        organisation.required = False
        organisation.help_text = _("Set by your organisation's administrator; ask them to change it.")

    def clean_full_name(self) -> str:
        return full_name_clean(self.cleaned_data["full_name"])

    def clean_full_name_cyrillic(self) -> str:
        name = " ".join(self.cleaned_data["full_name_cyrillic"].split())
        if name_has_unprintable(name):
            raise forms.ValidationError(_("The name contains control characters."))
        return name


class DeletionRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label=_("I understand that issued certificates stay verifiable in the public register."), required=True
    )
