"""Sign-up form extension for allauth: the full name as printed on certificates."""

from django import forms
from django.utils.translation import gettext_lazy as _


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
