"""Exam sessions: the window and cohort rules, the access code, the deadline capped at the
session's end, the proctor's add-time and restart (reason recorded, audited), who may watch,
the live JSON's query count, reminders, and the examiner's organisation scope in grading."""

import datetime
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Cohort, Organisation
from exams.models import Attempt, AttemptItem, AttemptState, ExamOverride, ExamSession, ProctorAction, SessionReminder
from exams.services import attempts as svc
from exams.services import sessions
from tests.accounts.conftest import make_staff
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint

pytestmark = pytest.mark.django_db

ESSAY = {
    "name": "Insho",
    "qtype": "essay",
    "text": "<p>Yozing</p>",
    "default_points": "4",
    "language": "uz",
    "grader_info": "",
    "min_words": 0,
    "max_words": 0,
}


@pytest.fixture(autouse=True)
def _english_and_fresh_cache():
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
def cohort(candidate):
    cohort = Cohort.objects.create(name="2026-kuz guruhi")
    cohort.members.add(candidate)
    return cohort


@pytest.fixture
def manager(django_user_model):
    return make_staff(django_user_model, "exam_manager", mfa=False)


@pytest.fixture
def proctor(django_user_model):
    return make_staff(django_user_model, "examiner", email="proctor@example.uz", mfa=False)


@pytest.fixture
def session(exam, cohort, proctor, manager):
    now = timezone.now()
    session = ExamSession.objects.create(
        exam=exam,
        name="Xona 1",
        cohort=cohort,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=2),
        created_by=manager,
    )
    session.proctors.add(proctor)
    return session


# Starting: window, cohort, access code.


def test_a_session_attempt_starts_only_inside_the_window(exam, candidate, session):
    now = timezone.now()
    with pytest.raises(svc.SessionRefused):
        svc.attempt_start(exam=exam, candidate=candidate, session=session, now=session.starts_at - timedelta(seconds=1))
    with pytest.raises(svc.SessionRefused):
        svc.attempt_start(exam=exam, candidate=candidate, session=session, now=session.ends_at)
    assert not Attempt.objects.exists()
    attempt = svc.attempt_start(exam=exam, candidate=candidate, session=session, now=now)
    assert attempt.session == session


def test_an_exam_with_sessions_cannot_be_started_outside_one(exam, candidate, session):
    with pytest.raises(svc.SessionRefused):
        svc.attempt_start(exam=exam, candidate=candidate)
    assert not Attempt.objects.exists()


def test_only_the_cohort_may_start_in_the_session(exam, other_candidate, session, client):
    with pytest.raises(svc.SessionRefused):
        svc.attempt_start(exam=exam, candidate=other_candidate, session=session)
    client.force_login(other_candidate)
    response = client.post(reverse("exams:start", args=[exam.code]))
    assert response.status_code == 409 and not Attempt.objects.exists()
    code_page = reverse("exams:session_code", args=[exam.code, session.pk])
    assert client.get(code_page).status_code == 404


def test_the_start_button_starts_in_the_open_session(exam, candidate, session, client):
    client.force_login(candidate)
    response = client.post(reverse("exams:start", args=[exam.code]))
    attempt = Attempt.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exams:take", args=[attempt.pk])
    assert attempt.session == session


def test_a_wrong_access_code_creates_nothing_and_the_right_one_starts(exam, candidate, session, client):
    session.access_code = "K7M2QX"
    session.save()
    client.force_login(candidate)
    start = client.post(reverse("exams:start", args=[exam.code]))
    code_page = reverse("exams:session_code", args=[exam.code, session.pk])
    assert start.status_code == 302 and start["Location"] == code_page
    wrong = client.post(code_page, {"access_code": "K7M2QY"})
    assert wrong.status_code == 400 and b'id="access-code-error"' in wrong.content
    assert not Attempt.objects.exists()
    # Typed in lower case with a look-alike letter O for the digit 0 would also match; this one is exact.
    right = client.post(code_page, {"access_code": " k7m2qx "})
    attempt = Attempt.objects.get()
    assert right.status_code == 302 and right["Location"] == reverse("exams:take", args=[attempt.pk])
    assert attempt.session == session
    # Remembered in the browser session: resuming needs no code.
    assert client.post(reverse("exams:start", args=[exam.code]))["Location"] == reverse("exams:take", args=[attempt.pk])


def test_access_code_guesses_are_rate_limited(exam, candidate, session, client, settings):
    settings.CERTIFY_ACCESS_CODE_RATE = "3/m"
    session.access_code = "K7M2QX"
    session.save()
    client.force_login(candidate)
    code_page = reverse("exams:session_code", args=[exam.code, session.pk])
    statuses = [client.post(code_page, {"access_code": f"AAAA{n}"}).status_code for n in range(3)]
    assert statuses == [400, 400, 400]
    assert client.post(code_page, {"access_code": "K7M2QX"}).status_code == 429
    assert not Attempt.objects.exists()


def test_access_code_normalization_and_constant_time_match(session):
    session.access_code = "K7M201"
    assert sessions.access_code_matches(session=session, code="k7m-2ol")
    assert not sessions.access_code_matches(session=session, code="K7M202")
    assert not sessions.access_code_matches(session=session, code="")
    assert len(sessions.access_code_generate()) == sessions.CODE_LENGTH


def test_session_settings_are_validated(exam, cohort, candidate):
    now = timezone.now()
    with pytest.raises(ValidationError):
        sessions.session_validate(
            exam=exam, starts_at=now, ends_at=now, cohort=cohort, organisation=None, access_code="", proctors=[]
        )
    with pytest.raises(ValidationError):
        sessions.session_validate(
            exam=exam, starts_at=now, ends_at=now + timedelta(hours=1), cohort=None, organisation=None,
            access_code="", proctors=[],
        )  # fmt: skip
    with pytest.raises(ValidationError):  # a candidate cannot proctor
        sessions.session_validate(
            exam=exam, starts_at=now, ends_at=now + timedelta(hours=1), cohort=cohort, organisation=None,
            access_code="", proctors=[candidate],
        )  # fmt: skip
    exam.closes_at = now - timedelta(minutes=1)
    with pytest.raises(ValidationError):
        sessions.session_validate(
            exam=exam, starts_at=now, ends_at=now + timedelta(hours=1), cohort=cohort, organisation=None,
            access_code="", proctors=[],
        )  # fmt: skip


# Deadline and the proctor's actions.


def test_the_deadline_is_capped_at_the_session_end(exam, candidate, session):
    now = timezone.now()
    session.ends_at = now + timedelta(minutes=10)
    session.save()
    attempt = svc.attempt_start(exam=exam, candidate=candidate, session=session, now=now)
    assert attempt.deadline_at == session.ends_at


def test_add_time_moves_the_deadline_and_is_audited_with_the_reason(exam, candidate, session, proctor):
    now = timezone.now()
    session.ends_at = now + timedelta(minutes=10)
    session.save()
    attempt = svc.attempt_start(exam=exam, candidate=candidate, session=session, now=now)
    sessions.session_add_time(session=session, attempt_id=attempt.pk, minutes=10, by=proctor, reason="Elektr uzildi")
    attempt.refresh_from_db()
    assert attempt.deadline_at == session.ends_at + timedelta(minutes=10)
    sessions.session_add_time(session=session, attempt_id=attempt.pk, minutes=5, by=proctor, reason="Yana")
    attempt.refresh_from_db()
    assert attempt.deadline_at == session.ends_at + timedelta(minutes=15)
    actions = list(ProctorAction.objects.filter(attempt=attempt).order_by("at", "id"))
    assert [(a.kind, a.minutes, a.reason, a.by) for a in actions] == [
        ("add_time", 10, "Elektr uzildi", proctor),
        ("add_time", 5, "Yana", proctor),
    ]
    override = ExamOverride.objects.filter(candidate=candidate).order_by("-id").first()
    assert override.extra_minutes == 15 and override.created_by == proctor
    assert LogEntry.objects.get_for_object(override).exists()
    assert LogEntry.objects.get_for_object(actions[0]).exists()


def test_add_time_needs_a_reason_and_a_sane_number_of_minutes(exam, candidate, session, proctor):
    attempt = svc.attempt_start(exam=exam, candidate=candidate, session=session)
    deadline = attempt.deadline_at
    for minutes, reason in ((10, "  "), (0, "x"), (sessions.MAX_ADD_MINUTES + 1, "x")):
        with pytest.raises(ValidationError):
            sessions.session_add_time(
                session=session, attempt_id=attempt.pk, minutes=minutes, by=proctor, reason=reason
            )
    attempt.refresh_from_db()
    assert attempt.deadline_at == deadline and not ProctorAction.objects.exists()


def test_restart_keeps_the_old_attempt_and_grants_exactly_one_more(exam, candidate, session, proctor):
    first = svc.attempt_start(exam=exam, candidate=candidate, session=session)
    sessions.session_allow_restart(session=session, attempt_id=first.pk, by=proctor, reason="Kompyuter oʻchdi")
    first.refresh_from_db()
    assert first.state != AttemptState.IN_PROGRESS
    action = ProctorAction.objects.get(attempt=first)
    assert action.kind == "restart" and action.reason == "Kompyuter oʻchdi"
    with pytest.raises(sessions.SessionError):  # once per attempt
        sessions.session_allow_restart(session=session, attempt_id=first.pk, by=proctor, reason="again")
    second = svc.attempt_start(exam=exam, candidate=candidate, session=session)
    assert second.number == 2 and second.session == session
    svc.attempt_submit(attempt_id=second.pk, by=candidate)
    with pytest.raises(svc.NoAttemptsLeft):
        svc.attempt_start(exam=exam, candidate=candidate, session=session)


# Who may watch and act.


def test_only_proctors_managers_and_administrators_may_watch_and_act(
    exam, candidate, session, proctor, manager, client, django_user_model
):
    attempt = svc.attempt_start(exam=exam, candidate=candidate, session=session)
    stranger = make_staff(django_user_model, "examiner", email="stranger@example.uz", mfa=False)
    live = reverse("exams_admin:session_live", args=[session.pk])
    live_json = reverse("exams_admin:session_live_json", args=[session.pk])
    action = reverse("exams_admin:session_action", args=[session.pk])
    post = {"action": "add_time", "attempt": attempt.pk, "minutes": 10, "reason": "x"}
    for user in (stranger, candidate):
        client.force_login(user)
        assert client.get(live).status_code in (302, 403)
        assert client.get(live_json).status_code in (302, 403)
        assert client.post(action, post).status_code in (302, 403)
    with pytest.raises(PermissionDenied):
        sessions.session_add_time(session=session, attempt_id=attempt.pk, minutes=10, by=stranger, reason="x")
    attempt.refresh_from_db()
    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=30)
    assert not ProctorAction.objects.exists()
    for user in (proctor, manager):
        client.force_login(user)
        page = client.get(live)
        assert page.status_code == 200 and f'data-candidate="{candidate.pk}"'.encode() in page.content
        rows = client.get(live_json).json()["rows"]
        assert [(r["candidate_id"], r["state"]) for r in rows] == [(candidate.pk, "started")]
    client.force_login(proctor)
    assert client.post(action, post).status_code == 302
    attempt.refresh_from_db()
    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=40)
    # The examiner who is not a proctor does not see the session in the proctoring list.
    client.force_login(stranger)
    assert f'data-session="{session.pk}"'.encode() not in client.get(reverse("exams_admin:sessions")).content
    client.force_login(proctor)
    assert f'data-session="{session.pk}"'.encode() in client.get(reverse("exams_admin:sessions")).content


def test_live_states_and_time_left(exam, candidate, other_candidate, cohort, session):
    cohort.members.add(other_candidate)
    attempt = svc.attempt_start(exam=exam, candidate=candidate, session=session)
    now = timezone.now()
    rows = {r["candidate_id"]: r for r in sessions.live_rows(session=session, now=now)}
    assert rows[other_candidate.pk]["state"] == "not_started" and rows[other_candidate.pk]["seconds_left"] is None
    assert rows[candidate.pk]["state"] == "started"
    assert abs(rows[candidate.pk]["seconds_left"] - 30 * 60) <= 2
    svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=1, response={"choice": "x"})
    rows = {r["candidate_id"]: r for r in sessions.live_rows(session=session)}
    assert rows[candidate.pk]["state"] == "answering"
    later = timezone.now() + sessions.ANSWERING_WINDOW + timedelta(seconds=5)
    assert {r["candidate_id"]: r for r in sessions.live_rows(session=session, now=later)}[candidate.pk][
        "state"
    ] == "started"
    svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
    rows = {r["candidate_id"]: r for r in sessions.live_rows(session=session)}
    assert rows[candidate.pk]["state"] == "submitted" and rows[candidate.pk]["seconds_left"] is None


def _json_queries(client, session) -> int:
    url = reverse("exams_admin:session_live_json", args=[session.pk])
    client.get(url)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_live_json_query_count_does_not_grow_with_the_candidates(
    exam, cohort, session, manager, client, django_user_model
):
    client.force_login(manager)

    def enrol(count: int, start: int) -> None:
        for n in range(start, start + count):
            user = django_user_model.objects.create_user(email=f"c{n}@example.uz", password="x")
            cohort.members.add(user)
            svc.attempt_start(exam=exam, candidate=user, session=session)

    enrol(2, 0)
    few = _json_queries(client, session)
    enrol(12, 10)
    many = _json_queries(client, session)
    assert few == many
    assert len(client.get(reverse("exams_admin:session_live_json", args=[session.pk])).json()["rows"]) == 15


def test_an_organisation_session_includes_the_subtree(exam, candidate, other_candidate):
    ministry = Organisation.objects.create(name="Vazirlik")
    agency = Organisation.objects.create(name="Agentlik", parent=ministry)
    candidate.organisation = agency
    candidate.save()
    now = timezone.now()
    session = ExamSession.objects.create(
        exam=exam, name="Vazirlik", organisation=ministry,
        starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1),
    )  # fmt: skip
    assert sessions.session_includes(session=session, user=candidate)
    assert not sessions.session_includes(session=session, user=other_candidate)
    assert [u.pk for u in sessions.session_candidates(session=session)] == [candidate.pk]


# Reminders.


def test_reminders_go_out_once_in_the_candidates_language(exam, cohort, candidate, other_candidate, mailoutbox):
    other_candidate.language = "ru"
    other_candidate.save()
    cohort.members.add(other_candidate)
    now = timezone.now()
    session = ExamSession.objects.create(
        exam=exam, name="Ertaga", cohort=cohort, starts_at=now + timedelta(hours=20), ends_at=now + timedelta(hours=22)
    )  # fmt: skip
    ExamSession.objects.create(
        exam=exam, name="Keyinroq", cohort=cohort,
        starts_at=now + timedelta(hours=30), ends_at=now + timedelta(hours=31),
    )  # fmt: skip
    from exams.tasks import send_session_reminders

    assert send_session_reminders() == 2
    assert send_session_reminders() == 0
    assert sorted(m.to[0] for m in mailoutbox) == sorted([candidate.email, other_candidate.email])
    by_address = {m.to[0]: m for m in mailoutbox}
    assert exam.title_ru in by_address[other_candidate.email].subject
    assert exam.title_uz in by_address[candidate.email].subject
    assert SessionReminder.objects.filter(session=session).count() == 2


def test_the_reminder_task_is_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "exams.tasks.send_session_reminders" in tasks


# The examiner's organisation scope in manual grading.


def test_an_examiner_limited_to_an_organisation_grades_only_its_candidates(
    candidate, other_candidate, client, django_user_model
):
    ministry = Organisation.objects.create(name="Vazirlik A")
    other = Organisation.objects.create(name="Vazirlik B")
    candidate.organisation = ministry
    candidate.save()
    other_candidate.organisation = other
    other_candidate.save()
    category = CategoryFactory()
    approved_question(category=category, data=ESSAY)
    exam = ExamFactory()
    blueprint(exam, [(category, 1)], points=None)
    items = {}
    for person in (candidate, other_candidate):
        attempt = svc.attempt_start(exam=exam, candidate=person)
        svc.answer_save(attempt_id=attempt.pk, candidate=person, position=1, response={"text": "Javob"})
        svc.attempt_submit(attempt_id=attempt.pk, by=person)
        items[person.pk] = AttemptItem.objects.get(attempt=attempt)
    examiner = make_staff(django_user_model, "examiner", email="scoped@example.uz", mfa=False, organisation=ministry)
    client.force_login(examiner)
    queue = client.get(reverse("exams_admin:grading")).content.decode()
    assert f'data-item="{items[candidate.pk].pk}"' in queue
    assert f'data-item="{items[other_candidate.pk].pk}"' not in queue
    assert client.get(reverse("exams_admin:grade", args=[items[candidate.pk].pk])).status_code == 200
    other_url = reverse("exams_admin:grade", args=[items[other_candidate.pk].pk])
    # Not found (the locale middleware first sends an unknown admin path to its /uz/ twin, also 404).
    assert client.get(other_url, follow=True).status_code == 404
    assert client.post(other_url, {"score": "4", "comment": ""}, follow=True).status_code == 404
    items[other_candidate.pk].refresh_from_db()
    assert items[other_candidate.pk].score is None
    # An examiner without an organisation limit sees both.
    everyone = make_staff(django_user_model, "examiner", email="all@example.uz", mfa=False)
    client.force_login(everyone)
    queue = client.get(reverse("exams_admin:grading")).content.decode()
    assert all(f'data-item="{item.pk}"' in queue for item in items.values())


# The admin form.


def test_an_exam_manager_creates_a_session_in_the_admin(exam, cohort, proctor, manager, client):
    client.force_login(manager)
    url = reverse("exam_sessions:add")
    form = client.get(url)
    assert form.status_code == 200 and b'name="generate_access_code"' in form.content
    data = {
        "exam": exam.pk,
        "name": "2-xona",
        "cohort": cohort.pk,
        "organisation": "",
        "starts_at": "2030-01-10 09:00",
        "ends_at": "2030-01-10 08:00",
        "access_code": "",
        "generate_access_code": "on",
        "proctors": [proctor.pk],
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and not ExamSession.objects.exists()
    data["ends_at"] = "2030-01-10 11:00"
    created = client.post(url, data)
    assert created.status_code == 302
    session = ExamSession.objects.get()
    assert session.created_by == manager and list(session.proctors.all()) == [proctor]
    assert len(session.access_code) == sessions.CODE_LENGTH
    # Entered in Tashkent time (UTC+5), stored in UTC.
    assert session.starts_at.astimezone(datetime.UTC).strftime("%H:%M") == "04:00"


def test_the_pages_timer_cannot_submit_before_a_deadline_moved_by_the_proctor(
    exam, candidate, session, proctor, client
):
    attempt = svc.attempt_start(exam=exam, candidate=candidate, session=session)
    sessions.session_add_time(session=session, attempt_id=attempt.pk, minutes=10, by=proctor, reason="Tarmoq uzildi")
    client.force_login(candidate)
    # A page loaded before the addition reaches its old deadline and posts timeout=1: not a submit.
    response = client.post(reverse("exams:submit", args=[attempt.pk]), {"timeout": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("exams:take", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS
    # The candidate's own submit still works.
    client.post(reverse("exams:submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    assert attempt.state != AttemptState.IN_PROGRESS and not attempt.auto_submitted
