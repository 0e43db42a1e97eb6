"""Users and organisations.

The user model is custom from the first migration: the e-mail address is the sign-in name
and the full name is kept exactly as in the passport, because it is printed on certificates.
"""

import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# PINFL (JShShIR): the 14-digit personal identification number of a citizen of Uzbekistan.
pinfl_validator = RegexValidator(r"^[0-9]{14}\Z", _("The PINFL is exactly 14 digits."), code="invalid_pinfl")
phone_validator = RegexValidator(
    r"^\+?[0-9]{9,15}\Z", _("Enter the phone number as digits, for example +998901234567."), code="invalid_phone"
)


class OrganisationKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    AGENCY = "agency", _("Agency")
    DEPARTMENT = "department", _("Department")
    REGION = "region", _("Region")


class Organisation(models.Model):
    """A ministry, agency, department or region; ``parent`` makes the tree."""

    name = models.CharField(_("name"), max_length=255)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="organisation_unique_name_in_parent")]

    def __str__(self) -> str:
        return self.name

    @property
    def path(self) -> str:
        """The names from the root down to this organisation, joined by `` / ``."""
        names, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))


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
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=5, default="uz")
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    # Private: never on a public page, a certificate or an export for anyone but its holder.
    pinfl = models.CharField(
        _("PINFL"),
        max_length=14,
        blank=True,
        validators=[pinfl_validator],
        help_text=_("Personal identification number: 14 digits. Never shown on certificates."),
    )

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


class RoleAssignment(models.Model):
    """A role (a Django group) given to a user, optionally limited to an organisation subtree.

    The permissions come from the group (``user.groups``); the assignment records the scope:
    ``organisation`` null means the whole register, otherwise that organisation and every
    organisation below it (see :func:`accounts.scoping.organisations_visible_to`).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("role"))
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        help_text=_("Blank: the role applies to every organisation."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        # Two partial constraints rather than nulls_distinct=False, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="role_assignment_unique_scoped",
            ),
            models.UniqueConstraint(
                fields=["user", "group"],
                condition=models.Q(organisation__isnull=True),
                name="role_assignment_unique_global",
            ),
        ]

    def __str__(self) -> str:
        scope = self.organisation.name if self.organisation_id else _("all organisations")
        return f"{self.user} — {self.group.name} ({scope})"


class DeletionRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class DeletionRequest(models.Model):
    """A candidate's request to delete their account, handled by an administrator.

    Issued certificates stay in the register and verifiable (the holder's name on them is
    part of a public record); the account, profile and unfinished attempts are what goes.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="deletion_requests"
    )
    email = models.EmailField(_("e-mail address"))
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeletionRequestStatus.choices, default=DeletionRequestStatus.OPEN
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("administrator's note"), blank=True)

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="open"),
                name="deletion_request_one_open_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_status_display()})"
