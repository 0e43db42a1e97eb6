"""Offline verification of a certificate PDF or a scanned QR text, with public keys only.

No database: the signed credential (attached to the PDF, or in the QR URL) is checked with
the given public keys, then compared with what the document shows. This is what
``manage.py verify_certificate`` runs; anyone holding the JWKS can do the same.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .rendering.dates import date_long
from .rendering.pdf import CREDENTIAL_ATTACHMENT, VC_JWT_ATTACHMENT_SUFFIX
from .rendering.qr import qr_parse
from .signing import Claims, CredentialError, credential_from_text, credential_verify


@dataclass
class OfflineReport:
    """``ok`` when the signature verifies and the document agrees with the signed data."""

    source: str
    claims: Claims | None = None
    kid: str | None = None
    problems: list[str] = field(default_factory=list)
    # The Open Badges 3.0 VC-JWT attached to a PDF (None: none attached), once checked:
    # its file name and the kid whose signature verified (None: it did not verify).
    vc_jwt_name: str | None = None
    vc_jwt_kid: str | None = None
    notes: list[str] = field(default_factory=list)  # what was checked besides the claims, for a person

    @property
    def ok(self) -> bool:
        return self.claims is not None and not self.problems


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _pdf_contents(data: bytes) -> tuple[str, bytes | None, dict[str, bytes]]:
    """The page text, the COSE credential attached (or ``None``) and the ``*.vc.jwt`` files attached."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    attachments = reader.attachments
    attached = attachments.get(CREDENTIAL_ATTACHMENT) or []
    badges = {
        name: contents[0]
        for name, contents in attachments.items()
        if name.endswith(VC_JWT_ATTACHMENT_SUFFIX) and contents
    }
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return _collapse(text), (attached[0] if attached else None), badges


def _vc_jwt_date(value: object) -> datetime.date | None:
    """The Asia/Tashkent date of a ``validFrom``/``validUntil`` value, ``None`` when absent or malformed."""
    from .models import TASHKENT

    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(TASHKENT).date()


def vc_jwt_claim_mismatches(credential: dict, claims: Claims) -> list[str]:
    """Where an Open Badges 3.0 credential disagrees with the COSE ``claims`` of the same certificate.

    Compared: the verification code (the end of the credential's ``id``, ``.../v/<CODE>``),
    the holder's name (the ``name`` identifier of ``credentialSubject``), the qualification
    in Uzbek (``name``), the issue date (``validFrom``) and the expiry date (``validUntil``,
    absent exactly when the certificate never expires), dates in Asia/Tashkent. The
    credential carries no serial number. Returns one sentence per mismatch.
    """
    problems = []
    credential_id = str(credential.get("id", ""))
    if not credential_id.endswith(f"/v/{claims.code}"):
        problems.append("the Open Badges credential names another verification code than the signed credential")
    subject = credential.get("credentialSubject") if isinstance(credential.get("credentialSubject"), dict) else {}
    names = [
        item.get("identityHash")
        for item in subject.get("identifier") or []
        if isinstance(item, dict) and item.get("identityType") == "name"
    ]
    if names != [claims.holder_name]:
        problems.append("the holder's name in the Open Badges credential does not match the signed name")
    if credential.get("name") != claims.qualification_uz:
        problems.append("the qualification in the Open Badges credential does not match the signed qualification")
    if _vc_jwt_date(credential.get("validFrom")) != claims.issued_on:
        problems.append("the issue date in the Open Badges credential does not match the signed issue date")
    valid_until = credential.get("validUntil")
    expected_until = claims.expires_on
    if (valid_until is None) != (expected_until is None) or (
        valid_until is not None and _vc_jwt_date(valid_until) != expected_until
    ):
        problems.append("the expiry date in the Open Badges credential does not match the signed expiry date")
    return problems


def _check_attached_vc_jwt(report: OfflineReport, name: str, data: bytes, public_keys) -> None:
    """Check the VC-JWT attached to a PDF: its signature and its agreement with ``report.claims``."""
    from .openbadges import VcJwtError, vc_jwt_verify

    report.vc_jwt_name = name
    try:
        verified = vc_jwt_verify(data.decode("ascii"), public_keys)
    except UnicodeDecodeError:
        report.problems.append(f"the attached Open Badges credential ({name}) is not a JWT (not ASCII text)")
        return
    except VcJwtError as error:
        report.problems.append(f"the attached Open Badges credential ({name}): {error}")
        return
    report.vc_jwt_kid = verified.kid
    mismatches = vc_jwt_claim_mismatches(verified.credential, report.claims)
    report.problems.extend(f"{mismatch} ({name})" for mismatch in mismatches)
    if not mismatches:
        report.notes.append(
            f"the attached Open Badges 3.0 credential {name} verifies with key {verified.kid}"
            " and agrees with the signed credential"
        )


def _pdf_qr_texts(data: bytes) -> list[str] | None:
    """QR texts on the first page (poppler's pdftoppm + zbarimg), or ``None`` without the tools."""
    pdftoppm, zbarimg = shutil.which("pdftoppm"), shutil.which("zbarimg")
    if not (pdftoppm and zbarimg):
        return None
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "certificate.pdf"
        pdf.write_bytes(data)
        subprocess.run(  # noqa: S603 - fixed tool, arguments are our own paths
            [pdftoppm, "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(Path(folder) / "page")],
            check=True,
            capture_output=True,
            timeout=60,
        )
        images = sorted(Path(folder).glob("page*.png"))
        result = subprocess.run(  # noqa: S603
            [zbarimg, "--raw", "-q", *map(str, images)], capture_output=True, text=True, timeout=60, check=False
        )
    return [line for line in result.stdout.splitlines() if line.strip()]


def verify_pdf(data: bytes, public_keys: Mapping[str, Ed25519PublicKey], *, read_qr: bool = True) -> OfflineReport:
    """Check a certificate PDF: its attached credential, the printed facts and the QR code.

    When the PDF also carries an Open Badges 3.0 VC-JWT (``<serial>.vc.jwt``), its signature
    is checked with the same ``public_keys`` and its claims are compared with the COSE
    credential's (:func:`vc_jwt_claim_mismatches`); more than one such file is a problem.
    The report's ``vc_jwt_name``, ``vc_jwt_kid`` and ``notes`` say what was found.
    """
    report = OfflineReport(source="pdf")
    try:
        text, token, badges = _pdf_contents(data)
    except Exception as exc:  # pypdf raises many types for a damaged file
        report.problems.append(f"the file is not a readable PDF ({exc.__class__.__name__})")
        return report
    if token is None:
        report.problems.append(f"the PDF has no signed credential attached ({CREDENTIAL_ATTACHMENT})")
        return report
    try:
        verified = credential_verify(token, public_keys)
    except CredentialError as error:
        report.problems.append(str(error))
        return report
    claims = report.claims = verified.claims
    report.kid = verified.kid
    printed = {
        "name": claims.holder_name,
        "serial number": claims.serial,
        "verification code": claims.code,
        "qualification": claims.qualification_uz,
        "issue date": date_long(claims.issued_on, "uz"),
    }
    if claims.expires_on:
        printed["expiry date"] = date_long(claims.expires_on, "uz")
    for label, value in printed.items():
        if _collapse(value) not in text:
            report.problems.append(f"{label} on the certificate does not match the signed {label}")
    if len(badges) > 1:
        report.problems.append(f"the PDF carries more than one Open Badges credential ({', '.join(sorted(badges))})")
    elif badges:
        (name, badge), *_ = badges.items()
        _check_attached_vc_jwt(report, name, badge, public_keys)
    if read_qr:
        qr_texts = _pdf_qr_texts(data)
        if qr_texts is not None:
            scanned = [qr_parse(item) for item in qr_texts]
            credentials = {item.credential_text for item in scanned if item and item.credential_text}
            if not credentials:
                report.problems.append("the QR code cannot be read or holds no signed credential")
            elif any(credential_from_text(item) != token for item in credentials):
                report.problems.append("the QR code does not carry the credential attached to the PDF")
    return report


def verify_qr_text(text: str, public_keys: Mapping[str, Ed25519PublicKey]) -> OfflineReport:
    """Check the text of a scanned QR code (``.../V/<CODE>/<CREDENTIAL>``)."""
    report = OfflineReport(source="qr")
    scanned = qr_parse(text)
    if scanned is None:
        report.problems.append("this is not a certificate verification link")
        return report
    if not scanned.credential_text:
        report.problems.append(
            "the link carries no signed credential (only the QR code on the certificate does); check it online"
        )
        return report
    try:
        verified = credential_verify(credential_from_text(scanned.credential_text), public_keys)
    except CredentialError as error:
        report.problems.append(str(error))
        return report
    report.claims, report.kid = verified.claims, verified.kid
    if verified.claims.code != scanned.code:
        report.problems.append("verification code in the link does not match the signed verification code")
    return report


@dataclass
class VcJwtReport:
    """Outcome of checking an Open Badges 3.0 VC-JWT offline; ``ok`` when nothing is wrong."""

    credential: dict | None = None
    kid: str | None = None
    problems: list[str] = field(default_factory=list)
    revoked: bool | None = None  # None: no status list was given

    @property
    def ok(self) -> bool:
        return self.credential is not None and not self.problems


def looks_like_jwt(data: bytes) -> bool:
    """True for text of the form ``xxx.yyy.zzz`` in base64url (a compact JWS), e.g. a ``.jwt`` file."""
    return re.fullmatch(rb"\s*[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\s*", data) is not None


def verify_vc_jwt(
    text: str,
    public_keys: Mapping[str, Ed25519PublicKey],
    *,
    now: datetime.datetime | None = None,
    status_list_text: str | None = None,
) -> VcJwtReport:
    """Check an Open Badges 3.0 credential signed as VC-JWT (a ``.jwt`` download) with public keys only.

    Checks the header (``alg`` EdDSA, ``typ`` vc+jwt, a known ``kid``), the Ed25519
    signature over the credential, its type ``OpenBadgeCredential``, and ``validFrom`` /
    ``validUntil`` against ``now`` (aware; default: the current time). With
    ``status_list_text`` (the VC-JWT of ``/status/revocation/<n>``, fetched earlier) it also
    checks that list's signature and reads the credential's revocation bit. Every failure
    is a sentence in ``problems``: tampered payload, unknown key, wrong type, expired, revoked.
    """
    from .openbadges import VcJwtError, credential_date_problems, vc_jwt_verify

    report = VcJwtReport()
    try:
        verified = vc_jwt_verify(text, public_keys)
    except VcJwtError as error:
        report.problems.append(str(error))
        return report
    credential = report.credential = verified.credential
    report.kid = verified.kid
    types = credential.get("type")
    if "OpenBadgeCredential" not in (types if isinstance(types, list) else [types]):
        report.problems.append("the credential is not an Open Badges 3.0 OpenBadgeCredential")
    now = now or datetime.datetime.now(tz=datetime.UTC)
    report.problems.extend(credential_date_problems(credential, now=now))
    if status_list_text is not None:
        _check_status(report, credential, status_list_text, public_keys)
    return report


def _check_status(
    report: VcJwtReport, credential: dict, status_list_text: str, public_keys: Mapping[str, Ed25519PublicKey]
) -> None:
    from .openbadges import VcJwtError, vc_jwt_verify
    from .status_list import bit_is_set, bitstring_decode

    entry = credential.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        report.problems.append("the credential has no Bitstring Status List entry to check")
        return
    try:
        status_list = vc_jwt_verify(status_list_text, public_keys).credential
    except VcJwtError as error:
        report.problems.append(f"status list: {error}")
        return
    if status_list.get("id") != entry.get("statusListCredential"):
        report.problems.append("the status list given is not the one the credential points to")
        return
    subject = status_list.get("credentialSubject") or {}
    try:
        bits = bitstring_decode(str(subject.get("encodedList", "")))
        report.revoked = bit_is_set(bits, int(entry.get("statusListIndex", "")))
    except (ValueError, IndexError) as exc:
        report.problems.append(f"status list: cannot read the credential's bit ({exc})")
        return
    if report.revoked:
        report.problems.append("the certificate was revoked (its bit in the status list is set)")
