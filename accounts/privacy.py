"""A person's own data: the export they can download and the deletion they can ask for.

The export reads other apps through :func:`django.apps.apps.get_model` with their app labels,
so ``accounts`` imports neither ``exams`` nor ``certificates`` (DESIGN.md: everything depends
on ``accounts``, not the reverse). An app that is not installed is left out of the export.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .models import DeletionRequest, DeletionRequestStatus, User

EXPORT_FORMAT = "certify-personal-data"
EXPORT_VERSION = 1

PROFILE_FIELDS = (
    "email",
    "full_name",
    "full_name_cyrillic",
    "position",
    "phone",
    "pinfl",
    "language",
    "date_joined",
    "last_login",
)
# Fields that are no personal data of the candidate's or would let them reconstruct a form
# before others sit it (the draw seed), or hold the bank's correct answers (question data).
NEVER_EXPORTED = frozenset({"seed", "data", "credential_private"})


def _plain(value: Any) -> Any:
    """A JSON-ready form of a field value: ISO dates, decimal strings, file names."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or None
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _row(instance: models.Model) -> dict[str, Any]:
    """Every concrete field of ``instance`` (foreign keys as ids), minus :data:`NEVER_EXPORTED`."""
    row: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in NEVER_EXPORTED:
            continue
        key = field.attname if field.is_relation else field.name
        row[key] = _plain(field.value_from_object(instance))
    return row


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything Certify keeps about ``user``, as a JSON-ready dict.

    Shape: ``{"format": "certify-personal-data", "version": 1, "exported_at": ISO datetime,
    "profile": {...}, "organisation": str|None, "cohorts": [str], "roles": [str],
    "attempts": [{...attempt fields, "items": [{...}]}], "certificates": [{...}],
    "deletion_requests": [{...}]}``. Decimals are strings, datetimes ISO 8601 in UTC.
    """
    profile = {name: _plain(getattr(user, name)) for name in PROFILE_FIELDS}
    export: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "profile": profile,
        "organisation": user.organisation.path if user.organisation_id else None,
        "cohorts": sorted(user.cohorts.values_list("name", flat=True)),
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "attempts": [],
        "certificates": [],
        "deletion_requests": [
            {
                "requested_at": _plain(request.requested_at),
                "status": request.status,
                "reason": request.reason,
            }
            for request in user.deletion_requests.order_by("requested_at")
        ],
    }
    attempt_model = _model("exams.Attempt")
    item_model = _model("exams.AttemptItem")
    if attempt_model is not None:
        for attempt in attempt_model.objects.filter(candidate=user).select_related("exam").order_by("pk"):
            row = _row(attempt)
            row["exam_code"] = attempt.exam.code
            if item_model is not None:
                row["items"] = [_row(item) for item in item_model.objects.filter(attempt=attempt).order_by("pk")]
            export["attempts"].append(row)
    certificate_model = _model("certificates.Certificate")
    if certificate_model is not None:
        export["certificates"] = [
            _row(certificate) for certificate in certificate_model.objects.filter(holder=user).order_by("pk")
        ]
    return export


class DeletionAlreadyRequested(Exception):
    """The user already has an open deletion request."""


@transaction.atomic
def deletion_request_create(*, user: User, reason: str = "") -> DeletionRequest:
    """Record ``user``'s request to delete their account, for an administrator to handle.

    Nothing is deleted here: an administrator reviews the request (an exam in progress or a
    certificate under appeal may have to wait). Issued certificates stay in the register.
    Raises :class:`DeletionAlreadyRequested` when an open request exists.
    """
    if DeletionRequest.objects.filter(user=user, status=DeletionRequestStatus.OPEN).exists():
        raise DeletionAlreadyRequested
    try:
        with transaction.atomic():
            return DeletionRequest.objects.create(user=user, email=user.email, reason=reason.strip()[:2000])
    except IntegrityError as error:  # two clicks at once: the partial unique constraint decides
        raise DeletionAlreadyRequested from error
