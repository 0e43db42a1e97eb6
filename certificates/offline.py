"""Offline verification of a certificate PDF or a scanned QR text, with public keys only.

No database: the signed credential (attached to the PDF, or in the QR URL) is checked with
the given public keys, then compared with what the document shows. This is what
``manage.py verify_certificate`` runs; anyone holding the JWKS can do the same.
"""

from __future__ import annotations

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
from .rendering.pdf import CREDENTIAL_ATTACHMENT
from .rendering.qr import qr_parse
from .signing import Claims, CredentialError, credential_from_text, credential_verify


@dataclass
class OfflineReport:
    """``ok`` when the signature verifies and the document agrees with the signed data."""

    source: str
    claims: Claims | None = None
    kid: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.claims is not None and not self.problems


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _pdf_text_and_credential(data: bytes) -> tuple[str, bytes | None]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    attached = reader.attachments.get(CREDENTIAL_ATTACHMENT) or []
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return _collapse(text), (attached[0] if attached else None)


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
    """Check a certificate PDF: its attached credential, the printed facts and the QR code."""
    report = OfflineReport(source="pdf")
    try:
        text, token = _pdf_text_and_credential(data)
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
