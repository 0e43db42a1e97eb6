"""Wording on the certification officer's screens that a new user tripped over (H14): in
Uzbek, the revoke action, the way back and the revoked status must read differently, and the
holder's name must stand alone (no suffix glued to it)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from certificates.models import Certificate, CertificateStatus
from tests.certificates.test_officer_admin import make_certificate, with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.CERTIFY_REQUIRE_STAFF_MFA = False


def _labels(html: str) -> tuple[str, str]:
    confirm = re.search(r'id="revoke-confirm"[^>]*>([^<]*)<', html).group(1).strip()
    back = re.search(r'id="revoke-back"[^>]*>([^<]*)<', html).group(1).strip()
    return confirm, back


@pytest.mark.parametrize("language", ["uz", "ru"])
def test_the_revoke_page_has_two_different_labels_and_they_differ_from_the_status(
    client, django_user_model, exam, candidate, language
):
    officer = with_role(django_user_model, "certification_officer", "officer-wording@example.uz")
    UserProfile.get_for_user(officer)
    UserProfile.objects.filter(user=officer).update(preferred_language=language)
    certificate = make_certificate(exam, candidate, name="Malika Karimova")
    client.force_login(officer)
    response = client.get(reverse("certificates_admin:revoke", args=[certificate.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    confirm, back = _labels(html)
    with translation.override(language):
        revoked = str(dict(CertificateStatus.choices)[CertificateStatus.REVOKED])
        cancel = translation.gettext("Cancel")
    assert confirm and back and confirm != back
    assert confirm not in (revoked, cancel) and back != revoked
    # No shared first word: "Bekor qilish" / "Bekor" / "Bekor qilingan" was the bug.
    assert len({confirm.split()[0].lower(), back.split()[0].lower(), revoked.split()[0].lower()}) == 3
    if language == "uz":
        assert "ʼ" in confirm  # eʼlon with U+02BC, not an ASCII apostrophe
        assert "Karimova ning" not in html and "Malika Karimova." in html


def test_the_uzbek_revocation_words_are_used_for_every_revocation_string():
    msgids = [  # looked up, not marked: the catalogues' own source references stay the app's
        "Revoked",
        "Revoke",
        "Revoked at",
        "Reason for revocation",
        "This certificate is already revoked.",
        "Revoked on %(date)s",
    ]
    with translation.override("uz"):
        texts = [str(dict(CertificateStatus.choices)[CertificateStatus.REVOKED])]
        texts += [translation.gettext(msgid) for msgid in msgids]
    for text in texts:
        assert "yaroqsiz" in text.lower(), text
        assert "bekor" not in text.lower(), text


def test_preview_and_review_read_differently_in_uzbek():
    with translation.override("uz"):
        preview = translation.gettext("Preview")
        review = translation.gettext("Review")
        preview_label = translation.gettext("Preview: %(label)s")
    assert preview != review
    assert preview.startswith("Oldindan koʻrish") and preview_label.startswith("Oldindan koʻrish")
    assert "Koʻrib chiqish" not in preview + preview_label


# --- the register: search by name with any apostrophe, by a code prefix; export status labels


@pytest.fixture
def officer(django_user_model):
    return with_role(django_user_model, "certification_officer", "officer-search@example.uz")


def _found(client, q: str) -> set[str]:
    response = client.get(reverse("certificates_admin:register"), {"q": q})
    assert response.status_code == 200
    return {certificate.serial for certificate in response.context["page"].object_list}


@pytest.mark.parametrize("typed", ["To'xtayeva", "To‘xtayeva", "To’xtayeva", "Toʼxtayeva", "To`xtayeva", "toʻxtayeva"])
def test_the_name_search_reads_every_apostrophe_as_the_okina(client, officer, exam, candidate, typed):
    wanted = make_certificate(exam, candidate, name="Oʻgʻiloy Toʻxtayeva")
    make_certificate(exam, candidate, name="Dilnoza Toxtayeva")
    client.force_login(officer)
    assert _found(client, typed) == {wanted.serial}


def _with_code(certificate, code: str):
    Certificate.objects.filter(pk=certificate.pk).update(verification_code=code)
    return certificate


@pytest.mark.parametrize("typed", ["3PYA-KCW8", "3pya-kcw8", "3PYAKCW8", "3pya kcw8", "3PYA-KCW8-M", "3pyakcw8m"])
def test_a_partial_verification_code_finds_by_prefix(client, officer, exam, candidate, typed):
    wanted = _with_code(make_certificate(exam, candidate, name="Ali Valiyev"), "3PYA-KCW8-MN2Q-7RST")
    _with_code(make_certificate(exam, candidate, name="Vali Aliyev"), "3PYA-XXXX-MN2Q-7RST")
    client.force_login(officer)
    assert _found(client, typed) == {wanted.serial}


def test_a_code_prefix_shorter_than_a_group_does_not_match_everything(client, officer, exam, candidate):
    _with_code(make_certificate(exam, candidate, name="Ali Valiyev"), "3PYA-KCW8-MN2Q-7RST")
    client.force_login(officer)
    assert _found(client, "3P") == set()


def test_the_csv_status_column_is_the_label_in_the_users_language_and_status_code_is_raw(
    client, officer, exam, candidate
):
    import csv
    import io

    from django.utils import timezone

    UserProfile.get_for_user(officer)
    UserProfile.objects.filter(user=officer).update(preferred_language="ru")
    revoked = make_certificate(exam, candidate, name="Ali Valiyev", revoked_at=timezone.now(), revocation_reason="x")
    client.force_login(officer)
    response = client.get(reverse("certificates_admin:export", args=["csv"]))
    assert response.status_code == 200
    with translation.override("en"):  # the stream is read under another language: it must not matter
        raw = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(raw)))
    with translation.override("ru"):
        label = str(CertificateStatus.REVOKED.label)
        status_header = translation.gettext("Status")
    assert row[0] == revoked.serial
    assert header[7] == status_header and row[7] == label and label != "revoked"
    assert header[-1] == "status_code" and row[-1] == "revoked"
