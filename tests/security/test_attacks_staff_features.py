"""Attacks on the staff features of issues 5, 6 and 7 (helper H15):

- exam sessions and proctoring: another session's ids, an examiner or exam manager limited
  to one organisation acting on a candidate of another, malformed minutes and reasons, a
  second restart, CSRF on the actions, access codes of another session, a start outside the
  window by a direct post, the live JSON's fields, script in names on the live view;
- the officer's reissue form: names with line separators, bidi overrides and huge lengths;
- the site search: huge, hostile and malformed queries and page numbers.

Assertions are on status codes, database rows and data attributes, not on English text.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Cohort, Organisation
from exams.models import Attempt, AttemptState, ExamOverride, ExamSession, ProctorAction
from exams.services import attempts as svc
from exams.services import sessions
from tests.accounts.conftest import make_staff
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture(autouse=True)
def _english_fresh_cache_and_no_staff_mfa(settings):
    settings.CERTIFY_REQUIRE_STAFF_MFA = False
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def exam():
    category = CategoryFactory()
    for _ in range(4):
        approved_question(category=category)
    exam = ExamFactory(attempts_allowed=1, time_limit_minutes=30)
    blueprint(exam, [(category, 2)])
    return exam


@pytest.fixture
def orgs():
    return Organisation.objects.create(name="Vazirlik X"), Organisation.objects.create(name="Vazirlik Y")


@pytest.fixture
def manager(django_user_model):
    return make_staff(django_user_model, "exam_manager", mfa=False)


@pytest.fixture
def proctor(django_user_model):
    return make_staff(django_user_model, "examiner", email="proctor@example.uz", mfa=False)


def _session(exam, cohort, manager, *, name="Xona 1", proctors=(), code="", minutes_ago=5, hours=2):
    now = timezone.now()
    session = ExamSession.objects.create(
        exam=exam,
        name=name,
        cohort=cohort,
        starts_at=now - timedelta(minutes=minutes_ago),
        ends_at=now + timedelta(hours=hours),
        access_code=code,
        created_by=manager,
    )
    session.proctors.add(*proctors)
    return session


@pytest.fixture
def two_sessions(exam, candidate, other_candidate, manager, proctor, django_user_model):
    """Session A (proctored by ``proctor``, ``candidate``) and session B (another proctor,
    ``other_candidate``), both open, each with an attempt in progress."""
    cohort_a, cohort_b = Cohort.objects.create(name="A"), Cohort.objects.create(name="B")
    cohort_a.members.add(candidate)
    cohort_b.members.add(other_candidate)
    proctor_b = make_staff(django_user_model, "examiner", email="proctor-b@example.uz", mfa=False)
    a = _session(exam, cohort_a, manager, name="A", proctors=[proctor])
    b = _session(exam, cohort_b, manager, name="B", proctors=[proctor_b])
    attempt_a = svc.attempt_start(exam=exam, candidate=candidate, session=a)
    attempt_b = svc.attempt_start(exam=exam, candidate=other_candidate, session=b)
    return a, b, attempt_a, attempt_b


def _add_time(client, session, attempt_id, minutes="10", reason="Kompyuter qotib qoldi"):
    data = {"action": "add_time", "attempt": attempt_id, "minutes": minutes, "reason": reason}
    return client.post(reverse("exams_admin:session_action", args=[session.pk]), data)


# --- A. sessions and proctoring ---------------------------------------------------------------


def test_a_proctor_of_one_session_cannot_read_or_act_on_another(client, proctor, two_sessions):
    a, b, _attempt_a, attempt_b = two_sessions
    client.force_login(proctor)
    # Wagtail answers a PermissionDenied in the admin with a redirect to the dashboard.
    assert client.get(reverse("exams_admin:session_live", args=[b.pk])).status_code in (302, 403)
    refused = client.get(reverse("exams_admin:session_live_json", args=[b.pk]))
    assert refused.status_code in (302, 403) and b"rows" not in refused.content
    assert _add_time(client, b, attempt_b.pk).status_code in (302, 403)
    # Session A's URL with session B's attempt id: no such attempt in A, nothing written.
    assert _add_time(client, a, attempt_b.pk).status_code == 302
    restart = {"action": "restart", "attempt": attempt_b.pk, "reason": "x"}
    client.post(reverse("exams_admin:session_action", args=[a.pk]), restart)
    attempt_b.refresh_from_db()
    assert attempt_b.state == AttemptState.IN_PROGRESS
    assert attempt_b.deadline_at == attempt_b.started_at + timedelta(minutes=30)
    assert not ProctorAction.objects.exists() and not ExamOverride.objects.exists()


@pytest.mark.parametrize("role", ["examiner", "exam_manager"])
def test_staff_limited_to_one_organisation_cannot_act_on_or_see_anothers_candidate(
    client, exam, candidate, other_candidate, manager, orgs, role, django_user_model
):
    """Issue 7: "an examiner limited to one organisation sees only its candidates". Named a
    proctor of (or managing) a session whose cohort spans two organisations, the staff member
    limited to X neither sees Y's candidate in the live view or its JSON nor adds time or
    allows a restart for them."""
    org_x, org_y = orgs
    candidate.organisation = org_x
    candidate.save()
    other_candidate.organisation = org_y
    other_candidate.save()
    cohort = Cohort.objects.create(name="Aralash")
    cohort.members.add(candidate, other_candidate)
    limited = make_staff(django_user_model, role, email=f"{role}-x@example.uz", mfa=False, organisation=org_x)
    session = _session(exam, cohort, manager, proctors=[limited] if role == "examiner" else [])
    mine = svc.attempt_start(exam=exam, candidate=candidate, session=session)
    theirs = svc.attempt_start(exam=exam, candidate=other_candidate, session=session)
    client.force_login(limited)
    rows = client.get(reverse("exams_admin:session_live_json", args=[session.pk])).json()["rows"]
    assert [row["candidate_id"] for row in rows] == [candidate.pk]
    page = client.get(reverse("exams_admin:session_live", args=[session.pk]))
    assert page.status_code == 200
    assert f'data-candidate="{candidate.pk}"'.encode() in page.content
    assert f'data-candidate="{other_candidate.pk}"'.encode() not in page.content
    _add_time(client, session, theirs.pk)
    restart = {"action": "restart", "attempt": theirs.pk, "reason": "x"}
    client.post(reverse("exams_admin:session_action", args=[session.pk]), restart)
    with pytest.raises(PermissionDenied):
        sessions.session_add_time(session=session, attempt_id=theirs.pk, minutes=5, by=limited, reason="x")
    theirs.refresh_from_db()
    assert theirs.state == AttemptState.IN_PROGRESS
    assert theirs.deadline_at == theirs.started_at + timedelta(minutes=30)
    assert not ProctorAction.objects.exists() and not ExamOverride.objects.exists()
    # Their own organisation's candidate: allowed.
    assert _add_time(client, session, mine.pk, minutes="5").status_code == 302
    mine.refresh_from_db()
    assert mine.deadline_at == mine.started_at + timedelta(minutes=35)


@pytest.mark.parametrize(
    "minutes", ["-5", "0", "181", "100000", "abc", "", "1e3", "5.5", "9" * 5000, " 10; DROP TABLE x"]
)
def test_add_time_with_malformed_minutes_changes_nothing(client, proctor, two_sessions, minutes):
    a, _b, attempt_a, _ = two_sessions
    client.force_login(proctor)
    response = _add_time(client, a, attempt_a.pk, minutes=minutes)
    assert response.status_code == 302
    attempt_a.refresh_from_db()
    assert attempt_a.deadline_at == attempt_a.started_at + timedelta(minutes=30)
    assert not ProctorAction.objects.exists() and not ExamOverride.objects.exists()


@pytest.mark.parametrize("reason", ["", "   \n\t ", "x" * 100_000])
def test_add_time_and_restart_refuse_an_empty_or_huge_reason(client, proctor, two_sessions, reason):
    a, _b, attempt_a, _ = two_sessions
    client.force_login(proctor)
    _add_time(client, a, attempt_a.pk, reason=reason)
    client.post(
        reverse("exams_admin:session_action", args=[a.pk]),
        {"action": "restart", "attempt": attempt_a.pk, "reason": reason},
    )
    attempt_a.refresh_from_db()
    assert attempt_a.state == AttemptState.IN_PROGRESS
    assert not ProctorAction.objects.exists() and not ExamOverride.objects.exists()


def test_a_second_restart_of_the_same_attempt_grants_nothing_more(client, exam, candidate, proctor, two_sessions):
    a, _b, attempt_a, _ = two_sessions
    client.force_login(proctor)
    url = reverse("exams_admin:session_action", args=[a.pk])
    for _ in range(3):
        client.post(url, {"action": "restart", "attempt": attempt_a.pk, "reason": "Elektr uzildi"})
    assert ProctorAction.objects.filter(kind="restart").count() == 1
    from exams import selectors

    assert selectors.candidate_rules(exam=exam, user=candidate).attempts_allowed == 2
    # Restarting the submitted (old) attempt again is refused too; the unknown action is refused.
    client.post(url, {"action": "delete", "attempt": attempt_a.pk, "reason": "x"})
    assert ProctorAction.objects.count() == 1


def test_the_proctor_actions_need_the_csrf_token_and_a_post(proctor, two_sessions):
    a, _b, attempt_a, _ = two_sessions
    client = Client(enforce_csrf_checks=True)
    client.force_login(proctor)
    url = reverse("exams_admin:session_action", args=[a.pk])
    data = {"action": "add_time", "attempt": attempt_a.pk, "minutes": "10", "reason": "x"}
    assert client.post(url, data).status_code == 403
    assert client.get(url, data).status_code == 405
    assert not ProctorAction.objects.exists()


def test_an_access_code_opens_only_its_own_session(client, exam, candidate, manager):
    """Two sessions of the same exam for the same cohort, back to back: the code of the open
    one does not start the later one (a direct post to its code page), and the later one's
    code does not unlock the open one."""
    cohort = Cohort.objects.create(name="C")
    cohort.members.add(candidate)
    open_now = _session(exam, cohort, manager, name="now", code="AAAA11")
    later = ExamSession.objects.create(
        exam=exam,
        name="later",
        cohort=cohort,
        starts_at=timezone.now() + timedelta(hours=3),
        ends_at=timezone.now() + timedelta(hours=5),
        access_code="BBBB22",
        created_by=manager,
    )
    client.force_login(candidate)
    code_url = reverse("exams:session_code", args=[exam.code, open_now.pk])
    assert client.post(code_url, {"access_code": "BBBB22"}).status_code == 400
    # The later session's right code, posted directly: outside its window, nothing starts.
    later_url = reverse("exams:session_code", args=[exam.code, later.pk])
    response = client.post(later_url, {"access_code": "BBBB22"})
    assert response.status_code == 409
    assert not Attempt.objects.exists()
    # The start button still asks for the open session's code.
    start = client.post(reverse("exams:start", args=[exam.code]))
    assert start.status_code == 302 and start["Location"].endswith(code_url)
    assert not Attempt.objects.exists()


def test_access_code_guesses_are_limited_per_candidate_even_from_new_browser_sessions(
    exam, candidate, manager, settings
):
    settings.CERTIFY_ACCESS_CODE_RATE = "3/15m"
    cohort = Cohort.objects.create(name="C")
    cohort.members.add(candidate)
    session = _session(exam, cohort, manager, code="QQQQ77")
    url = reverse("exams:session_code", args=[exam.code, session.pk])
    statuses = []
    for guess in ("AAAA00", "AAAA01", "AAAA02", "QQQQ77"):
        browser = Client(REMOTE_ADDR=f"10.0.0.{len(statuses) + 1}")  # a new cookie jar and address each time
        browser.force_login(candidate)
        statuses.append(browser.post(url, {"access_code": guess}).status_code)
    assert statuses == [400, 400, 400, 429]
    assert not Attempt.objects.exists()


def test_the_live_json_carries_no_pinfl_answers_or_emails(client, proctor, two_sessions, candidate):
    a, _b, attempt_a, _ = two_sessions
    candidate.pinfl = "31234567890123"
    candidate.save()
    item = attempt_a.items.order_by("position").first()
    svc.answer_save(attempt_id=attempt_a.pk, candidate=candidate, position=item.position, response={"text": "SIR"})
    client.force_login(proctor)
    response = client.get(reverse("exams_admin:session_live_json", args=[a.pk]))
    body = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "31234567890123" not in body and "SIR" not in body and "pinfl" not in body
    assert candidate.email not in body
    assert set(response.json()["rows"][0]) == {
        "candidate_id",
        "name",
        "state",
        "attempt_id",
        "attempt_number",
        "seconds_left",
        "deadline",
        "last_saved",
        "attempts",
    }


def test_script_in_session_and_candidate_names_is_escaped_on_the_live_view(client, proctor, two_sessions, candidate):
    a, _b, _attempt_a, _ = two_sessions
    a.name = XSS
    a.save()
    candidate.full_name = XSS
    candidate.save()
    client.force_login(proctor)
    page = client.get(reverse("exams_admin:session_live", args=[a.pk])).content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)" in page
    listing = client.get(reverse("exams_admin:sessions")).content.decode()
    assert "<script>alert(1)" not in listing
    script = (Path(django_settings.BASE_DIR) / "exams/static/exams/proctor.js").read_text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "document.write" not in script


# --- B. the officer's reissue form --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "A" * 10_000,
        "Ali\u202eValiyev",
        "Ali\u2028Valiyev",
        "Ali\u2029Valiyev",
        "Ali\x00Valiyev",
        "Ali\u200bValiyev",
        "Ali\ue000Valiyev",
    ],
)
def test_the_reissue_form_refuses_names_that_cannot_print_as_typed(name):
    from certificates.forms import ReissueForm

    form = ReissueForm(data={"holder_name": name, "reason": "Ism xato yozilgan"})
    assert not form.is_valid() and "holder_name" in form.errors


def test_the_reissue_form_keeps_html_and_uzbek_letters_as_typed():
    from certificates.forms import ReissueForm

    name = "<b>Oʻgʻiloy</b> Toʻxtayeva & Co"
    form = ReissueForm(data={"holder_name": name, "reason": "x"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["holder_name"] == name


# --- C. the site search --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 100_000},
        {"q": '"unterminated'},
        {"q": "a OR b AND NOT c NEAR(d) *"},
        {"q": "'; DROP TABLE wagtailcore_page; --"},
        {"q": "imtihon", "page": "-1"},
        {"q": "imtihon", "page": "abc"},
        {"q": "imtihon", "page": "999999999999999999999"},
        {"q": "\x00\x01"},
        {"q": "()[]{}^~:"},
    ],
)
def test_hostile_search_queries_answer_200(client, params):
    response = client.get("/en/search/", params)
    assert response.status_code == 200


def test_the_search_query_is_reflected_escaped(client):
    response = client.get("/en/search/", {"q": XSS[:90]})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body


# --- B. the register: revocation reasons and exports ---------------------------------------------


@pytest.fixture
def officer_user(django_user_model):
    from tests.certificates.test_officer_admin import with_role

    return with_role(django_user_model, "certification_officer", "officer@example.uz")


@pytest.fixture
def cert_exam(db):
    return ExamFactory(title_uz="Axborot xavfsizligi", title_ru="ИБ", title_en="Information security")


def test_a_revocation_reason_with_html_is_escaped_on_the_public_page(client, officer_user, cert_exam, candidate):
    from certificates.models import Certificate
    from tests.certificates.test_officer_admin import make_certificate

    certificate = make_certificate(cert_exam, candidate, name="Ali Valiyev")
    client.force_login(officer_user)
    client.post(reverse("certificates_admin:revoke", args=[certificate.pk]), {"reason": XSS})
    assert Certificate.objects.get(pk=certificate.pk).revocation_reason == XSS
    client.logout()
    page = client.get(f"/v/{certificate.verification_code}", follow=True).content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_control_characters_in_names_and_reasons_do_not_break_the_export(
    client, officer_user, cert_exam, candidate, export_format
):
    """A holder's own profile name and a revocation reason may hold C0 control characters
    (the reissue form refuses them, the profile form and the revocation form do not);
    openpyxl refuses such strings, so the XLSX export must drop them, not answer 500."""
    from tests.certificates.test_officer_admin import make_certificate

    make_certificate(cert_exam, candidate, name="Ali\x01Valiyev")
    other = make_certificate(cert_exam, candidate, name="=cmd|' /C calc'!A0")
    client.force_login(officer_user)
    client.post(reverse("certificates_admin:revoke", args=[other.pk]), {"reason": "Soxta\x07hujjat\x1b"})
    response = client.get(reverse("certificates_admin:export", args=[export_format]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if export_format == "xlsx":
        import io

        from openpyxl import load_workbook

        cells = [c for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True) for c in row]
        assert "AliValiyev" in cells and "'=cmd|' /C calc'!A0" in cells and "Soxtahujjat" in cells
    else:
        assert b"'=cmd|' /C calc'!A0" in content


@pytest.mark.parametrize(
    "query",
    [
        {"issued_from": "2026-13-45"},
        {"issued_to": "not-a-date"},
        {"issued_from": "2026-12-31", "issued_to": "2026-01-01"},
        {"issued_from": "9" * 5000},
        {"exam": "abc"},
        {"status": "<script>"},
        {"q": "x" * 5000},
    ],
)
def test_malformed_register_filters_export_nothing_and_do_not_fail(client, officer_user, query):
    client.force_login(officer_user)
    assert client.get(reverse("certificates_admin:register"), query).status_code == 200
    response = client.get(reverse("certificates_admin:export", args=["csv"]), query)
    assert response.status_code == 302


def test_an_export_of_zero_rows_is_a_header_only_file(client, officer_user):
    client.force_login(officer_user)
    response = client.get(reverse("certificates_admin:export", args=["csv"]))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert response.status_code == 200 and len(lines) == 1


# --- C. the exam block: another candidate's attempts and certificates ----------------------------


def test_the_exam_block_never_shows_another_candidates_attempt_or_certificate(
    client, exam, candidate, other_candidate, cms_tree
):
    from certificates.services import certificate_issue
    from tests.cms.test_exam_block import make_attempt

    running = make_attempt(exam, candidate, state=AttemptState.IN_PROGRESS)
    passed = make_attempt(exam, other_candidate, passed=True)
    certificate = certificate_issue(attempt_id=passed.pk)
    url = cms_tree.url("en", "module")
    client.force_login(candidate)
    mine = client.get(url).content.decode()
    assert 'data-exam-state="in-progress"' in mine
    assert reverse("exams:take", args=[running.pk]) in mine
    assert certificate.verification_code not in mine and reverse("exams:result", args=[passed.pk]) not in mine
    client.force_login(other_candidate)
    theirs = client.get(url).content.decode()
    assert 'data-exam-state="passed"' in theirs
    assert reverse("exams:take", args=[running.pk]) not in theirs
    client.logout()
    anonymous = client.get(url).content.decode()
    assert 'data-exam-state="signed-out"' in anonymous
    assert certificate.verification_code not in anonymous and f"/{running.pk}/" not in anonymous


@pytest.fixture
def cms_tree(exam):
    from tests.cms.conftest import build_tree

    return build_tree(exam)
