"""Fixtures for the certificate tests: an exam and final attempts made directly with the ORM."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from certificates.services import certificate_issue
from exams.models import Attempt, AttemptState, Exam


@pytest.fixture(autouse=True)
def _fresh_rate_limits(monkeypatch):
    """Rate-limit counters live in the cache; each test starts with none, and django-ratelimit's
    clock stands still, so a slow test never crosses the boundary of a rate window."""
    monkeypatch.setattr("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English (the source language); pages choose their own."""
    with translation.override("en"):
        yield


@pytest.fixture
def exam(db):
    return Exam.objects.create(
        code="egov-specialist",
        title_uz="Elektron hukumat boʻyicha mutaxassis",
        title_ru="Специалист по электронному правительству",
        title_en="E-Government specialist",
        time_limit_minutes=60,
        cut_score=Decimal("70.00"),
        validity_months=36,
        is_published=True,
    )


def make_attempt(exam, candidate, *, passed=True, state=AttemptState.FINAL, final_at=None, number=None):
    """A graded attempt, with no items (certificates only read the result)."""
    final_at = final_at or timezone.now()
    number = number or (Attempt.objects.filter(exam=exam, candidate=candidate).count() + 1)
    return Attempt.objects.create(
        exam=exam,
        candidate=candidate,
        number=number,
        seed=12345,
        state=state,
        started_at=final_at - datetime.timedelta(minutes=30),
        deadline_at=final_at + datetime.timedelta(minutes=30),
        submitted_at=final_at,
        score=Decimal("8") if passed else Decimal("3"),
        max_score=Decimal("10"),
        percent=Decimal("80") if passed else Decimal("30"),
        passed=passed if state == AttemptState.FINAL else None,
        final_at=final_at if state == AttemptState.FINAL else None,
    )


@pytest.fixture
def passed_attempt(exam, candidate):
    return make_attempt(exam, candidate)


@pytest.fixture
def officer(django_user_model):
    return django_user_model.objects.create_superuser(email="officer@example.uz", password="Parol-2026!")


@pytest.fixture
def no_pdf(monkeypatch):
    """For tests that do not check the PDF: WeasyPrint would make each one take seconds."""
    monkeypatch.setattr("certificates.services.certificate_pdf_render", lambda certificate, **_: b"%PDF-1.7\n%%EOF\n")


@pytest.fixture
def certificate(passed_attempt):
    """The certificate of ``passed_attempt``, issued through the service (PDF included unless ``no_pdf``)."""
    return certificate_issue(attempt_id=passed_attempt.pk)
