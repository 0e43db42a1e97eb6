"""The certificate PDF: text, fonts, PDF/A-3b, the attached credential and the scannable QR code."""

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from certificates import keys
from certificates.rendering.dates import date_long
from certificates.rendering.pdf import certificate_pdf_render
from certificates.rendering.qr import qr_parse, qr_payload, qr_svg
from certificates.services import certificate_issue
from certificates.signing import credential_from_text, credential_verify

from .conftest import make_attempt

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
needs_zbar = pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")), reason="zbar missing")


@pytest.fixture
def march_certificate(exam, candidate):
    final_at = datetime.datetime(2025, 3, 5, 9, 0, tzinfo=datetime.UTC)
    return certificate_issue(attempt_id=make_attempt(exam, candidate, final_at=final_at).pk)


def _pdf_path(certificate, tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificate.pdf.read())
    return path


def _text(path):
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize(
    ("language", "expected"),
    [("uz", "2025-yil 5-mart"), ("ru", "5 марта 2025 г."), ("en", "5 March 2025"), ("uz", "2025-yil 5-mart")],
)
def test_dates_are_written_the_way_each_language_writes_them(language, expected):
    assert date_long(datetime.date(2025, 3, 5), language) == expected


@needs_poppler
def test_the_pdf_text_gives_back_the_uzbek_name_the_dates_serial_and_code(march_certificate, tmp_path):
    text = _text(_pdf_path(march_certificate, tmp_path))
    assert "Oʻgʻiloy Toʻxtayeva" in text  # U+02BB kept
    assert "2025-yil 5-mart" in text
    assert "5 марта 2025 г." in text
    assert "2028-yil 5-mart" in text
    assert "5 марта 2028 г." in text
    assert march_certificate.serial in text
    assert march_certificate.verification_code in text
    assert "Elektron hukumat boʻyicha mutaxassis" in text
    assert "Специалист по электронному правительству" in text


@needs_poppler
def test_a_cyrillic_name_is_printed_as_it_is(exam, other_candidate, tmp_path):
    certificate = certificate_issue(attempt_id=make_attempt(exam, other_candidate).pk)
    assert "Дилноза Рахимова" in _text(_pdf_path(certificate, tmp_path))


@needs_poppler
def test_the_second_language_follows_the_holder_english_gives_english_dates(exam, candidate, tmp_path):
    candidate.language = "en"
    candidate.save()
    final_at = datetime.datetime(2025, 3, 5, 9, 0, tzinfo=datetime.UTC)
    certificate = certificate_issue(attempt_id=make_attempt(exam, candidate, final_at=final_at).pk)
    text = _text(_pdf_path(certificate, tmp_path))
    assert "5 March 2025" in text and "E-Government specialist" in text


@needs_poppler
def test_only_dejavu_fonts_are_embedded(march_certificate, tmp_path):
    listing = subprocess.run(
        ["pdffonts", str(_pdf_path(march_certificate, tmp_path))], capture_output=True, text=True, check=True
    ).stdout
    fonts = [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]
    assert fonts, listing
    assert all("DejaVu-Sans" in name for name in fonts), fonts
    assert all(" yes yes " in line for line in listing.splitlines()[2:]), "fonts are embedded and subset"


def test_the_pdf_is_one_a4_landscape_page_declared_pdf_a_3b(march_certificate):
    reader = PdfReader(march_certificate.pdf.open("rb"))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in raw and 'pdfaid:conformance="B"' in raw


def test_the_signed_credential_is_attached_and_verifies(march_certificate):
    reader = PdfReader(march_certificate.pdf.open("rb"))
    attached = reader.attachments["credential.cose"][0]
    assert attached == credential_from_text(march_certificate.credential)
    verified = credential_verify(attached, keys.public_keys())
    assert verified.claims == march_certificate.claims()
    filespecs = [item.get_object() for item in reader.trailer["/Root"]["/AF"]]
    assert {(spec["/UF"], spec["/AFRelationship"]) for spec in filespecs} == {
        ("credential.cose", "/Alternative"),
        # The Open Badges 3.0 VC-JWT (tests/certificates/test_pdf_badge_and_snapshot.py).
        (f"{march_certificate.serial}.vc.jwt", "/Data"),
    }


@needs_zbar
def test_the_qr_read_at_150_dpi_is_the_verification_url_and_its_signature_checks(march_certificate, tmp_path, settings):
    path = _pdf_path(march_certificate, tmp_path)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / "page")], check=True)
    image = next(tmp_path.glob("page*.png"))
    scanned = subprocess.run(
        ["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=False
    ).stdout.strip()
    site = settings.SITE_URL.upper()
    assert scanned.startswith(f"{site}/V/{march_certificate.verification_code}/"), scanned
    parsed = qr_parse(scanned)
    assert parsed.code == march_certificate.verification_code
    verified = credential_verify(credential_from_text(parsed.credential_text), keys.public_keys())
    assert verified.claims == march_certificate.claims()


def test_the_qr_is_alphanumeric_level_q_and_small_enough_for_40_mm(march_certificate, settings):
    payload = qr_payload("https://certify.egov.uz", march_certificate.verification_code, march_certificate.credential)
    assert payload == payload.upper()
    symbol = qr_svg(payload, size_mm=40)
    module_mm = 40 / (symbol.modules + 8)
    # Measured: version 14 (73 modules, 0.49 mm a module) for this qualification; phones read >= 0.4 mm.
    assert symbol.version <= 16 and module_mm >= 0.4, (symbol.version, module_mm)
    assert symbol.svg.startswith("<svg") and 'width="40mm"' in symbol.svg


def test_rendering_is_a_pure_function_of_the_row(march_certificate, django_assert_num_queries):
    with django_assert_num_queries(0):
        first = certificate_pdf_render(march_certificate)
    assert first[:5] == b"%PDF-"


catalog_compiled = pytest.mark.skipif(
    not (Path(__file__).resolve().parents[2] / "certificates/locale/uz/LC_MESSAGES/django.mo").exists(),
    reason="translations not compiled (make test runs compilemessages)",
)


@needs_poppler
@catalog_compiled
def test_the_labels_are_printed_in_uzbek_and_russian(march_certificate, tmp_path):
    text = _text(_pdf_path(march_certificate, tmp_path))
    assert "SERTIFIKAT" in text and "СЕРТИФИКАТ" in text
    assert "Ushbu sertifikat shuni tasdiqlaydiki," in text
    assert "Настоящий сертификат удостоверяет, что" in text
