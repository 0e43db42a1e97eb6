"""Redis down under the cache (issue 10): certify.cache.ResilientRedisCache reads an outage as a
miss, so autosave, submission and the verification pages keep working; rate limits fail open.

The cache here points at a port where nothing listens (a real refused connection, no mock).
The production stack with a Redis stopped and restarted is in test_stack_faults.py.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import uuid

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse

from certificates.services import certificate_issue
from exams.models import Attempt, AttemptState
from tests.certificates.conftest import make_attempt
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cache_settings(location: str, backend: str = "certify.cache.ResilientRedisCache") -> dict:
    return {
        "default": {
            "BACKEND": backend,
            "LOCATION": location,
            "KEY_PREFIX": f"h8-{uuid.uuid4().hex[:8]}",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }


@pytest.fixture
def dead_cache(settings):
    """The default cache is Redis on a closed port, as production's while Redis is down."""
    settings.CACHES = cache_settings(f"redis://127.0.0.1:{closed_port()}/0")
    yield caches["default"]


def test_plain_redis_cache_raises_while_down_which_is_why_the_wrapper_exists(settings):
    settings.CACHES = cache_settings(
        f"redis://127.0.0.1:{closed_port()}/0", backend="django.core.cache.backends.redis.RedisCache"
    )
    import redis

    assert type(caches["default"]) is RedisCache
    with pytest.raises(redis.exceptions.ConnectionError):
        cache.get("anything")


def test_every_operation_reads_as_a_miss_and_nothing_raises(dead_cache, caplog):
    caplog.set_level(logging.WARNING, logger="certify.cache")
    assert dead_cache.get("k") is None
    assert dead_cache.get("k", "fallback") == "fallback"
    assert dead_cache.add("k", 1) is True  # absent, so "added" (stored nowhere)
    dead_cache.set("k", 1)
    assert dead_cache.get("k") is None
    assert dead_cache.get_many(["a", "b"]) == {}
    assert sorted(dead_cache.set_many({"a": 1, "b": 2})) == ["a", "b"]
    assert dead_cache.has_key("k") is False
    assert dead_cache.touch("k") is False
    assert dead_cache.delete("k") is False
    dead_cache.delete_many(["a", "b"])
    dead_cache.clear()
    with pytest.raises(ValueError):
        dead_cache.incr("k")
    with pytest.raises(ValueError):
        dead_cache.decr("k")
    warnings = [r for r in caplog.records if r.name == "certify.cache"]
    assert len(warnings) == 1, "one warning per outage, not one per call"
    assert "treating it as a miss" in warnings[0].getMessage()


def test_the_breaker_makes_an_outage_cheap(dead_cache, monkeypatch):
    import redis

    connects = []
    real_connect = redis.connection.Connection.connect

    def counting_connect(self):
        connects.append(1)
        return real_connect(self)

    monkeypatch.setattr(redis.connection.Connection, "connect", counting_connect)
    started = time.monotonic()
    for n in range(500):
        dead_cache.get(f"k{n}")
    assert time.monotonic() - started < 2
    assert len(connects) <= 3, f"{len(connects)} connection attempts for 500 reads inside one breaker window"


def test_the_breaker_closes_again_and_a_live_redis_is_used(settings):
    """Against the machine's Redis when one runs (CI starts it): values are stored and read."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = cache_settings("redis://127.0.0.1:6379/13")
    live = caches["default"]
    live._open_until = time.monotonic() + 0.2  # as after an error
    assert live.get("k") is None  # breaker open: not even asked
    time.sleep(0.25)
    live.set("k", "v", 30)
    assert live.get("k") == "v"
    assert live.add("k", "w") is False
    live.delete("k")


# --- the candidate's and the verifier's paths while Redis is down ----------------------------


@pytest.fixture
def exam():
    category = CategoryFactory(name="Ochiq maʼlumotlar")
    for n in range(3):
        approved_question(category=category, data=single_choice(f"Savol {n}"))
    exam = ExamFactory(code="egov", title_uz="Elektron hukumat asoslari")
    blueprint(exam, [(category, 3)])
    return exam


def test_a_candidate_answers_and_submits_with_the_cache_down(dead_cache, client, candidate, exam):
    client.force_login(candidate)
    assert client.post(reverse("exams:start", args=[exam.code])).status_code == 302
    attempt = Attempt.objects.get()
    assert client.get(reverse("exams:take", args=[attempt.pk])).status_code == 200
    for item in attempt.items.select_related("question_version"):
        right = next(c["id"] for c in item.question_version.data["choices"] if c["fraction"] == "1")
        reply = client.post(
            reverse("exams:save", args=[attempt.pk]),
            data=json.dumps({"position": item.position, "response": {"choice": right}, "sequence": item.position}),
            content_type="application/json",
        )
        assert reply.status_code == 200, reply.content
        assert reply.json()["ok"] is True
    assert client.get(reverse("exams:state", args=[attempt.pk])).status_code == 200
    submitted = client.post(reverse("exams:submit", args=[attempt.pk]))
    assert submitted.status_code == 302 and submitted.url == reverse("exams:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.FINAL and attempt.passed
    assert client.get(submitted.url).status_code == 200


def test_verification_works_and_its_rate_limit_fails_open_with_the_cache_down(dead_cache, client, settings, candidate):
    settings.CERTIFY_VERIFY_RATE = "2/m"
    exam = ExamFactory(code="egov-x")
    certificate = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    page = reverse("certificates_verify", args=[certificate.verification_code])
    for _ in range(5):  # more than the limit: fail open means no 429 while the counts are lost
        assert client.get(page).status_code == 200
        reply = client.get(f"/api/v1/verify/{certificate.verification_code}")
        assert reply.status_code == 200 and reply.json()["status"] == "valid"
