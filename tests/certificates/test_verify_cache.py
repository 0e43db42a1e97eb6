"""The verification API's cache (issue 9): a warm code costs no query, and a revocation or a
reissue is seen on the next request, not a minute later."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates import selectors
from certificates.services import certificate_reissue, certificate_revoke

pytestmark = pytest.mark.django_db


def _api(client, code):
    return client.get(f"/api/v1/verify/{code}")


def test_a_warm_code_is_answered_without_a_query(client, certificate, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = _api(client, certificate.verification_code).json()
    with django_assert_num_queries(0):
        second = _api(client, certificate.verification_code).json()
    assert second == first
    assert first["status"] == "valid" and first["serial"] == certificate.serial


def test_the_code_as_people_type_it_shares_the_entry(client, certificate, django_assert_num_queries):
    _api(client, certificate.verification_code)
    typed = certificate.verification_code.lower().replace("-", " ")
    with django_assert_num_queries(0):
        assert _api(client, typed).json()["serial"] == certificate.serial


def test_a_revocation_is_seen_at_once(client, certificate, officer, django_capture_on_commit_callbacks):
    assert _api(client, certificate.verification_code).json()["status"] == "valid"
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, by=officer, reason="Exam taken by another person")
    body = _api(client, certificate.verification_code).json()
    assert body["status"] == "revoked"
    assert body["revocation_reason"] == "Exam taken by another person"


def test_a_reissue_is_seen_at_once(client, certificate, officer, django_capture_on_commit_callbacks):
    assert _api(client, certificate.verification_code).json()["status"] == "valid"
    with django_capture_on_commit_callbacks(execute=True):
        new = certificate_reissue(certificate=certificate, by=officer, holder_name="Oʻgʻiloy T.", reason="Typo")
    body = _api(client, certificate.verification_code).json()
    assert body["status"] == "superseded"
    assert body["superseded_by"] == new.verification_code


def test_the_entry_is_per_day(certificate, django_assert_num_queries):
    """An entry of one day is not served on the next (expiry is decided per day, Asia/Tashkent)."""
    today = certificate.issued_on
    selectors.verification_body_cached(code=certificate.verification_code, today=today)
    with django_assert_num_queries(1):
        selectors.verification_body_cached(code=certificate.verification_code, today=today + datetime.timedelta(days=1))


def _certificate_lookups(queries) -> int:
    return sum("certificates_certificate" in query["sql"] for query in queries)


def test_unknown_and_malformed_codes_are_not_cached(client, certificate):
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert _api(client, "AAAA-BBBB-CCCC-DDDD").status_code == 404
        assert _certificate_lookups(queries.captured_queries) == 1
    with CaptureQueriesContext(connection) as queries:
        assert _api(client, "not a code!").status_code == 404
    assert _certificate_lookups(queries.captured_queries) == 0


def test_the_rate_limit_still_applies_to_cached_answers(client, certificate, settings, monkeypatch):
    settings.CERTIFY_VERIFY_RATE = "3/m"
    # One moment for django-ratelimit: a slow machine must not cross a minute window mid-test.
    monkeypatch.setattr("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    statuses = [_api(client, certificate.verification_code).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
