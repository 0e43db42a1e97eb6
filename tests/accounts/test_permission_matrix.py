"""The permission matrix: every URL pattern of the project, for every role.

Every pattern that ``django.urls.get_resolver()`` yields must match a row of ``MATRIX`` (the
first matching row wins), so a URL added later fails ``test_every_url_pattern_is_classified``
until someone writes down who may open it. Each row gives, per role, what a GET does:

- ``A`` allowed: the view answered (2xx, 3xx elsewhere than a sign-in page, or 405 for a
  POST-only view that the request reached);
- ``L`` sign-in required: a redirect to a sign-in page;
- ``F`` forbidden: 403, 404, or (Wagtail and Django admin) a redirect to their sign-in page
  for a signed-in user without access;
- ``-`` not requested by this test, with the reason in the row's note.

Staff use TOTP (the admin requires it; see test_sign_in.py). Object-level cases (another
candidate's attempt, result or certificate file) are at the end of the file.
"""

from __future__ import annotations

import datetime
import fnmatch
import re
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation

from accounts.models import Cohort
from exams.models import ExamSession
from tests.factories import ExamFactory

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "candidate",
    "trainer",
    "reviewer",
    "exam_manager",
    "examiner",
    "certification_officer",
    "analyst",
    "administrator",
)


@dataclass(frozen=True)
class Row:
    route: str  # fnmatch pattern over the route string, language prefix "en/"
    expect: str  # one letter per role, in the order of ROLES
    note: str = ""


#                                                                       a c t r m e o n d
#  roles: anonymous, candidate, trainer, reviewer, exam manager, examiner, officer, analyst, administrator
MATRIX: list[Row] = [
    # Public: verification (the QR code's target), health, language switch, training pages.
    Row("v/*", "AAAAAAAAA"),
    Row("V/*", "AAAAAAAAA"),
    Row("api/v1/verify/*", "AAAAAAAAA"),
    # Open Badges 3.0 download (JSON and VC-JWT) and the revocation status list: public by design.
    Row("api/v1/credentials/*", "AAAAAAAAA"),
    Row("status/revocation/*", "AAAAAAAAA"),
    Row(".well-known/jwks.json", "AAAAAAAAA"),
    Row("healthz", "AAAAAAAAA"),
    Row("favicon.ico", "AAAAAAAAA", "a redirect to the SVG icon"),
    Row("i18n/setlang/", "---------", "POST only; the language switch"),
    Row("en/certificates/verify/", "AAAAAAAAA"),
    Row("en/search/", "AAAAAAAAA", "site search over public CMS pages"),
    Row("en/open-data/", "---------", "public when the open-data site setting is on, else 404 (tests/reports)"),
    Row("en/open-data/certificates.csv", "---------", "as the open-data page (tests/reports)"),
    Row("^media/*", "---------", "development only (DEBUG): uploaded files"),
    Row("documents/*", "---------", "Wagtail documents: their collection privacy, tested by Wagtail"),
    Row(
        "en/_util/*", "---------", "Wagtail private-page helpers; the password-only login is redirected (test_sign_in)"
    ),
    Row("en/^((?:*", "---------", "Wagtail pages: public unless restricted in the page tree (tests/cms)"),
    # Accounts (allauth): public forms, signed-in settings.
    Row("en/accounts/login/", "AAAAAAAAA"),
    Row("en/accounts/signup/", "AAAAAAAAA"),
    Row("en/accounts/logout/", "AAAAAAAAA"),
    Row("en/accounts/inactive/", "AAAAAAAAA"),
    Row("en/accounts/password/reset/", "AAAAAAAAA"),
    Row("en/accounts/password/reset/done/", "AAAAAAAAA"),
    Row("en/accounts/password/reset/key/done/", "AAAAAAAAA"),
    Row("en/accounts/^password/reset/key/*", "---------", "needs a token; tested in test_imports (invitation)"),
    Row("en/accounts/^confirm-email/*", "---------", "needs a key; allauth's own flow"),
    Row("en/accounts/confirm-email/", "AAAAAAAAA"),
    Row("en/accounts/login/code/confirm/", "---------", "only inside a sign-in by code (not enabled)"),
    Row("en/accounts/reauthenticate/code/*", "LAAAAAAAA"),
    Row("en/accounts/reauthenticate/", "LAAAAAAAA"),
    Row("en/accounts/email/", "LAAAAAAAA"),
    Row("en/accounts/password/change/", "LAAAAAAAA"),
    Row("en/accounts/password/set/", "LAAAAAAAA"),
    Row("en/accounts/2fa/authenticate/", "---------", "the second step of a sign-in (test_sign_in)"),
    Row("en/accounts/2fa/totp/deactivate/", "LFAAAAAAA", "404 for someone without TOTP"),
    Row("en/accounts/2fa/recovery-codes/", "LFFFFFFFF", "404 until recovery codes are generated"),
    Row("en/accounts/2fa/recovery-codes/download/", "LFFFFFFFF", "404 until recovery codes are generated"),
    Row("en/accounts/2fa/*", "LAAAAAAAA"),
    Row("en/accounts/3rdparty/login/cancelled/", "AAAAAAAAA"),
    Row("en/accounts/3rdparty/login/error/", "---------", "the provider-failure page answers 401 by design"),
    Row("en/accounts/3rdparty/signup/", "---------", "only inside a provider sign-in (test_oidc)"),
    Row("en/accounts/3rdparty/", "LAAAAAAAA"),
    Row("en/accounts/social/*", "AAAAAAAAA", "allauth's old URLs: permanent redirects to /3rdparty/"),
    Row("en/accounts/oidc/*", "---------", "the provider's flow; tested in test_oidc"),
    Row("en/accounts/sessions/", "LAAAAAAAA"),
    # The candidate's own pages.
    Row("en/me/*", "LAAAAAAAA"),
    Row("en/me/", "LAAAAAAAA"),
    Row("en/exams/", "LAAAAAAAA"),
    Row("en/exams/attempts/*", "LA-------", "the candidate's own attempt; staff have none (object cases below)"),
    Row("en/exams/<slug:code>/start/", "LA-------", "POST starts an attempt; GET shows the exam"),
    Row("en/exams/<slug:code>/sessions/<int:session_id>/code/", "LAFFFFFFF", "access code: the session's candidates"),
    Row("en/exams/<slug:code>/", "AAAAAAAAA"),
    Row("en/verification/attempts/*", "LA-------", "the candidate's own attempt: appeal form, integrity beacon (POST)"),
    Row("en/certificates/", "LAAAAAAAA"),
    Row("en/certificates/download/*", "LA-------", "the holder's own file (object cases below)"),
    # The Wagtail admin: staff only. Each staff role opens the dashboard; which admin pages a
    # role may use is decided by Wagtail's permission policies from the role's permissions.
    Row("admin/", "LFAAAAAAA"),
    Row("admin/login/", "---------", "sent to allauth's sign-in, which asks for the second factor (test_sign_in)"),
    Row("admin/logout/", "---------", "signs out"),
    Row("admin/jsi18n/", "AA-------", "Wagtail's public script catalogue"),
    Row("admin/sprite/", "AA-------", "Wagtail's public icon sprite"),
    Row("admin/password_reset/*", "AA-------", "Wagtail's password reset; sign-in still needs the second factor"),
    Row("admin/people/import/candidates/", "LFFFFFFFA"),
    Row("admin/people/import/organisations/", "LFFFFFFFA"),
    Row("admin/accounts/organisation/", "LFFFAFFAA"),
    Row("admin/accounts/cohort/", "LFFFAFFAA"),
    Row("admin/accounts/roleassignment/", "LFFFFFFFA"),
    Row("admin/accounts/deletionrequest/", "LFFFFFFFA"),
    Row("admin/exams/sessions/", "LFFFAAFAA", "the proctoring list: each sees the sessions they may watch"),
    Row(
        "admin/exams/sessions/<int:pk>/*",
        "LF-------",
        "live view, JSON, actions: the session's proctors, exam managers, administrators (tests/exams/test_sessions)",
    ),
    Row("admin/exam_sessions/", "LFFFAAFAA", "exam sessions: exam managers edit, examiners and analysts view"),
    # The certificate register (issue 5): officers and administrators read and export it,
    # officers alone revoke and reissue (each view checks; tests/certificates/test_officer_admin.py).
    Row("admin/certificates/", "LFFFFFAFA"),
    Row("admin/certificates/export.<str:export_format>", "LFFFFFAFA"),
    Row("admin/certificates/<int:pk>/", "LFFFFFAFA"),
    Row("admin/certificates/<int:pk>/pdf/", "LFFFFFAFA"),
    Row("admin/certificates/<int:pk>/revoke/", "LFFFFFAFF"),
    Row("admin/certificates/<int:pk>/reissue/", "LFFFFFAFF"),
    Row("admin/certificates/templates/preview/", "LF-------", "POST only: the template editor's unsaved preview"),
    Row("admin/certificates/templates/<int:pk>/preview/", "LFFFFFAFF"),
    Row("admin/certificate_templates/", "LFFFFFAAA", "read by whoever holds certificates.view_*"),
    Row("admin/certificate_templates/new/", "LFFFFFAFF"),
    Row("admin/*", "LF-------", "other admin pages: Wagtail's permission policies per model"),
    # The Django admin: superusers (is_staff) only; no role sets is_staff.
    Row("django-admin/login/", "---------", "sent to allauth's sign-in (test_sign_in)"),
    Row("django-admin/logout/", "---------", "signs out"),
    Row("django-admin/*", "LFFFFFFFF"),
]


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def all_routes() -> list[str]:
    with translation.override("en"):
        return sorted({route for route, _ in _walk(get_resolver().url_patterns)})


def row_for(route: str) -> Row | None:
    for row in MATRIX:
        if fnmatch.fnmatchcase(route, row.route):
            return row
    return None


def test_every_url_pattern_is_classified():
    """A new URL fails here until a row of MATRIX says who may open it."""
    unclassified = [route for route in all_routes() if row_for(route) is None]
    assert unclassified == []


def test_every_row_has_one_expectation_per_role_and_a_note_when_skipped():
    for row in MATRIX:
        assert len(row.expect) == len(ROLES) and set(row.expect) <= set("ALF-"), row.route
        assert "-" not in row.expect or row.note, row.route


# Converters filled from real objects; a route whose arguments cannot be filled is skipped.
def _fill(route: str, objects: dict[str, str]) -> str | None:
    if route.startswith(("^", "en/^")) or "(?P" in route or "^" in route:
        return None

    def substitute(match: re.Match) -> str:
        name = match.group(2)
        if name not in objects:
            raise KeyError(name)
        return objects[name]

    try:
        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", substitute, route)
    except KeyError:
        return None


SIGN_IN_PAGES = re.compile(r"(^|/)(accounts|admin|django-admin)/login/$")


def _outcome(response, *, path: str, signed_in: bool) -> str:
    status = response.status_code
    if status in (401, 403, 404):
        return "F"
    if status in (301, 302):
        target = response["Location"].split("?", 1)[0]
        if SIGN_IN_PAGES.search(target):
            # A signed-in person sent to sign in is one without access.
            return "F" if signed_in else "L"
        if path.startswith("/admin/") and path != "/admin/" and target == "/admin/":
            return "F"  # Wagtail's answer to a PermissionDenied: back to the dashboard
        return "A"
    return "A"


@pytest.fixture
def people(candidate, staff_factory):
    users = {"anonymous": None, "candidate": candidate}
    for role in ROLES[2:]:
        users[role] = staff_factory(role)
    return users


@pytest.fixture
def objects(candidate):
    from certificates.services import certificate_issue
    from tests.certificates.conftest import make_attempt

    exam = ExamFactory(code="matrix-exam", is_published=True)
    attempt = make_attempt(exam, candidate)
    certificate = certificate_issue(attempt_id=attempt.pk)
    # An exam session of the candidate's cohort (after the attempt: a session exam starts only in one).
    cohort = Cohort.objects.create(name="matrix-cohort")
    cohort.members.add(candidate)
    now = timezone.now()
    session = ExamSession.objects.create(
        exam=exam, name="matrix", cohort=cohort, starts_at=now, ends_at=now + datetime.timedelta(hours=1)
    )
    return {
        "session_id": str(session.pk),
        "code": exam.code,
        "attempt_id": str(attempt.pk),
        "credential": certificate.credential,
        "list_number": "0",  # the status list holding the certificate's bit (list 0 always exists)
        "_certificate": certificate.verification_code,
    }


def test_each_role_gets_what_the_matrix_says(client, people, objects):
    mismatches = []
    for route in all_routes():
        row = row_for(route)
        values = dict(objects)
        if "certificates" in route or route.startswith(("v/", "V/", "api/")):
            values["code"] = objects["_certificate"]
        path = _fill(route, values)
        if path is None:
            continue
        for role, expected in zip(ROLES, row.expect, strict=True):
            if expected == "-":
                continue
            client.logout()
            if people[role] is not None:
                client.force_login(people[role])
            with translation.override("en"):
                response = client.get(path)
            got = _outcome(response, path=path, signed_in=people[role] is not None)
            if got != expected:
                mismatches.append(f"{route} as {role}: expected {expected}, got {got} ({response.status_code})")
    assert mismatches == [], "\n".join(mismatches)


# Object-level: a candidate cannot reach another candidate's attempt, result or certificate.


def test_a_candidate_cannot_reach_another_candidates_attempt_result_or_certificate(
    client, candidate, other_candidate, objects
):
    client.force_login(other_candidate)
    attempt_id = objects["attempt_id"]
    for suffix in ("", "state/", "result/"):
        assert client.get(f"/en/exams/attempts/{attempt_id}/{suffix}").status_code == 404, suffix
    body = '{"position": 1, "response": null, "sequence": 1}'
    assert (
        client.post(f"/en/exams/attempts/{attempt_id}/save/", body, content_type="application/json").status_code == 404
    )
    assert client.post(f"/en/exams/attempts/{attempt_id}/submit/").status_code == 404
    assert client.get(f"/en/certificates/download/{objects['_certificate']}").status_code == 404
    # The holder reaches them.
    client.force_login(candidate)
    assert client.get(f"/en/exams/attempts/{attempt_id}/result/").status_code == 200
    assert client.get(f"/en/certificates/download/{objects['_certificate']}").status_code == 200


def test_staff_do_not_reach_a_candidates_attempt_page_through_the_candidate_urls(client, people, objects):
    client.force_login(people["examiner"])
    assert client.get(f"/en/exams/attempts/{objects['attempt_id']}/result/").status_code == 404
