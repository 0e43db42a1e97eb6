"""An exam session in real Chromium (issue 7, Done when): the administrator enrols a cohort from
an XLSX file (dry run, then for real) and creates the session in the admin; the candidate
accepts the e-mailed invitation, sets a password, signs in, types the access code and starts;
the proctor, in a second browser context, watches the live view, sees "started", adds 10
minutes with a reason; the candidate's timer shows the longer time after a reload; the
candidate submits and the proctor's view turns to "submitted"."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import Organisation
from accounts.roles import EXAMINER, role_group, roles_setup
from exams.models import Attempt, ExamSession, ProctorAction
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kuchli-Parol-2026"


def _sign_in(page, base, email, password, next_url):
    page.goto(f"{base}/uz/accounts/login/?next={next_url}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form [type=submit]")


def _clock_seconds(page) -> int:
    minutes, seconds = page.text_content("#clock").strip().split(":")[-2:]
    return int(minutes) * 60 + int(seconds)


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _local(value) -> str:
    return timezone.localtime(value, timezone.get_fixed_timezone(5 * 60)).strftime("%Y-%m-%d %H:%M")


def test_a_cohort_enrolled_from_a_spreadsheet_sits_its_session_while_the_proctor_adds_time(
    page, browser, live_server, django_user_model, settings
):
    settings.CERTIFY_REQUIRE_STAFF_MFA = False
    roles_setup()
    category = CategoryFactory(name="Huquqiy asos")
    for n in range(3):
        approved_question(category=category, data=single_choice(f"Qonun {n}"))
    exam = ExamFactory(code="sessiya", time_limit_minutes=10, shuffle_items=False, attempts_allowed=1)
    blueprint(exam, [(category, 3)])
    Organisation.objects.create(name="Raqamli vazirlik")
    django_user_model.objects.create_superuser(email="admin@example.uz", password=PASSWORD, full_name="Administrator")
    proctor = django_user_model.objects.create_user(
        email="nazoratchi@example.uz", password=PASSWORD, full_name="Nazoratchi Oʻktam"
    )
    proctor.groups.add(role_group(EXAMINER))
    base = live_server.url

    # 1. The administrator enrols the cohort from an XLSX file: a dry run, then for real.
    _sign_in(page, base, "admin@example.uz", PASSWORD, "/admin/people/import/candidates/")
    page.wait_for_selector("#import-form")
    content = _xlsx(
        [
            ["full_name", "email", "organisation", "position", "cohort", "language"],
            ["Gʻayrat Oʻrinboyev", "gayrat@example.uz", "Raqamli vazirlik", "Mutaxassis", "Sessiya-2026", "uz"],
        ]
    )
    upload = {
        "name": "kohort.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": content,
    }
    page.set_input_files("input[name=file]", upload)
    assert page.is_checked("input[name=dry_run]")
    page.click("#import-form [type=submit]")
    page.wait_for_selector("#import-result")
    assert page.get_attribute("#import-result", "data-ok") == "true"
    assert page.get_attribute("#import-result", "data-dry-run") == "true"
    assert not django_user_model.objects.filter(email="gayrat@example.uz").exists()
    page.set_input_files("input[name=file]", upload)
    page.uncheck("input[name=dry_run]")
    page.click("#import-form [type=submit]")
    page.wait_for_selector("#import-result[data-dry-run='false']")
    assert page.get_attribute("#import-result", "data-created") == "1"
    candidate = django_user_model.objects.get(email="gayrat@example.uz")
    cohort = candidate.cohorts.get()

    # 2. The administrator creates the session in the admin, with an access code and a proctor.
    now = timezone.now()
    page.goto(f"{base}/admin/exam_sessions/new/")
    page.select_option("select[name=exam]", str(exam.pk))
    page.fill("input[name=name]", "1-xona, ertalab")
    page.select_option("select[name=cohort]", str(cohort.pk))
    page.fill("input[name=starts_at]", _local(now - timedelta(minutes=5)))
    page.fill("input[name=ends_at]", _local(now + timedelta(hours=2)))
    page.fill("input[name=access_code]", "K7M2QX")
    page.check(f"input[name=proctors][value='{proctor.pk}']")
    page.click("footer.footer button[type=submit]")
    page.wait_for_url("**/admin/exam_sessions/")
    session = ExamSession.objects.get()
    assert session.cohort == cohort and session.access_code == "K7M2QX"
    assert list(session.proctors.all()) == [proctor]

    # 3. The candidate opens the invitation from the e-mail, sets a password and signs in.
    invitation = next(message for message in mail.outbox if message.to == ["gayrat@example.uz"])
    link = re.search(r"https?://\S+/password/reset/key/\S+", invitation.body).group(0)
    candidate_context = browser.new_context(locale="uz-UZ", viewport={"width": 1280, "height": 900})
    candidate_context.set_default_timeout(15_000)
    sitter = candidate_context.new_page()
    sitter.goto(link)
    sitter.fill("input[name=password1]", PASSWORD)
    sitter.fill("input[name=password2]", PASSWORD)
    sitter.locator("form [type=submit]").first.click()
    sitter.wait_for_load_state()
    _sign_in(sitter, base, "gayrat@example.uz", PASSWORD, "/uz/exams/sessiya/")
    sitter.wait_for_url("**/exams/sessiya/")

    # 4. Start: the access code page first; a wrong code starts nothing, the right one starts.
    sitter.click("form[action$='/start/'] button")
    sitter.wait_for_selector("#access-code-form")
    sitter.fill("#access-code", "AAAAAA")
    sitter.click("#access-code-form [type=submit]")
    sitter.wait_for_selector("#access-code-error")
    assert not Attempt.objects.exists()
    sitter.fill("#access-code", "k7m2qx")
    sitter.click("#access-code-form [type=submit]")
    sitter.wait_for_selector("#attempt-form")
    attempt = Attempt.objects.get()
    assert attempt.session == session
    before = _clock_seconds(sitter)
    assert 9 * 60 <= before <= 10 * 60

    # 5. The proctor watches the live view and adds 10 minutes with a reason.
    proctor_context = browser.new_context(locale="uz-UZ", viewport={"width": 1280, "height": 900})
    proctor_context.set_default_timeout(15_000)
    watcher = proctor_context.new_page()
    _sign_in(watcher, base, "nazoratchi@example.uz", PASSWORD, "/admin/exams/sessions/")
    watcher.wait_for_selector(f"[data-live-link='{session.pk}']")
    watcher.click(f"[data-live-link='{session.pk}']")
    row = f"#live-table tr[data-candidate='{candidate.pk}']"
    watcher.wait_for_selector(f"{row}[data-state='started']")
    watcher.fill(f"{row} .proctor-add-time input[name=minutes]", "10")
    watcher.fill(f"{row} .proctor-add-time input[name=reason]", "Kompyuter qayta yuklandi")
    watcher.click(f"{row} .proctor-add-time [type=submit]")
    watcher.wait_for_selector(row)
    action = ProctorAction.objects.get()
    assert (action.kind, action.minutes, action.by_id) == ("add_time", 10, proctor.pk)
    attempt.refresh_from_db()
    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=20)

    # 6. The candidate's timer shows the longer time after a reload, then the candidate submits.
    sitter.reload()
    sitter.wait_for_selector("#attempt-form")
    after = _clock_seconds(sitter)
    assert after >= before + 9 * 60, (before, after)
    sitter.check("input[name='item-1-choice'][value='1']")
    sitter.click("button[name=goto][value=summary]")
    sitter.click("#submit-button")
    sitter.wait_for_selector("#result-banner")

    # 7. The proctor's view (polling every 10 s) shows "submitted".
    watcher.wait_for_selector(f"{row}[data-state='submitted']", timeout=40_000)
    attempt.refresh_from_db()
    assert attempt.state in ("submitted", "final")
    candidate_context.close()
    proctor_context.close()
