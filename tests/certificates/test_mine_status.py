"""My certificates: a revoked one says when and why; a superseded one links its replacement
and offers no PDF or share link (H13)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from certificates.models import TASHKENT, Certificate
from certificates.services import certificate_issue

from .conftest import make_attempt

pytestmark = pytest.mark.django_db


def _card(html: str, code: str) -> str:
    return html.split(f'data-certificate="{code}"')[1].split('<div class="card"')[0]


def _mine(client, language="en") -> str:
    with translation.override(language):
        return client.get(reverse("certificates:mine")).content.decode()


def test_a_revoked_certificate_shows_the_date_and_the_reason(client, exam, candidate, passed_attempt):
    certificate = certificate_issue(attempt_id=passed_attempt.pk)
    when = datetime.datetime(2026, 3, 5, 22, 30, tzinfo=datetime.UTC)  # 6 March in Tashkent
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=when, revocation_reason="Hujjat soxta")
    client.force_login(candidate)
    card = _card(_mine(client), certificate.verification_code)
    assert 'data-status="revoked"' in card
    assert "Revoked on 6 March 2026: Hujjat soxta" in card
    assert "data-revocation" in card
    assert reverse("certificates:download", kwargs={"code": certificate.verification_code}) not in card
    assert when.astimezone(TASHKENT).day == 6


def test_a_superseded_certificate_links_its_replacement_and_offers_no_pdf_or_share(client, exam, candidate):
    first = certificate_issue(attempt_id=make_attempt(exam, candidate, number=1).pk)
    second = certificate_issue(attempt_id=make_attempt(exam, candidate, number=2).pk)
    Certificate.objects.filter(pk=first.pk).update(superseded_at=timezone.now(), superseded_by=second)
    client.force_login(candidate)
    html = _mine(client)
    old = _card(html, first.verification_code)
    assert f'data-replaced-by="{second.verification_code}"' in old
    assert f'href="#certificate-{second.verification_code}"' in old
    assert second.serial in old
    with translation.override("en"):
        assert reverse("certificates:download", kwargs={"code": first.verification_code}) not in old
    assert "data-share" not in old and "data-open-badge" not in old
    assert f'id="certificate-{second.verification_code}"' in html
    new = _card(html, second.verification_code)
    with translation.override("en"):
        assert reverse("certificates:download", kwargs={"code": second.verification_code}) in new
