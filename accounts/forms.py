"""Sign-up form extension for allauth: the full name as printed on certificates."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import User


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
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 3:
            raise forms.ValidationError(_("Enter your full name."))
        return name

    def signup(self, request, user) -> None:
        user.full_name = self.cleaned_data["full_name"]
        user.language = (request.LANGUAGE_CODE or "uz")[:5]
        user.save(update_fields=["full_name", "language"])


class ProfileForm(forms.ModelForm):
    """The candidate's own profile. The e-mail address is changed through allauth's e-mail page."""

    class Meta:
        model = User
        fields = ["full_name", "full_name_cyrillic", "organisation", "position", "phone", "pinfl", "language"]
        field_classes = {"phone": CompactCharField, "pinfl": CompactCharField}
        widgets = {"pinfl": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["language"] = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
        self.fields["organisation"].queryset = self.fields["organisation"].queryset.order_by("name")

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 3:
            raise forms.ValidationError(_("Enter your full name."))
        return name

    def clean_full_name_cyrillic(self) -> str:
        return " ".join(self.cleaned_data["full_name_cyrillic"].split())


class DeletionRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label=_("I understand that issued certificates stay verifiable in the public register."), required=True
    )
