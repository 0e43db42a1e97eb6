"""The certificate register: the officer's search and its export as CSV and XLSX.

Both read the same filtered queryset (:func:`register_search`). Exports stream rows from
``values_list(...).iterator()``: no model instances, constant memory whatever the size of
the register. Every text cell that a spreadsheet would take for a formula (first character
``= + - @``, or a tab or carriage return) gets a leading apostrophe (OWASP, "CSV Injection").
The CSV is UTF-8 with a byte order mark so that Excel opens Cyrillic and ``ʻ`` correctly.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from question_bank.grading import APOSTROPHES

from .codes import code_normalize, code_prefix_normalize
from .models import TASHKENT, Certificate, CertificateStatus, tashkent_today

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The name search reads every apostrophe look-alike as the Uzbek ʻ (U+02BB).
_OKINA_TABLE = str.maketrans(dict.fromkeys(APOSTROPHES, "\u02bb"))
CSV_BOM = "\ufeff"

EXPORT_FIELDS = (
    "serial",
    "verification_code",
    "holder_name",
    "qualification_uz",
    "exam__code",
    "issued_on",
    "expires_on",
    "revoked_at",
    "superseded_at",
    "revocation_reason",
    "superseded_by__serial",
)


def register_search(
    *,
    q: str = "",
    exam=None,
    status: str = "",
    issued_from: datetime.date | None = None,
    issued_to: datetime.date | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Certificate]:
    """Certificates matching the officer's filters, newest first.

    ``q`` (already NFC) matches a serial number (contains, any case), a verification code
    (by prefix, at least 4 characters, as typed: dashes, case and look-alike letters
    normalised) or the holder's name (contains, any case; the apostrophe look-alikes
    ' ‘ ’ ʼ ` in ``q`` also match the Uzbek ʻ, as in ``question_bank.grading``);
    ``status`` is a :class:`CertificateStatus` value on ``today`` (default: today in
    Asia/Tashkent); dates are inclusive calendar dates.
    """
    today = today or tashkent_today()
    rows = Certificate.objects.all()
    if q:
        match = Q(serial__icontains=q) | Q(holder_name__icontains=q)
        okina = q.translate(_OKINA_TABLE)
        if okina != q:
            match |= Q(holder_name__icontains=okina)
        code = code_normalize(q)
        if code is not None:
            match |= Q(verification_code=code)
        prefix = code_prefix_normalize(q)
        if prefix is not None:
            match |= Q(verification_code__startswith=prefix)
        rows = rows.filter(match)
    if exam is not None:
        rows = rows.filter(exam=exam)
    current = Q(revoked_at__isnull=True, superseded_at__isnull=True)
    if status == CertificateStatus.REVOKED:
        rows = rows.filter(revoked_at__isnull=False)
    elif status == CertificateStatus.SUPERSEDED:
        rows = rows.filter(revoked_at__isnull=True, superseded_at__isnull=False)
    elif status == CertificateStatus.EXPIRED:
        rows = rows.filter(current, expires_on__lt=today)
    elif status == CertificateStatus.VALID:
        rows = rows.filter(current).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    if issued_from:
        rows = rows.filter(issued_on__gte=issued_from)
    if issued_to:
        rows = rows.filter(issued_on__lte=issued_to)
    return rows.order_by("-issued_on", "-id")


def cell_safe(value):
    """``value`` with a leading apostrophe when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _headers() -> list[str]:
    return [
        _("Serial number"),
        _("Verification code"),
        _("Holder's name"),
        _("Qualification"),
        _("Exam"),
        _("Issued on"),
        _("Expires on"),
        _("Status"),
        _("Revoked at"),
        _("Reason for revocation"),
        _("Superseded by"),
        # Not translated: a column for machines, with the status code (valid, expired, ...).
        "status_code",
    ]


def _status(revoked_at, superseded_at, expires_on, today: datetime.date) -> str:
    if revoked_at is not None:
        return CertificateStatus.REVOKED
    if superseded_at is not None:
        return CertificateStatus.SUPERSEDED
    if expires_on is not None and today > expires_on:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def register_rows(rows: QuerySet[Certificate], *, today: datetime.date | None = None) -> Iterator[list]:
    """One list per certificate, in the order of :func:`_headers`; dates as ``date``,
    ``revoked at`` as a naive Asia/Tashkent ``datetime`` (spreadsheets have no time zones).
    The status is written twice: its label in the language active when this is called (the
    export's language, fixed now although rows are read later, as a stream), and its code.
    """
    labels = {status: str(label) for status, label in CertificateStatus.choices}
    return _register_rows(rows, today=today or tashkent_today(), labels=labels)


def _register_rows(rows: QuerySet[Certificate], *, today: datetime.date, labels: dict[str, str]) -> Iterator[list]:
    for (
        serial,
        code,
        name,
        qualification,
        exam_code,
        issued_on,
        expires_on,
        revoked_at,
        superseded_at,
        reason,
        superseded_by,
    ) in rows.values_list(*EXPORT_FIELDS).iterator(chunk_size=2000):
        status = str(_status(revoked_at, superseded_at, expires_on, today))
        yield [
            serial,
            code,
            name,
            qualification,
            exam_code,
            issued_on,
            expires_on,
            labels[status],
            revoked_at.astimezone(TASHKENT).replace(tzinfo=None, microsecond=0) if revoked_at else None,
            reason,
            superseded_by or "",
            status,
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[list]) -> Iterator[str]:
    """The CSV text of the register, chunk by chunk: BOM, header line, one line per row.

    The header is translated now, in the active language, not when the stream is read.
    """
    return _csv_stream(rows, _headers())


def _csv_stream(rows: Iterable[list], headers: list[str]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield CSV_BOM + writer.writerow(headers)
    for row in rows:
        yield writer.writerow(
            [
                "" if value is None else value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value
                for value in (cell_safe(value) for value in row)
            ]
        )


def xlsx_bytes(rows: Iterable[list]) -> bytes:
    """The register as an XLSX workbook (openpyxl write-only mode: rows go to disk as written).

    C0 control characters other than tab, line feed and carriage return (which a profile
    name or a revocation reason may hold) cannot be stored in a worksheet: they are dropped,
    so one such row does not make the whole export fail.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Certificates")[:31])
    bold = Font(bold=True)
    header = []
    for title in _headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append(
            [ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in map(cell_safe, row)]
        )
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()
