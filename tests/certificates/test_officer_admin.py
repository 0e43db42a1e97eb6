"""The certification officer's register in the Wagtail admin: search, detail, revoke,
reissue, export (CSV, XLSX), and who may open each screen."""

from __future__ import annotations

import csv
import datetime
import io
import unicodedata

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import RoleAssignment
from accounts.roles import role_group
from certificates.models import Certificate, CertificateEvent, CertificateEventAction, tashkent_today
from certificates.services import certificate_issue
from tests.certificates.conftest import make_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    # Staff MFA has its own tests (tests/accounts); the officer's screens are under test here.
    settings.CERTIFY_REQUIRE_STAFF_MFA = False


def with_role(django_user_model, role: str, email: str):
    user = django_user_model.objects.create_user(email=email, password="Parol-2026!", full_name=f"Staff {role}")
    RoleAssignment.objects.create(user=user, group=role_group(role))
    return user


@pytest.fixture
def officer_user(django_user_model):
    return with_role(django_user_model, "certification_officer", "officer@example.uz")


_counter = iter(range(1, 10_000))


def make_certificate(exam, holder, *, name: str, issued_on=None, expires_on=None, **fields) -> Certificate:
    """A certificate row made with the ORM (no signing, no PDF): the register only reads rows."""
    n = next(_counter)
    issued_on = issued_on or tashkent_today()
    return Certificate.objects.create(
        holder=holder,
        exam=exam,
        attempt=make_attempt(exam, holder, number=n),
        serial=f"TEST-{issued_on.year}-{n:06d}",
        verification_code=f"AAAA-BBBB-CCCC-{n:04d}",
        holder_name=name,
        qualification_uz=exam.title_uz,
        qualification_ru=exam.title_ru,
        issued_on=issued_on,
        expires_on=expires_on,
        issuer_name="Issuer",
        signing_key_id="kid",
        credential="AAAA",
        **fields,
    )


def _serials(response) -> list[str]:
    return sorted(certificate.serial for certificate in response.context["page"].object_list)


def test_the_officer_searches_by_serial_code_name_exam_status_and_dates(client, officer_user, exam, candidate):
    today = tashkent_today()
    valid = make_certificate(exam, candidate, name="Oʻgʻiloy Toʻxtayeva", expires_on=today + datetime.timedelta(days=9))
    expired = make_certificate(
        exam, candidate, name="Дилноза Рахимова", issued_on=today - datetime.timedelta(days=400), expires_on=today
    )
    expired.expires_on = today - datetime.timedelta(days=1)
    expired.save()
    revoked = make_certificate(exam, candidate, name="Ali Valiyev", revoked_at=timezone.now(), revocation_reason="x")
    client.force_login(officer_user)
    url = reverse("certificates_admin:register")

    assert _serials(client.get(url)) == sorted([valid.serial, expired.serial, revoked.serial])
    assert _serials(client.get(url, {"q": valid.serial.lower()})) == [valid.serial]
    # A code typed in lower case, without dashes and with a look-alike letter is found.
    typed = expired.verification_code.replace("-", "").lower().replace("0", "o")
    assert _serials(client.get(url, {"q": typed})) == [expired.serial]
    # The name as typed in decomposed form (NFD) is normalised to NFC before the search.
    assert _serials(client.get(url, {"q": unicodedata.normalize("NFD", "Toʻxtayeva")})) == [valid.serial]
    assert _serials(client.get(url, {"status": "valid"})) == [valid.serial]
    assert _serials(client.get(url, {"status": "expired"})) == [expired.serial]
    assert _serials(client.get(url, {"status": "revoked"})) == [revoked.serial]
    assert _serials(client.get(url, {"issued_to": str(today - datetime.timedelta(days=1))})) == [expired.serial]
    assert _serials(client.get(url, {"exam": exam.pk, "issued_from": str(today)})) == sorted(
        [valid.serial, revoked.serial]
    )
    # Malformed and hostile filters: a clear form error, no results, no server error.
    response = client.get(url, {"issued_from": "2026-13-45", "q": "x" * 5000})
    assert response.status_code == 200
    assert response.context["page"] is None
    assert set(response.context["form"].errors) == {"issued_from", "q"}


def test_the_register_page_costs_the_same_number_of_queries_for_3_or_40_certificates(
    client, officer_user, exam, candidate
):
    client.force_login(officer_user)
    url = reverse("certificates_admin:register")
    for _ in range(3):
        make_certificate(exam, candidate, name="A")
    client.get(url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(37):
        make_certificate(exam, candidate, name="B", revoked_at=timezone.now(), revocation_reason="r")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 40
    assert len(many) == len(few)


def test_the_detail_page_shows_the_facts_the_events_and_the_links(client, officer_user, passed_attempt):
    certificate = certificate_issue(attempt_id=passed_attempt.pk)
    client.force_login(officer_user)
    response = client.get(reverse("certificates_admin:detail", args=[certificate.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert certificate.verification_code in body and certificate.holder_name in body
    assert f'href="/v/{certificate.verification_code}"' in body
    assert [event.action for event in response.context["events"]] == [CertificateEventAction.ISSUED]
    pdf = client.get(reverse("certificates_admin:pdf", args=[certificate.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_revoking_asks_for_a_reason_on_a_confirmation_page_and_twice_changes_nothing(
    client, officer_user, exam, candidate
):
    certificate = make_certificate(exam, candidate, name="Ali Valiyev")
    client.force_login(officer_user)
    url = reverse("certificates_admin:revoke", args=[certificate.pk])
    assert client.get(url).status_code == 200
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None  # a GET changes nothing

    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None

    response = client.post(url, {"reason": "Fraud found by the exam board"}, follow=True)
    assert response.redirect_chain[0][0] == reverse("certificates_admin:detail", args=[certificate.pk])
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    revoked = Certificate.objects.get(pk=certificate.pk)
    assert revoked.revoked_at is not None and revoked.revocation_reason == "Fraud found by the exam board"
    assert revoked.revoked_by == officer_user

    response = client.post(url, {"reason": "again"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    again = Certificate.objects.get(pk=certificate.pk)
    assert (again.revoked_at, again.revocation_reason) == (revoked.revoked_at, revoked.revocation_reason)
    assert CertificateEvent.objects.filter(certificate=certificate, action="revoked").count() == 1


def test_a_reissue_with_a_corrected_name_supersedes_and_shows_the_new_certificate(
    client, officer_user, passed_attempt, django_capture_on_commit_callbacks
):
    old = certificate_issue(attempt_id=passed_attempt.pk)
    client.force_login(officer_user)
    corrected = unicodedata.normalize("NFD", "Oʻgʻiloy Toʻxtayeva-Karimova")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("certificates_admin:reissue", args=[old.pk]), {"holder_name": corrected, "reason": "Passport name"}
        )
    old.refresh_from_db()
    assert old.superseded_by is not None
    new = old.superseded_by
    assert response.status_code == 302 and response["Location"] == reverse("certificates_admin:detail", args=[new.pk])
    assert new.holder_name == unicodedata.normalize("NFC", corrected) and "ʻ" in new.holder_name
    assert new.serial != old.serial and new.verification_code != old.verification_code
    assert client.get(reverse("certificates_admin:detail", args=[old.pk])).context["status"] == "superseded"
    # An empty name is refused and nothing changes.
    response = client.post(reverse("certificates_admin:reissue", args=[new.pk]), {"holder_name": " ", "reason": "x"})
    assert response.status_code == 200 and "holder_name" in response.context["form"].errors
    assert Certificate.objects.count() == 2


def _csv(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # UTF-8 byte order mark: Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_csv_export_keeps_cyrillic_and_the_okina_and_defuses_formulas(client, officer_user, exam, candidate):
    formula = make_certificate(exam, candidate, name='=HYPERLINK("x")')
    cyrillic = make_certificate(exam, candidate, name="Дилноза Рахимова")
    okina = make_certificate(
        exam, candidate, name="Oʻgʻiloy Toʻxtayeva", revoked_at=timezone.now(), revocation_reason="@SUM(1)"
    )
    client.force_login(officer_user)
    response = client.get(reverse("certificates_admin:export", args=["csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, *rows = _csv(response)
    assert len(header) == 12 and header[11] == "status_code"
    by_serial = {row[0]: row for row in rows}
    assert set(by_serial) == {formula.serial, cyrillic.serial, okina.serial}
    assert by_serial[formula.serial][2] == '\'=HYPERLINK("x")'
    assert by_serial[cyrillic.serial][2] == "Дилноза Рахимова"
    assert by_serial[okina.serial][2] == "Oʻgʻiloy Toʻxtayeva"
    # "Status" is the translated label, "status_code" (last) the code for machines.
    assert by_serial[okina.serial][11] == "revoked" and by_serial[okina.serial][9] == "'@SUM(1)"
    assert by_serial[cyrillic.serial][11] == "valid"
    assert by_serial[okina.serial][7] not in ("", "revoked") and by_serial[cyrillic.serial][7] not in ("", "valid")
    assert by_serial[cyrillic.serial][5] == str(cyrillic.issued_on)
    # The export is in the audit log: who, which filter, how many rows.
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Certificate), object_pk="register")
    assert entry.actor == officer_user and entry.action == LogEntry.Action.ACCESS
    assert entry.additional_data["rows"] == 3 and entry.additional_data["export"] == "csv"


def test_the_xlsx_export_follows_the_filter_and_holds_text_not_formulas(client, officer_user, exam, candidate):
    from openpyxl import load_workbook

    formula = make_certificate(exam, candidate, name='=HYPERLINK("x")')
    make_certificate(exam, candidate, name="Other", revoked_at=timezone.now(), revocation_reason="r")
    client.force_login(officer_user)
    response = client.get(reverse("certificates_admin:export", args=["xlsx"]), {"status": "valid"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # the header and the one valid certificate
    assert rows[1][0] == formula.serial and rows[1][2] == '\'=HYPERLINK("x")'
    assert sheet.cell(row=2, column=3).data_type == "s"
    assert rows[1][5] == datetime.datetime.combine(formula.issued_on, datetime.time())
    entry = LogEntry.objects.get(object_pk="register")
    assert entry.additional_data["filter"]["status"] == "valid" and entry.additional_data["rows"] == 1


def test_an_unknown_export_format_is_not_found(client, officer_user):
    client.force_login(officer_user)
    assert client.get("/admin/certificates/export.pdf").status_code == 404


def _refused(response, path: str) -> bool:
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and response["Location"].split("?")[0] != path


@pytest.mark.parametrize("role", [None, "candidate", "trainer", "analyst", "examiner"])
def test_only_officers_and_administrators_reach_the_register_and_only_officers_change_it(
    client, django_user_model, role, exam, candidate
):
    from certificates.models import CertificateTemplate

    certificate = make_certificate(exam, candidate, name="Ali Valiyev")
    template = CertificateTemplate.objects.create(name="T", title_uz="SERTIFIKAT", body_uz="b", issuer_name_uz="I")
    if role == "candidate":
        client.force_login(candidate)
    elif role is not None:
        client.force_login(with_role(django_user_model, role, f"{role}@example.uz"))
    pk = certificate.pk
    gets = [
        reverse("certificates_admin:register"),
        reverse("certificates_admin:export", args=["csv"]),
        reverse("certificates_admin:export", args=["xlsx"]),
        reverse("certificates_admin:detail", args=[pk]),
        reverse("certificates_admin:pdf", args=[pk]),
        reverse("certificates_admin:revoke", args=[pk]),
        reverse("certificates_admin:reissue", args=[pk]),
        reverse("certificates_admin:template_preview", args=[template.pk]),
    ]
    for path in gets:
        response = client.get(path)
        assert _refused(response, path), (path, response.status_code)
        if role is None:
            assert "login" in response["Location"], path
    posts = {
        reverse("certificates_admin:revoke", args=[pk]): {"reason": "r"},
        reverse("certificates_admin:reissue", args=[pk]): {"holder_name": "New", "reason": "r"},
        reverse("certificates_admin:template_preview_unsaved"): {"name": "x"},
    }
    for path, data in posts.items():
        response = client.post(path, data)
        assert _refused(response, path), (path, response.status_code)
    certificate.refresh_from_db()
    assert certificate.revoked_at is None and certificate.superseded_at is None
    assert not LogEntry.objects.filter(object_pk="register").exists()


def test_an_administrator_reads_and_exports_the_register_but_cannot_revoke(client, django_user_model, exam, candidate):
    certificate = make_certificate(exam, candidate, name="Ali Valiyev")
    client.force_login(with_role(django_user_model, "administrator", "admin@example.uz"))
    assert client.get(reverse("certificates_admin:register")).status_code == 200
    assert client.get(reverse("certificates_admin:detail", args=[certificate.pk])).status_code == 200
    assert client.get(reverse("certificates_admin:export", args=["csv"])).status_code == 200
    path = reverse("certificates_admin:revoke", args=[certificate.pk])
    assert _refused(client.post(path, {"reason": "r"}), path)
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
