"""Imports from spreadsheets: the organisation tree and the enrolment of candidates.

Both read CSV (UTF-8, with or without BOM; comma or semicolon) or XLSX (first sheet), with a
header row. Both are all or nothing: every row is checked, and when any row has an error,
nothing is written and every error is returned as ``(line, message)``, line 1 being the
header. A dry run does the same work inside a transaction that is rolled back, so it reports
exactly what a real run would do.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Cohort, Organisation, OrganisationKind, User

PATH_SEPARATOR = "/"

HEADER_ALIASES = {
    "full_name": {"full_name", "fullname", "name_latin", "fio", "full name", "ism familiya"},
    "full_name_cyrillic": {"full_name_cyrillic", "name_cyrillic", "full name (cyrillic)"},
    "email": {"email", "e-mail", "e_mail", "mail"},
    "organisation": {"organisation", "organization", "tashkilot"},
    "position": {"position", "lavozim", "job title"},
    "cohort": {"cohort", "group", "guruh"},
    "language": {"language", "lang", "til"},
    "name": {"name", "nomi"},
    "parent": {"parent", "parent name", "parent path", "parent_path"},
    "kind": {"kind", "type", "turi"},
}


class ImportFileError(Exception):
    """The file cannot be read at all (format, encoding, no header)."""


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do). ``errors`` is ``[(line, message)]``."""

    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    pass


def _canonical(header: str) -> str:
    key = " ".join(str(header or "").strip().lower().split())
    for name, aliases in HEADER_ALIASES.items():
        if key in aliases or key.replace(" ", "_") in aliases:
            return name
    return key


def _clean(value) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFC", " ".join(str(value).split()))


def read_rows(*, content: bytes, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` for each non-empty data row; ``row`` maps canonical headers to text.

    Raises :class:`ImportFileError` for a file that is not CSV/XLSX or has no header.
    """
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        yield from _xlsx_rows(content)
    elif suffix in {".csv", ".txt"}:
        yield from _csv_rows(content)
    else:
        raise ImportFileError(_("Use a .csv or .xlsx file."))


def _csv_rows(content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(_("The CSV file is not UTF-8 text.")) from error
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header:
            raise ImportFileError(_("The file has no header row."))
        keys = [_canonical(cell) for cell in header]
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            yield reader.line_num, {key: _clean(cell) for key, cell in zip(keys, cells, strict=False)}
    except csv.Error as error:  # a field over csv.field_size_limit(), a NUL byte, a broken quote
        raise ImportFileError(_("Line %(line)s of the CSV file cannot be read.") % {"line": reader.line_num}) from error


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged or foreign file
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from error
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header or not any(header):
            raise ImportFileError(_("The file has no header row."))
        keys = [_canonical(cell) for cell in header]
        for line, cells in enumerate(rows, start=2):
            if not any(cell not in (None, "") for cell in cells):
                continue
            yield line, {key: _clean(cell) for key, cell in zip(keys, cells, strict=False)}
    finally:
        workbook.close()


def _require_columns(rows: list[tuple[int, dict[str, str]]], required: tuple[str, ...]) -> None:
    if not rows:
        raise ImportFileError(_("The file has no data rows."))
    present = set(rows[0][1])
    missing = [name for name in required if name not in present]
    if missing:
        raise ImportFileError(_("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})


def organisation_find(reference: str) -> Organisation | None:
    """The organisation named by ``reference``: a path ``A / B / C`` from a root, or a name.

    A bare name must be unique in the tree. Raises :class:`ValueError` when it is ambiguous.
    """
    parts = [part.strip() for part in reference.split(PATH_SEPARATOR) if part.strip()]
    if not parts:
        return None
    if len(parts) == 1:
        matches = list(Organisation.objects.filter(name=parts[0])[:2])
        if len(matches) > 1:
            message = _("“%(name)s” names more than one organisation; give its path (A / B).")
            raise ValueError(message % {"name": parts[0]})
        return matches[0] if matches else None
    node = None
    for part in parts:
        node = Organisation.objects.filter(parent=node, name=part).first()
        if node is None:
            return None
    return node


def _run(dry_run: bool, work) -> ImportResult:
    result = ImportResult(dry_run=dry_run)
    try:
        with transaction.atomic():
            work(result)
            if dry_run or result.errors:
                raise _Rollback
    except _Rollback:
        result.created_ids = [] if result.errors or dry_run else result.created_ids
    return result


def organisations_import(*, content: bytes, filename: str, dry_run: bool = False) -> ImportResult:
    """Create or update organisations from rows ``name, parent, kind``.

    ``parent`` is a name or a path (``Ministry / Agency``) of an organisation already in the
    register or on an earlier row; blank makes a root. ``kind`` is one of ministry, agency,
    department, region (or blank). An existing organisation (same name under the same parent)
    gets its kind updated. Raises :class:`ImportFileError` for an unreadable file.
    """
    rows = list(read_rows(content=content, filename=filename))
    _require_columns(rows, ("name",))
    kinds = {choice.value for choice in OrganisationKind}

    def work(result: ImportResult) -> None:
        for line, row in rows:
            name, parent_ref, kind = row.get("name", ""), row.get("parent", ""), row.get("kind", "").lower()
            if not name:
                result.errors.append((line, _("The name is empty.")))
                continue
            if PATH_SEPARATOR in name:
                result.errors.append((line, _("A name cannot contain “/”: put the parent in the parent column.")))
                continue
            if kind and kind not in kinds:
                message = _("Unknown kind “%(kind)s”: use one of %(kinds)s.")
                result.errors.append((line, message % {"kind": kind, "kinds": ", ".join(sorted(kinds))}))
                continue
            parent = None
            if parent_ref:
                try:
                    parent = organisation_find(parent_ref)
                except ValueError as error:
                    result.errors.append((line, str(error)))
                    continue
                if parent is None:
                    message = _("Parent “%(parent)s” not found (define it on an earlier row).")
                    result.errors.append((line, message % {"parent": parent_ref}))
                    continue
            organisation = Organisation.objects.filter(parent=parent, name=name).first()
            if organisation is None:
                organisation = Organisation.objects.create(parent=parent, name=name, kind=kind)
                result.created += 1
                result.created_ids.append(organisation.pk)
            elif kind and organisation.kind != kind:
                organisation.kind = kind
                organisation.save(update_fields=["kind"])
                result.updated += 1
            else:
                result.unchanged += 1

    return _run(dry_run, work)


def candidates_enrol(*, content: bytes, filename: str, dry_run: bool = False, default_cohort: str = "") -> ImportResult:
    """Create candidates from rows ``full_name, email, organisation, position[, cohort, language]``.

    A new e-mail address makes a new account with no usable password (the invitation lets the
    person set one); an existing one is left as it is, except that blank organisation and
    position are filled and the cohort membership added. ``organisation`` must already exist
    (a name or a path); ``cohort`` is created when new. ``result.created_ids`` holds the ids of
    the new accounts (for the invitations). Raises :class:`ImportFileError` for an unreadable
    file.
    """
    from allauth.account.models import EmailAddress

    rows = list(read_rows(content=content, filename=filename))
    _require_columns(rows, ("full_name", "email", "organisation"))
    languages = {code for code, _name in settings.LANGUAGES}

    def work(result: ImportResult) -> None:
        seen: dict[str, int] = {}
        cohorts: dict[str, Cohort] = {}
        for line, row in rows:
            problems: list[str] = []
            email = row.get("email", "").lower()
            full_name = row.get("full_name", "")
            try:
                validate_email(email)
            except ValidationError:
                problems.append(_("“%(email)s” is not an e-mail address.") % {"email": email})
            if email in seen:
                problems.append(_("The e-mail address is also on line %(line)d.") % {"line": seen[email]})
            if len(full_name) < 3:
                problems.append(_("The full name is missing or too short."))
            language = (row.get("language") or "uz").lower()[:2]
            if language not in languages:
                problems.append(_("Unknown language “%(language)s”.") % {"language": language})
            organisation = None
            organisation_ref = row.get("organisation", "")
            if not organisation_ref:
                problems.append(_("The organisation is empty."))
            else:
                try:
                    organisation = organisation_find(organisation_ref)
                except ValueError as error:
                    problems.append(str(error))
                else:
                    if organisation is None:
                        problems.append(_("Organisation “%(name)s” not found.") % {"name": organisation_ref})
            if problems:
                result.errors.extend((line, problem) for problem in problems)
                continue
            seen[email] = line
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User(
                    email=email,
                    full_name=full_name,
                    full_name_cyrillic=row.get("full_name_cyrillic", ""),
                    organisation=organisation,
                    position=row.get("position", ""),
                    language=language,
                )
                user.set_unusable_password()
                user.save()
                EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
                result.created += 1
                result.created_ids.append(user.pk)
            else:
                changed = []
                if user.organisation_id is None:
                    user.organisation = organisation
                    changed.append("organisation")
                if not user.position and row.get("position"):
                    user.position = row["position"]
                    changed.append("position")
                if changed:
                    user.save(update_fields=changed)
                    result.updated += 1
                else:
                    result.unchanged += 1
            cohort_name = row.get("cohort") or default_cohort
            if cohort_name:
                if cohort_name not in cohorts:
                    cohorts[cohort_name], _created = Cohort.objects.get_or_create(
                        name=cohort_name, defaults={"organisation": organisation}
                    )
                cohorts[cohort_name].members.add(user)

    return _run(dry_run, work)
