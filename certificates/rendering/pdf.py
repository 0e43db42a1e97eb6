"""The certificate PDF: A4 landscape, PDF/A-3b, DejaVu Sans only, bilingual, vector QR code.

The PDF is a pure function of the certificate row (and ``SITE_URL`` for the QR code): every
printed word comes from the row, which was fixed when the certificate was issued, so a PDF
can be rendered again at any time and comes out the same. Nothing here writes to the
database or to storage; :func:`certificates.services.certificate_render_pdf` stores it.

Fonts: only DejaVu Sans and DejaVu Sans Bold from Debian's ``fonts-dejavu-core``, declared
with ``@font-face`` under a family name of our own and used with no fallback family, and the
URL fetcher refuses every other resource, so no other system font can slip in. DejaVu
covers Latin with ``ʻ`` (U+02BB) and Cyrillic.

The signed credential (COSE_Sign1 bytes) is embedded as the file ``credential.cose`` with
the PDF/A-3 relationship ``Alternative`` (a machine-readable form of the same content).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher

from ..signing import credential_from_text
from .dates import date_long
from .qr import qr_payload, qr_svg, verification_url

if TYPE_CHECKING:
    from ..models import Certificate

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
QR_SIZE_MM = 40
CREDENTIAL_ATTACHMENT = "credential.cose"


class _FontsOnlyFetcher(URLFetcher):
    """Fetches the two DejaVu files and nothing else (no network, no other local file)."""

    allowed = frozenset({FONT_REGULAR.as_uri(), FONT_BOLD.as_uri()})

    def fetch(self, url, headers=None):
        if url not in self.allowed:
            raise ValueError(f"the certificate template may not load {url}")
        return super().fetch(url, headers)


def certificate_pdf_context(certificate: Certificate, *, site_url: str) -> dict:
    """The template context: texts per language, the QR SVG and the facts in clear."""
    languages = ["uz", certificate.second_language if certificate.second_language in ("ru", "en") else "ru"]
    blocks = [
        {
            "language": language,
            "qualification": certificate.qualification_in(language),
            "issued_on": date_long(certificate.issued_on, language),
            "expires_on": date_long(certificate.expires_on, language) if certificate.expires_on else "",
        }
        for language in languages
    ]
    symbol = qr_svg(qr_payload(site_url, certificate.verification_code, certificate.credential), size_mm=QR_SIZE_MM)
    return {
        "certificate": certificate,
        "blocks": blocks,
        "qr_svg": symbol.svg,
        "qr_version": symbol.version,
        "verification_url": verification_url(site_url, certificate.verification_code),
        "font_regular": FONT_REGULAR.as_uri(),
        "font_bold": FONT_BOLD.as_uri(),
    }


def certificate_pdf_render(certificate: Certificate, *, site_url: str | None = None) -> bytes:
    """Render the certificate as PDF/A-3b bytes (one A4 landscape page).

    ``site_url`` defaults to ``settings.SITE_URL``. Raises ``FileNotFoundError`` when the
    DejaVu fonts are not installed (package fonts-dejavu-core) rather than printing with
    another font.
    """
    for font in (FONT_REGULAR, FONT_BOLD):
        if not font.is_file():
            raise FileNotFoundError(f"{font} is missing: install the Debian package fonts-dejavu-core")
    context = certificate_pdf_context(certificate, site_url=site_url or settings.SITE_URL)
    html = render_to_string("certificates/pdf.html", context)
    credential = Attachment(
        string=credential_from_text(certificate.credential),
        name=CREDENTIAL_ATTACHMENT,
        description="Signed credential (COSE_Sign1, Ed25519)",
        relationship="Alternative",
    )
    return HTML(string=html, url_fetcher=_FontsOnlyFetcher()).write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[credential],
        custom_metadata=True,
    )
