"""Users and organisations.

The user model is custom from the first migration: the e-mail address is the sign-in name
and the full name is kept exactly as in the passport, because it is printed on certificates.
"""

import unicodedata

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A ministry, agency, department or region; ``parent`` makes the tree."""

    name = models.CharField(_("name"), max_length=255)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="organisation_unique_name_in_parent")]

    def __str__(self) -> str:
        return self.name


class Cohort(models.Model):
    """A named group of candidates (a training group, an intake) that exams can be opened to."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="cohorts"
    )
    members = models.ManyToManyField("User", blank=True, related_name="cohorts")

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")

    def __str__(self) -> str:
        return self.name


class CertifyUserManager(UserManager):
    """Creates users keyed by e-mail; the username mirrors the e-mail."""

    def _create_user(self, username, email, password, **extra_fields):
        email = self.normalize_email(email or username)
        return super()._create_user(email, email, password, **extra_fields)

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.pop("username", None)
        return super().create_user(email, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.pop("username", None)
        return super().create_superuser(email, email, password, **extra_fields)


class User(AbstractUser):
    """A person: candidate or staff. ``email`` is unique and is the sign-in name.

    ``full_name`` is the holder's name as printed on certificates (Latin script, NFC,
    Uzbek ``ʻ`` U+02BB kept); ``full_name_cyrillic`` the same name in Cyrillic.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name (Latin)"), max_length=200, blank=True)
    full_name_cyrillic = models.CharField(_("full name (Cyrillic)"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=5, default="uz")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = CertifyUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def save(self, *args, **kwargs):
        self.full_name = unicodedata.normalize("NFC", self.full_name.strip())
        self.full_name_cyrillic = unicodedata.normalize("NFC", self.full_name_cyrillic.strip())
        if not self.username:
            self.username = self.email
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The name to show and print: the full name, or the e-mail when none is given."""
        return self.full_name or self.email

    def __str__(self) -> str:
        return self.display_name
