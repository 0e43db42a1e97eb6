"""The Open Badges VC-JWT attached inside the certificate PDF, its offline check, and the
template snapshot that keeps a re-rendered PDF looking as it did at issue."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from certificates import keys
from certificates.keys import b64url, b64url_decode
from certificates.models import Certificate, CertificateTemplate
from certificates.offline import verify_pdf
from certificates.openbadges import certificate_vc_jwt, open_badge_credential, vc_jwt_sign, vc_jwt_verify
from certificates.rendering.pdf import (
    CREDENTIAL_ATTACHMENT,
    VC_JWT_MEDIA_TYPE,
    certificate_pdf_render,
    template_from_snapshot,
    vc_jwt_attachment_name,
)
from certificates.services import certificate_issue, certificate_render_pdf

from .conftest import make_attempt

pytestmark = pytest.mark.django_db

NAME = "Oʻgʻiloy Toʻxtayeva"


@pytest.fixture
def certificate(exam, candidate):
    final_at = datetime.datetime(2025, 3, 5, 9, 0, tzinfo=datetime.UTC)
    return certificate_issue(attempt_id=make_attempt(exam, candidate, final_at=final_at).pk)


def _reader(certificate) -> PdfReader:
    with certificate.pdf.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def _filespecs(reader: PdfReader) -> dict[str, dict]:
    return {str(spec["/UF"]): spec for spec in (item.get_object() for item in reader.trailer["/Root"]["/AF"])}


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


# --- the VC-JWT inside the PDF ------------------------------------------------------------


def test_the_issued_pdf_carries_the_open_badges_vc_jwt_and_it_verifies(certificate):
    reader = _reader(certificate)
    name = vc_jwt_attachment_name(certificate.serial)
    assert name == f"{certificate.serial}.vc.jwt"
    token = reader.attachments[name][0].decode("ascii")
    verified = vc_jwt_verify(token, keys.public_keys())
    assert verified.credential == open_badge_credential(certificate)
    assert verified.credential["credentialSubject"]["identifier"][0]["identityHash"] == NAME
    # Both files are associated files of the document (PDF/A-3), each with its relationship
    # and media type.
    specs = _filespecs(reader)
    assert {uf: str(spec["/AFRelationship"]) for uf, spec in specs.items()} == {
        CREDENTIAL_ATTACHMENT: "/Alternative",
        name: "/Data",
    }
    embedded = specs[name]["/EF"]["/F"].get_object()
    assert str(embedded["/Subtype"]).replace("#2f", "/") == "/" + VC_JWT_MEDIA_TYPE
    assert "/ModDate" in embedded["/Params"]  # PDF/A-3 asks for the modification date


def test_the_pdf_with_the_vc_jwt_is_still_declared_pdf_a_3b(certificate):
    reader = _reader(certificate)
    raw = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in raw and 'pdfaid:conformance="B"' in raw
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    assert len(names) == 4  # two files, each a name and a file specification


def test_verify_pdf_checks_the_attached_vc_jwt_and_says_so(certificate):
    report = verify_pdf(certificate.pdf.open("rb").read(), keys.public_keys(), read_qr=False)
    assert report.ok, report.problems
    assert report.vc_jwt_name == f"{certificate.serial}.vc.jwt"
    assert report.vc_jwt_kid == certificate.signing_key_id
    assert any(report.vc_jwt_name in note for note in report.notes)


def test_the_command_accepts_a_pdf_with_the_vc_jwt(certificate, tmp_path, capsys):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificate.pdf.open("rb").read())
    call_command("verify_certificate", str(path), "--no-qr")
    assert "OK" in capsys.readouterr().out


def _tampered_payload(token: str, **changes) -> str:
    """The token with its payload changed and the old signature kept (a forgery)."""
    header, payload, signature = token.split(".")
    credential = json.loads(b64url_decode(payload))
    credential.update(changes)
    body = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode()
    return f"{header}.{b64url(body)}.{signature}"


def test_a_pdf_whose_vc_jwt_was_altered_fails_with_a_clear_reason(certificate, tmp_path, capsys):
    forged = _tampered_payload(certificate_vc_jwt(certificate), name="Boshqa malaka")
    pdf = certificate_pdf_render(certificate, vc_jwt=forged)
    report = verify_pdf(pdf, keys.public_keys(), read_qr=False)
    assert not report.ok
    assert report.vc_jwt_kid is None
    assert any("Open Badges" in problem and "signature does not verify" in problem for problem in report.problems)
    # The command exits 1 and names it.
    path = tmp_path / "forged.pdf"
    path.write_bytes(pdf)
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_certificate", str(path), "--no-qr")
    assert exit_info.value.code == 1
    assert "signature does not verify" in capsys.readouterr().err


def test_a_validly_signed_vc_jwt_of_other_facts_is_named_as_a_mismatch(certificate):
    """A genuine signature over another name (e.g. the VC-JWT of another certificate) is caught."""
    credential = open_badge_credential(certificate)
    credential["credentialSubject"]["identifier"][0]["identityHash"] = "Oʻgʻiloy Toʻxtayevna"
    credential["validUntil"] = "2099-03-05T23:59:59+05:00"
    key = keys.active_key()
    other = vc_jwt_sign(credential, kid=key.kid, private_key=key.private_key)
    report = verify_pdf(certificate_pdf_render(certificate, vc_jwt=other), keys.public_keys(), read_qr=False)
    assert report.vc_jwt_kid == key.kid  # the signature itself is fine
    joined = " | ".join(report.problems)
    assert "holder's name in the Open Badges credential does not match" in joined
    assert "expiry date in the Open Badges credential does not match" in joined
    assert "qualification" not in joined and "issue date" not in joined
    assert not report.ok


def test_a_pdf_without_a_vc_jwt_still_verifies_on_its_cose_credential(certificate):
    """PDFs rendered before the VC-JWT was attached keep verifying."""
    report = verify_pdf(certificate_pdf_render(certificate), keys.public_keys(), read_qr=False)
    assert report.ok, report.problems
    assert report.vc_jwt_name is None and report.notes == []


def test_a_vc_jwt_that_is_not_ascii_is_refused_clearly(certificate):
    from certificates.offline import OfflineReport, _check_attached_vc_jwt

    report = OfflineReport(source="pdf", claims=certificate.claims())
    _check_attached_vc_jwt(report, "x.vc.jwt", "ʻ.ʻ.ʻ".encode(), keys.public_keys())
    assert report.problems and "not a JWT" in report.problems[0]


# --- the template snapshot ----------------------------------------------------------------


def _template(**overrides) -> CertificateTemplate:
    data = {
        "name": "Davlat xizmati",
        "title_uz": "MALAKA SERTIFIKATI",
        "title_ru": "СЕРТИФИКАТ О КВАЛИФИКАЦИИ",
        "body_uz": "imtihonni muvaffaqiyatli topshirdi",
        "body_ru": "успешно сдал(а) экзамен",
        "issuer_name_uz": "Raqamli texnologiyalar vazirligi",
        "signatory_title_uz": "Direktor",
        "primary_colour": "#7a1f5c",
        "accent_colour": "#C9A227",
        "second_language": "ru",
        "is_default": True,
    }
    data.update(overrides)
    return CertificateTemplate.objects.create(**data)


def test_the_snapshot_is_taken_at_issue_with_texts_colours_and_second_language(exam, candidate):
    _template()
    certificate = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    snapshot = Certificate.objects.get(pk=certificate.pk).template_snapshot
    assert snapshot["texts"]["title"] == {
        "uz": "MALAKA SERTIFIKATI",
        "ru": "СЕРТИФИКАТ О КВАЛИФИКАЦИИ",
        "en": "MALAKA SERTIFIKATI",  # empty English: the Uzbek text, as printed
    }
    assert snapshot["primary_colour"] == "#7a1f5c" and snapshot["accent_colour"] == "#C9A227"
    assert snapshot["second_language"] == "ru" and snapshot["logo"] is None


def test_editing_the_template_after_issue_does_not_change_a_re_rendered_pdf(exam, candidate):
    template = _template()
    certificate = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    first = _text(certificate.pdf.open("rb").read())
    assert "MALAKA SERTIFIKATI" in first and "успешно сдал(а) экзамен" in first
    template.title_uz = "YANGI SARLAVHA"
    template.body_ru = "новый текст"
    template.primary_colour = "#123456"
    template.save()
    # e.g. the file was lost and the PDF is rendered again
    again = certificate_render_pdf(certificate=Certificate.objects.get(pk=certificate.pk), replace=True)
    pdf = again.pdf.open("rb").read()
    text = _text(pdf)
    assert "MALAKA SERTIFIKATI" in text and "успешно сдал(а) экзамен" in text
    assert "YANGI SARLAVHA" not in text and "новый текст" not in text
    # The title and frame are drawn in the colour of issue (#7a1f5c), not the new one.
    page = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert _rgb("#7a1f5c") in page and _rgb("#123456") not in page


def _rgb(colour: str) -> bytes:
    """How WeasyPrint writes a colour in the content stream, e.g. ``0.478431 0.121569 0.360784`` (then rg/RG)."""
    parts = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    return " ".join(f"{part:.6f}" for part in parts).encode()


def test_a_row_without_a_snapshot_uses_the_live_template(exam, candidate):
    template = _template()
    certificate = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    Certificate.objects.filter(pk=certificate.pk).update(template_snapshot={})  # an old row
    template.title_uz = "YANGI SARLAVHA"
    template.save()
    again = certificate_render_pdf(certificate=Certificate.objects.get(pk=certificate.pk), replace=True)
    assert "YANGI SARLAVHA" in _text(again.pdf.open("rb").read())


def test_a_certificate_issued_with_the_built_in_texts_keeps_them_when_a_default_template_appears(exam, candidate):
    certificate = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    assert certificate.template_snapshot == {"version": 1, "template_id": None}
    _template(title_uz="YANGI SARLAVHA")
    again = certificate_render_pdf(certificate=Certificate.objects.get(pk=certificate.pk), replace=True)
    assert "YANGI SARLAVHA" not in _text(again.pdf.open("rb").read())


def test_a_snapshot_of_an_unknown_version_is_refused():
    with pytest.raises(ValueError, match="version"):
        template_from_snapshot({"version": 99, "texts": {}})


def test_a_snapshot_colour_is_checked_again_before_it_reaches_the_style_sheet():
    snapshot = template_from_snapshot(
        {"version": 1, "template_id": 1, "texts": {}, "primary_colour": "red;}</style>", "accent_colour": "#ABCDEF"}
    )
    assert snapshot.primary_colour == "#0B5CAD" and snapshot.accent_colour == "#ABCDEF"


def test_the_snapshot_logo_is_printed_while_its_file_is_unchanged_and_only_from_media(exam, candidate, settings):
    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images.models import Image

    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    logo = Image.objects.create(title="logo", file=ImageFile(io.BytesIO(buffer.getvalue()), name="logo.png"))
    _template(logo=logo)
    certificate = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    snapshot = template_from_snapshot(certificate.template_snapshot)
    assert snapshot.logo_name and not snapshot.logo_name.startswith("/")
    pdf = certificate_pdf_render(certificate, template=snapshot)
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf
    # The file changed after issue: no logo rather than another one.
    with open(logo.file.path, "ab") as handle:
        handle.write(b"changed")
    pdf = certificate_pdf_render(certificate, template=snapshot)
    assert b"/Subtype /Image" not in pdf and b"/Subtype/Image" not in pdf
    # A path leaving MEDIA_ROOT is never read.
    hostile = template_from_snapshot(
        {**certificate.template_snapshot, "logo": {"name": "../../../../etc/hostname", "sha256": None}}
    )
    from certificates.rendering.pdf import _logo_uri

    assert _logo_uri(hostile) is None
