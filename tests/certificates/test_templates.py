"""Certificate templates: the officer's texts, colours and logo on the PDF, the preview
(a sample, never saved, never signed), and colours that cannot inject CSS."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import RoleAssignment
from accounts.roles import role_group
from certificates.forms import CertificateTemplateForm
from certificates.models import CertificateTemplate
from certificates.rendering.pdf import (
    SAMPLE_HOLDER_NAME,
    _FontsOnlyFetcher,
    _logo_uri,
    certificate_pdf_context,
    certificate_template_preview_pdf,
)
from certificates.services import certificate_issue

pytestmark = pytest.mark.django_db

SAMPLE = "Oʻgʻiloy Toʻxtayeva"


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.CERTIFY_REQUIRE_STAFF_MFA = False


@pytest.fixture
def officer_user(django_user_model):
    user = django_user_model.objects.create_user(email="officer@example.uz", password="Parol-2026!", full_name="O")
    RoleAssignment.objects.create(user=user, group=role_group("certification_officer"))
    return user


def template_data(**overrides) -> dict:
    data = {
        "name": "Davlat xizmati",
        "title_uz": "MALAKA SERTIFIKATI",
        "title_ru": "СЕРТИФИКАТ О КВАЛИФИКАЦИИ",
        "title_en": "QUALIFICATION CERTIFICATE",
        "body_uz": "imtihonni muvaffaqiyatli topshirdi",
        "body_ru": "успешно сдал(а) экзамен",
        "body_en": "has successfully passed the examination",
        "issuer_name_uz": "Raqamli texnologiyalar vazirligi",
        "issuer_name_ru": "Министерство цифровых технологий",
        "issuer_name_en": "Ministry of Digital Technologies",
        "signatory_name_uz": "Gʻayrat Oʻroqov",
        "signatory_title_uz": "Direktor",
        "signatory_title_ru": "Директор",
        "second_language": "ru",
        "primary_colour": "#7a1f5c",
        "accent_colour": "#C9A227",
    }
    data.update(overrides)
    return data


def _text(pdf: bytes) -> str:
    """The PDF's text with line breaks as spaces (long titles wrap)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_preview_of_a_saved_template_is_a_sample_pdf_with_the_name_exactly(client, officer_user):
    template = CertificateTemplate.objects.create(**template_data())
    client.force_login(officer_user)
    response = client.get(reverse("certificates_admin:template_preview", args=[template.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert SAMPLE in text and SAMPLE_HOLDER_NAME == SAMPLE
    assert "NAMUNA" in text and "SAMPLE" in text
    assert "MALAKA SERTIFIKATI" in text and "СЕРТИФИКАТ О КВАЛИФИКАЦИИ" in text
    assert "Министерство цифровых технологий" in text and "Gʻayrat Oʻroqov" in text
    reader = PdfReader(io.BytesIO(response.content))
    assert not reader.attachments  # no signed credential in a sample


def test_the_preview_of_the_unsaved_form_saves_nothing(client, officer_user):
    client.force_login(officer_user)
    response = client.post(
        reverse("certificates_admin:template_preview_unsaved"),
        template_data(title_uz="YANGI SARLAVHA", second_language="en"),
    )
    assert response.status_code == 200
    text = _text(response.content)
    assert "YANGI SARLAVHA" in text and "QUALIFICATION CERTIFICATE" in text and SAMPLE in text
    assert not CertificateTemplate.objects.exists()


@pytest.mark.parametrize(
    "colour",
    ["red", "#12345", "#1234567", "#GGGGGG", "#123456;}body{display:none", "#12 456", "url(http://x)", ""],
)
def test_a_colour_that_is_not_rrggbb_is_refused(colour, client, officer_user):
    form = CertificateTemplateForm(data=template_data(primary_colour=colour))
    assert not form.is_valid() and "primary_colour" in form.errors
    with pytest.raises(ValidationError):
        CertificateTemplate(**template_data(accent_colour=colour)).full_clean()
    client.force_login(officer_user)
    response = client.post(reverse("certificates_admin:template_preview_unsaved"), template_data(accent_colour=colour))
    assert response.status_code == 400


def test_a_trailing_newline_is_refused_by_the_model_and_stripped_by_the_form():
    with pytest.raises(ValidationError):
        CertificateTemplate(**template_data(primary_colour="#123456\n")).full_clean()
    form = CertificateTemplateForm(data=template_data(primary_colour=" #123456\n"))
    assert form.is_valid() and form.cleaned_data["primary_colour"] == "#123456"


def test_a_bad_colour_that_bypassed_validation_never_reaches_the_style_sheet(passed_attempt):
    certificate = certificate_issue(attempt_id=passed_attempt.pk)
    template = CertificateTemplate(**template_data(primary_colour="#000000;} * {color:red"))
    context = certificate_pdf_context(certificate, site_url="https://certify.example", template=template)
    assert context["primary_colour"] == "#0B5CAD" and context["accent_colour"] == "#C9A227"


def test_colours_are_stored_upper_case_and_only_one_template_is_the_default():
    form = CertificateTemplateForm(data=template_data(is_default=True))
    assert form.is_valid(), form.errors
    first = form.save()
    assert first.primary_colour == "#7A1F5C"
    second = CertificateTemplateForm(data=template_data(name="Other", is_default=True))
    assert not second.is_valid() and "is_default" in second.errors


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_logo_is_read_from_media_only_and_nothing_else_is_fetched(tmp_path, settings):
    from wagtail.images.models import Image

    logo = Image.objects.create(title="logo", file=ImageFile(io.BytesIO(_png()), name="logo.png"))
    template = CertificateTemplate(**template_data(), logo=logo)
    uri = _logo_uri(template)
    assert uri is not None and uri.startswith("file://") and str(settings.MEDIA_ROOT) in uri
    fetcher = _FontsOnlyFetcher(extra=frozenset({uri}))
    for url in ("http://127.0.0.1/logo.png", "https://example.com/x.css", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="may not load"):
            fetcher.fetch(url)
    # A logo whose file lies outside MEDIA_ROOT is not printed.
    settings.MEDIA_ROOT = tmp_path / "elsewhere"
    assert _logo_uri(template) is None
    settings.MEDIA_ROOT = tmp_path / "media"
    pdf = certificate_template_preview_pdf(template)
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf


def test_an_exams_template_is_printed_on_its_certificates_and_snapshotted_on_the_row(exam, passed_attempt):
    template = CertificateTemplate.objects.create(**template_data(second_language="en"))
    template.exams.add(exam)
    certificate = certificate_issue(attempt_id=passed_attempt.pk)
    assert certificate.issuer_name == "Raqamli texnologiyalar vazirligi"
    assert certificate.signatory_name == "Gʻayrat Oʻroqov" and certificate.second_language == "en"
    with certificate.pdf.open("rb") as handle:
        text = _text(handle.read())
    assert "MALAKA SERTIFIKATI" in text and "QUALIFICATION CERTIFICATE" in text
    assert "has successfully passed the examination" in text
    assert "Ministry of Digital Technologies" in text
    # The issuer printed on the row stays when the template is edited later.
    template.issuer_name_uz = "Boshqa"
    template.save()
    certificate.refresh_from_db()
    assert certificate.issuer_name == "Raqamli texnologiyalar vazirligi"


def test_the_editor_has_a_preview_button_that_posts_the_unsaved_form(client, officer_user):
    client.force_login(officer_user)
    response = client.get(reverse("certificate_templates:add"))
    assert response.status_code == 200
    assert f'formaction="{reverse("certificates_admin:template_preview_unsaved")}"' in response.content.decode()
    template = CertificateTemplate.objects.create(**template_data())
    response = client.get(reverse("certificate_templates:edit", args=[template.pk]))
    assert (
        f'formaction="{reverse("certificates_admin:template_preview", args=[template.pk])}"'
        in response.content.decode()
    )
    # Saving through the editor validates the colours too.
    data = template_data(name="Saved", primary_colour="#abcdef", exams=[])
    response = client.post(reverse("certificate_templates:add"), data)
    assert response.status_code == 302
    assert CertificateTemplate.objects.get(name="Saved").primary_colour == "#ABCDEF"
