"""allauth's session tracking at most once a minute per session (accounts.middleware, issue 9),
and sign-in with the Redis-backed session engine used in production (``cached_db``)."""

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _sign_in(client, candidate):
    response = client.post(reverse("account_login"), {"login": candidate.email, "password": "Parol-2026!"})
    assert response.status_code == 302


def _tracking_queries(client, url="/en/me/") -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return [q["sql"] for q in queries.captured_queries if "usersessions_usersession" in q["sql"]]


def test_the_session_is_tracked_once_then_not_on_every_request(client, candidate):
    _sign_in(client, candidate)
    cache.clear()  # as if the last tracking was more than a minute ago
    assert any(sql.startswith("UPDATE") for sql in _tracking_queries(client))
    seen = UserSession.objects.get(user=candidate).last_seen_at
    assert _tracking_queries(client) == []
    assert _tracking_queries(client) == []
    assert UserSession.objects.get(user=candidate).last_seen_at == seen


def test_a_new_address_is_tracked_at_once(client, candidate):
    _sign_in(client, candidate)
    client.get("/en/me/")
    client.get("/en/me/", REMOTE_ADDR="10.1.2.3")
    assert UserSession.objects.get(user=candidate).ip == "10.1.2.3"


def test_anonymous_requests_do_not_touch_the_table(client):
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/verify/AAAA-BBBB-CCCC-DDDD")
    assert not [q for q in queries.captured_queries if "usersessions" in q["sql"] or "django_session" in q["sql"]]


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cached_db")
def test_sign_in_works_with_the_cached_db_session_engine(client, candidate):
    _sign_in(client, candidate)
    response = client.get(reverse("usersessions_list"))
    assert response.status_code == 200
    assert [session.user_id for session in response.context["sessions"]] == [candidate.pk]
    # The session is read from the cache: no session query on the next request.
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("usersessions_list"))
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
