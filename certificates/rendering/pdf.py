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
the PDF/A-3 relationship ``Alternative`` (a machine-readable form of the same content). When
the caller passes it, the Open Badges 3.0 credential signed as VC-JWT (see
:mod:`certificates.openbadges`) is embedded too, as ``<serial>.vc.jwt``, media type
``application/vc+jwt``, relationship ``Data``; it is computed by the caller (it needs the
exam's code and the active signing key), so rendering stays a pure function of its inputs.

Texts, colours and the logo come from the certificate's template snapshot (taken at issue,
see :func:`template_snapshot`) or, for rows issued before snapshots, from the exam's live
:class:`~certificates.models.CertificateTemplate`; the issuer and signatory in Uzbek were
copied onto the row at issue. Colours are checked again to be ``#RRGGBB`` before they reach the style sheet,
and the logo is read only from a file inside ``MEDIA_ROOT``.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import re
from dataclasses import dataclass, field
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
    from ..models import Certificate, CertificateTemplate

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
QR_SIZE_MM = 40
CREDENTIAL_ATTACHMENT = "credential.cose"
# The Open Badges 3.0 VC-JWT attached next to the COSE credential: "<serial>.vc.jwt".
VC_JWT_ATTACHMENT_SUFFIX = ".vc.jwt"
VC_JWT_MEDIA_TYPE = "application/vc+jwt"


def vc_jwt_attachment_name(serial: str) -> str:
    """The file name of the attached VC-JWT, e.g. ``EGOV-2026-000123.vc.jwt``."""
    return f"{serial}{VC_JWT_ATTACHMENT_SUFFIX}"


class _FontsOnlyFetcher(URLFetcher):
    """Fetches the two DejaVu files, and the template's logo file if given, nothing else.

    No network, no other local file: ``extra`` holds ``file://`` URIs already checked to lie
    inside ``MEDIA_ROOT`` (see :func:`_logo_uri`).
    """

    allowed = frozenset({FONT_REGULAR.as_uri(), FONT_BOLD.as_uri()})

    def __init__(self, *args, extra: frozenset[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = self.allowed | extra

    def fetch(self, url, headers=None):
        if url not in self.allowed:
            raise ValueError(f"the certificate template may not load {url}")
        return super().fetch(url, headers)


DEFAULT_PRIMARY = "#0B5CAD"
DEFAULT_ACCENT = "#D0D7DE"
_COLOUR = re.compile(r"\A#[0-9A-Fa-f]{6}\Z")
SAMPLE_HOLDER_NAME = "Oʻgʻiloy Toʻxtayeva"


def _colour(value: str | None, default: str) -> str:
    """``value`` when it is exactly ``#RRGGBB`` (checked again here: it goes into CSS), else ``default``."""
    return value if value and _COLOUR.match(value) else default


# The template fields printed per language, and the languages a snapshot keeps.
SNAPSHOT_FIELDS = ("title", "body", "issuer_name", "signatory_name", "signatory_title")
SNAPSHOT_LANGUAGES = ("uz", "ru", "en")
SNAPSHOT_VERSION = 1


def _sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def template_snapshot(template: CertificateTemplate | None) -> dict:
    """What the PDF uses from ``template``, frozen at issue (``Certificate.template_snapshot``).

    Shape: ``{"version": 1, "template_id": int | None, "template_name": str,
    "texts": {field: {"uz"|"ru"|"en": str}}, "primary_colour": "#RRGGBB",
    "accent_colour": "#RRGGBB", "second_language": "ru"|"en",
    "logo": {"name": <path relative to MEDIA_ROOT>, "sha256": hex} | None}``.
    Texts are stored as printed, the Uzbek fallback already applied. ``None`` (no template
    applies): ``{"version": 1, "template_id": None}``, the built-in texts and colours, so a
    template made default later does not change the certificate either. Reads the logo file
    once (its hash); no database query when ``template.logo`` was fetched with the template.
    """
    if template is None:
        return {"version": SNAPSHOT_VERSION, "template_id": None}
    logo = None
    uri = _logo_uri(template)
    if uri is not None:
        path = Path(template.logo.file.path).resolve()
        logo = {
            "name": path.relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix(),
            "sha256": _sha256_of(path),
        }
    return {
        "version": SNAPSHOT_VERSION,
        "template_id": template.pk,
        "template_name": template.name,
        "texts": {
            name: {language: template.text(name, language) for language in SNAPSHOT_LANGUAGES}
            for name in SNAPSHOT_FIELDS
        },
        "primary_colour": _colour(template.primary_colour, DEFAULT_PRIMARY),
        "accent_colour": _colour(template.accent_colour, DEFAULT_ACCENT),
        "second_language": template.second_language,
        "logo": logo,
    }


@dataclass(frozen=True)
class TemplateSnapshot:
    """A template as it was at issue, read back from ``Certificate.template_snapshot``.

    Offers what :func:`certificate_pdf_context` reads from a live template (``text()``, the
    colours) plus ``logo_name`` / ``logo_sha256`` (a file under ``MEDIA_ROOT``; printed only
    while the file still has the hash it had at issue).
    """

    texts: dict = field(default_factory=dict)
    primary_colour: str = DEFAULT_PRIMARY
    accent_colour: str = DEFAULT_ACCENT
    second_language: str = "ru"
    logo_name: str | None = None
    logo_sha256: str | None = None

    def text(self, name: str, language: str) -> str:
        """``name`` in ``language`` as stored, else the Uzbek text, else ``""``."""
        texts = self.texts.get(name) or {}
        return str(texts.get(language[:2]) or texts.get("uz") or "")


def template_from_snapshot(snapshot: dict) -> TemplateSnapshot | None:
    """The :class:`TemplateSnapshot` of a non-empty ``template_snapshot``; ``None`` for the built-in texts.

    Raises ``ValueError`` for a snapshot of an unknown version (rather than printing a guess).
    """
    if snapshot.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"unknown certificate template snapshot version {snapshot.get('version')!r}")
    if snapshot.get("template_id") is None and "texts" not in snapshot:
        return None
    logo = snapshot.get("logo") or {}
    return TemplateSnapshot(
        texts=snapshot.get("texts") or {},
        primary_colour=_colour(snapshot.get("primary_colour"), DEFAULT_PRIMARY),
        accent_colour=_colour(snapshot.get("accent_colour"), DEFAULT_ACCENT),
        second_language=snapshot.get("second_language") or "ru",
        logo_name=logo.get("name"),
        logo_sha256=logo.get("sha256"),
    )


def _snapshot_logo_uri(snapshot: TemplateSnapshot) -> str | None:
    """The logo of a snapshot: inside ``MEDIA_ROOT``, a file, with the hash taken at issue; else ``None``."""
    if not snapshot.logo_name:
        return None
    media = Path(settings.MEDIA_ROOT).resolve()
    path = (media / snapshot.logo_name).resolve()
    if not path.is_relative_to(media) or not path.is_file():
        return None
    if snapshot.logo_sha256 and _sha256_of(path) != snapshot.logo_sha256:
        return None  # the file was replaced since issue: print no logo rather than another one
    return path.as_uri()


def _logo_uri(template: CertificateTemplate | TemplateSnapshot | None) -> str | None:
    """The ``file://`` URI of the template's logo when its file lies inside ``MEDIA_ROOT``, else ``None``."""
    if isinstance(template, TemplateSnapshot):
        return _snapshot_logo_uri(template)
    logo = getattr(template, "logo", None) if template is not None else None
    if logo is None or not logo.file:
        return None
    try:
        path = Path(logo.file.path).resolve()
    except (NotImplementedError, ValueError):  # a storage without local paths: not printed
        return None
    media = Path(settings.MEDIA_ROOT).resolve()
    if not path.is_relative_to(media) or not path.is_file():
        return None
    return path.as_uri()


def certificate_pdf_context(
    certificate: Certificate,
    *,
    site_url: str,
    template: CertificateTemplate | TemplateSnapshot | None = None,
    sample: bool = False,
) -> dict:
    """The template context: texts per language, colours, logo, the QR SVG and the facts in clear.

    ``template``: the :class:`~certificates.models.CertificateTemplate` or the
    :class:`TemplateSnapshot` whose texts, colours and logo are printed (``None``: the
    built-in texts and colours). ``sample``: a preview,
    marked SAMPLE / NAMUNA. The issuer and signatory printed in Uzbek come from the row.
    """
    second = certificate.second_language if certificate.second_language in ("ru", "en") else "ru"
    languages = ["uz", second]
    blocks = []
    for language in languages:
        block = {
            "language": language,
            "qualification": certificate.qualification_in(language),
            "issued_on": date_long(certificate.issued_on, language),
            "expires_on": date_long(certificate.expires_on, language) if certificate.expires_on else "",
            "title": "",
            "body": "",
            "issuer_name": "",
            "signatory_title": "",
        }
        if template is not None:
            block.update(
                title=template.text("title", language),
                body=template.text("body", language),
                issuer_name=template.text("issuer_name", language),
                signatory_title=template.text("signatory_title", language),
            )
        blocks.append(block)
    issuer_names = [certificate.issuer_name] + [
        block["issuer_name"] for block in blocks[1:] if block["issuer_name"] not in ("", certificate.issuer_name)
    ]
    signatory_titles = [certificate.signatory_title] if certificate.signatory_title else []
    signatory_titles += [
        block["signatory_title"]
        for block in blocks[1:]
        if block["signatory_title"] and block["signatory_title"] != certificate.signatory_title
    ]
    symbol = qr_svg(qr_payload(site_url, certificate.verification_code, certificate.credential), size_mm=QR_SIZE_MM)
    return {
        "certificate": certificate,
        "blocks": blocks,
        "issuer_names": issuer_names,
        "signatory_titles": signatory_titles,
        "primary_colour": _colour(getattr(template, "primary_colour", None), DEFAULT_PRIMARY),
        "accent_colour": _colour(getattr(template, "accent_colour", None), DEFAULT_ACCENT),
        "logo_uri": _logo_uri(template),
        "sample": sample,
        "qr_svg": symbol.svg,
        "qr_version": symbol.version,
        "verification_url": verification_url(site_url, certificate.verification_code),
        "font_regular": FONT_REGULAR.as_uri(),
        "font_bold": FONT_BOLD.as_uri(),
    }


def _check_fonts() -> None:
    for font in (FONT_REGULAR, FONT_BOLD):
        if not font.is_file():
            raise FileNotFoundError(f"{font} is missing: install the Debian package fonts-dejavu-core")


def _write(context: dict, attachments: list) -> bytes:
    html = render_to_string("certificates/pdf.html", context)
    extra = frozenset({context["logo_uri"]}) if context.get("logo_uri") else frozenset()
    return HTML(string=html, url_fetcher=_FontsOnlyFetcher(extra=extra)).write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=attachments,
        custom_metadata=True,
    )


@contextlib.contextmanager
def _typed(source, media_type: str):
    """WeasyPrint's attachment source, answering ``media_type`` (it guesses from the name otherwise)."""
    with source as (file_obj, url, encoding, _guessed):
        yield file_obj, url, encoding, media_type


def certificate_pdf_render(
    certificate: Certificate,
    *,
    site_url: str | None = None,
    template: CertificateTemplate | TemplateSnapshot | None = None,
    vc_jwt: str | None = None,
) -> bytes:
    """Render the certificate as PDF/A-3b bytes (one A4 landscape page).

    ``site_url`` defaults to ``settings.SITE_URL``. ``template``: the template snapshot or
    live template whose texts, colours and logo are printed (the caller finds it, see
    :func:`certificates.services.certificate_render_pdf`; ``None``: built-in texts), so that
    rendering makes no database query. ``vc_jwt``: the certificate's Open Badges 3.0
    credential as VC-JWT text, attached as ``<serial>.vc.jwt`` (``None``: not attached).
    Raises ``FileNotFoundError`` when the DejaVu fonts are not installed (package
    fonts-dejavu-core) rather than printing with another font.
    """
    _check_fonts()
    context = certificate_pdf_context(certificate, site_url=site_url or settings.SITE_URL, template=template)
    credential = Attachment(
        string=credential_from_text(certificate.credential),
        name=CREDENTIAL_ATTACHMENT,
        description="Signed credential (COSE_Sign1, Ed25519)",
        relationship="Alternative",
    )
    attachments = [credential]
    if vc_jwt:
        badge = Attachment(
            string=vc_jwt.strip().encode("ascii"),
            name=vc_jwt_attachment_name(certificate.serial),
            description="Open Badges 3.0 credential (W3C Verifiable Credential, VC-JWT, EdDSA)",
            relationship="Data",
        )
        badge.source = _typed(badge.source, VC_JWT_MEDIA_TYPE)
        attachments.append(badge)
    return _write(context, attachments)


def certificate_template_preview_pdf(template: CertificateTemplate, *, site_url: str | None = None) -> bytes:
    """A sample certificate printed with ``template`` (saved or not), marked SAMPLE / NAMUNA.

    The holder is ``Oʻgʻiloy Toʻxtayeva``; the serial and code are zeros; the QR code holds
    no real signature and no credential is attached. Nothing is saved. Raises
    ``FileNotFoundError`` as :func:`certificate_pdf_render`.
    """
    from ..models import Certificate, tashkent_today

    _check_fonts()
    today = tashkent_today()
    certificate = Certificate(
        serial="NAMUNA-SAMPLE-000000",
        verification_code="0000-0000-0000-0000",
        holder_name=SAMPLE_HOLDER_NAME,
        qualification_uz="Elektron hukumat boʻyicha mutaxassis",
        qualification_ru="Специалист по электронному правительству",
        qualification_en="E-Government specialist",
        second_language=template.second_language,
        issued_on=today,
        expires_on=today + datetime.timedelta(days=3 * 365),
        issuer_name=template.issuer_name_uz,
        signatory_name=template.signatory_name_uz,
        signatory_title=template.signatory_title_uz,
        credential="NAMUNA",
    )
    context = certificate_pdf_context(
        certificate, site_url=site_url or settings.SITE_URL, template=template, sample=True
    )
    return _write(context, [])
