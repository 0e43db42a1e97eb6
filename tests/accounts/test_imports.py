"""Organisation tree and candidate enrolment from CSV/XLSX: dry run, an error per row, invitations."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from accounts.importing import ImportFileError, candidates_enrol, organisations_import
from accounts.invitations import invitations_enqueue
from accounts.models import Cohort, Organisation

pytestmark = pytest.mark.django_db

ORGANISATIONS_CSV = """name,parent,kind
Raqamli texnologiyalar vazirligi,,ministry
Elektron hukumat markazi,Raqamli texnologiyalar vazirligi,agency
Axborot xavfsizligi boʻlimi,Raqamli texnologiyalar vazirligi / Elektron hukumat markazi,department
Toshkent viloyati,,region
"""


def _xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _organisations():
    organisations_import(content=ORGANISATIONS_CSV.encode(), filename="orgs.csv")


def test_the_organisation_tree_is_built_from_names_and_paths():
    result = organisations_import(content=ORGANISATIONS_CSV.encode(), filename="orgs.csv")
    assert result.ok and result.created == 4
    department = Organisation.objects.get(name="Axborot xavfsizligi boʻlimi")
    assert department.kind == "department"
    assert (
        department.path == "Raqamli texnologiyalar vazirligi / Elektron hukumat markazi / Axborot xavfsizligi boʻlimi"
    )
    again = organisations_import(content=ORGANISATIONS_CSV.encode(), filename="orgs.csv")
    assert (again.created, again.unchanged) == (0, 4)


def test_a_dry_run_reports_what_it_would_create_and_writes_nothing():
    result = organisations_import(content=ORGANISATIONS_CSV.encode(), filename="orgs.csv", dry_run=True)
    assert result.ok and result.created == 4
    assert not Organisation.objects.exists()


def test_each_wrong_organisation_row_gets_its_own_error_and_nothing_is_written():
    content = "name,parent,kind\nVazirlik,,ministry\n,,agency\nBoʻlim,Yoʻq,department\nAgentlik,Vazirlik,galaxy\n"
    result = organisations_import(content=content.encode(), filename="orgs.csv")
    assert [line for line, _ in result.errors] == [3, 4, 5]
    assert "Yoʻq" in result.errors[1][1]
    assert "galaxy" in result.errors[2][1]
    assert not Organisation.objects.exists()


def test_organisations_are_read_from_xlsx_too():
    content = _xlsx([["Name", "Parent", "Kind"], ["Vazirlik", None, "ministry"], ["Agentlik", "Vazirlik", "agency"]])
    result = organisations_import(content=content, filename="orgs.xlsx")
    assert result.ok
    assert Organisation.objects.get(name="Agentlik").parent.name == "Vazirlik"


def test_a_file_that_is_not_csv_or_xlsx_is_refused_clearly():
    with pytest.raises(ImportFileError):
        organisations_import(content=b"%PDF-1.7", filename="orgs.pdf")
    with pytest.raises(ImportFileError):
        organisations_import(content=b"not a zip", filename="orgs.xlsx")


def test_the_command_prints_one_line_per_problem_and_exits_1(tmp_path, capsys):
    path = tmp_path / "orgs.csv"
    path.write_text("name,parent\nA,\nB,Nowhere\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_organisations", str(path))
    assert exit_info.value.code == 1
    assert f"{path}:3: " in capsys.readouterr().err
    assert not Organisation.objects.exists()


def _enrolment_csv() -> bytes:
    return (
        "full_name,email,organisation,position,cohort,language\n"
        "Oʻgʻiloy Toʻxtayeva,oygiloy@example.uz,Elektron hukumat markazi,Bosh mutaxassis,2026-bahor,uz\n"
        "Дилноза Рахимова,dilnoza@example.uz,Toshkent viloyati,Специалист,2026-bahor,ru\n"
    ).encode()


def test_candidates_are_enrolled_into_a_cohort_with_no_usable_password():
    _organisations()
    result = candidates_enrol(content=_enrolment_csv(), filename="people.csv")
    assert result.ok and result.created == 2
    user = get_user_model().objects.get(email="oygiloy@example.uz")
    assert user.full_name == "Oʻgʻiloy Toʻxtayeva"
    assert user.organisation.name == "Elektron hukumat markazi"
    assert not user.has_usable_password()
    assert set(Cohort.objects.get(name="2026-bahor").members.values_list("email", flat=True)) == {
        "oygiloy@example.uz",
        "dilnoza@example.uz",
    }


def test_each_wrong_enrolment_row_gets_its_own_error_and_nobody_is_created():
    _organisations()
    content = (
        "full_name,email,organisation,position\n"
        "Ali Valiyev,ali@example.uz,Elektron hukumat markazi,Mutaxassis\n"
        "Bad Mail,not-an-email,Elektron hukumat markazi,x\n"
        "No Org,noorg@example.uz,Yoʻq tashkilot,x\n"
        "Twice,ali@example.uz,Elektron hukumat markazi,x\n"
        ",empty@example.uz,Elektron hukumat markazi,x\n"
    ).encode()
    result = candidates_enrol(content=content, filename="people.csv")
    assert [line for line, _ in result.errors] == [3, 4, 5, 6]
    assert "line 2" in result.errors[2][1]
    assert not get_user_model().objects.filter(email="ali@example.uz").exists()


def test_a_dry_run_enrols_nobody_and_sends_nothing(mailoutbox):
    _organisations()
    result = candidates_enrol(content=_enrolment_csv(), filename="people.csv", dry_run=True)
    assert result.ok and result.created == 2 and result.created_ids == []
    assert not get_user_model().objects.filter(email="oygiloy@example.uz").exists()
    assert mailoutbox == []


def test_invitations_go_out_in_each_candidates_language_and_the_link_sets_a_password(
    client, mailoutbox, tmp_path, django_capture_on_commit_callbacks
):
    _organisations()
    path = tmp_path / "people.xlsx"
    rows = [line.split(",") for line in _enrolment_csv().decode().strip().split("\n")]
    path.write_bytes(_xlsx(rows))
    # Invitations are queued when the enrolment commits.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("enrol_candidates", str(path))
    assert sorted(message.to[0] for message in mailoutbox) == ["dilnoza@example.uz", "oygiloy@example.uz"]
    by_address = {message.to[0]: message for message in mailoutbox}
    russian, uzbek = by_address["dilnoza@example.uz"], by_address["oygiloy@example.uz"]
    assert "/ru/accounts/password/reset/key/" in russian.body
    assert "/uz/accounts/password/reset/key/" in uzbek.body
    assert "Дилноза Рахимова" in russian.body
    url = re.search(r"https?://\S+/reset/key/\S+/", uzbek.body).group(0)
    path_only = "/" + url.split("/", 3)[3]
    response = client.get(path_only, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path_only
    response = client.post(form_url, {"password1": "Yangi-Parol-2026", "password2": "Yangi-Parol-2026"})
    assert response.status_code == 302
    user = get_user_model().objects.get(email="oygiloy@example.uz")
    assert user.check_password("Yangi-Parol-2026")
    # Idempotent: once the password is set, a second invitation is not sent.
    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        invitations_enqueue(user_ids=[user.pk])
    assert len(mailoutbox) == sent


def test_the_admin_enrolment_page_runs_a_dry_run_then_the_import(client, staff_factory):
    _organisations()
    administrator = staff_factory("administrator")
    client.force_login(administrator)
    url = reverse("accounts_enrol_candidates")
    assert client.get(url).status_code == 200
    upload = io.BytesIO(_enrolment_csv())
    upload.name = "people.csv"
    response = client.post(url, {"file": upload, "dry_run": "on", "invite": ""})
    assert response.status_code == 200
    assert response.context["result"].ok and response.context["result"].dry_run
    assert not get_user_model().objects.filter(email="dilnoza@example.uz").exists()
    upload = io.BytesIO(_enrolment_csv())
    upload.name = "people.csv"
    response = client.post(url, {"file": upload, "invite": ""})
    assert response.context["result"].created == 2
    assert get_user_model().objects.filter(email="dilnoza@example.uz").exists()


def test_an_examiner_cannot_open_the_enrolment_page(client, staff_factory):
    client.force_login(staff_factory("examiner"))
    assert client.get(reverse("accounts_enrol_candidates")).status_code in (302, 403)
