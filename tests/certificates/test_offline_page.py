"""The offline verifier's page, service worker and status snapshot (issue 5, item 7), over HTTP.

The browser side (the signature checked by WebCrypto with the network off) is
tests/e2e/test_offline_verifier.py.
"""

import hashlib
import re

import pytest
from django.test import override_settings
from django.utils import timezone

from certificates.models import Certificate
from certificates.offline_views import MESSAGES
from certificates.services import certificate_issue, certificate_reissue, certificate_revoke

from .conftest import make_attempt

pytestmark = pytest.mark.django_db


def sha256(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


@pytest.mark.parametrize(
    ("url", "language"), [("/v/offline/", "uz"), ("/v/offline/ru/", "ru"), ("/v/offline/en/", "en")]
)
def test_page_is_in_the_language_of_its_url_whatever_the_browser_asks(client, url, language):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="ru" if language != "ru" else "en")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert response["Content-Language"] == language
    assert 'id="offline-verifier"' in html
    # No inline script (CSP): the behaviour is in the static file, loaded by src.
    assert re.findall(r"<script[^>]*>", html) == [re.search(r'<script src="[^"]*offline-verifier\.js" defer>', html)[0]]


def test_page_carries_every_message_translated(client):
    html = client.get("/v/offline/ru/").content.decode()
    for key in MESSAGES:
        match = re.search(rf'data-msg-{key}="([^"]*)"', html)
        assert match, key
        assert re.search("[а-яё]", match[1], re.IGNORECASE), (key, match[1])


def test_page_has_labelled_input_and_a_live_result(client):
    html = client.get("/v/offline/en/").content.decode()
    assert re.search(r'<label for="offline-link">', html)
    assert 'id="offline-link"' in html
    assert re.search(r'id="offline-result" role="status" aria-live="polite"', html)


def test_page_is_the_same_for_everyone(client, django_user_model):
    """No per-request data: a signed-in visitor with cookies gets the very bytes an anonymous one gets."""
    anonymous = client.get("/v/offline/en/")
    user = django_user_model.objects.create_user(email="someone@example.uz", password="Parol-2026!")
    client.force_login(user)
    signed_in = client.get("/v/offline/en/", HTTP_ACCEPT_LANGUAGE="ru")
    assert anonymous.content == signed_in.content
    assert "csrftoken" not in signed_in.cookies
    assert b"csrfmiddlewaretoken" not in signed_in.content


def test_default_language_path_redirects_and_unknown_language_is_404(client):
    assert client.get("/v/offline/uz/")["Location"] == "/v/offline/"
    assert client.get("/v/offline")["Location"] == "/v/offline/"
    assert client.get("/v/offline/de/").status_code == 404


def test_service_worker_is_javascript_scoped_to_the_page(client):
    response = client.get("/v/offline/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/v/offline/"
    body = response.content.decode()
    for url in ("/v/offline/", "/v/offline/ru/", "/v/offline/en/", "/.well-known/jwks.json", "/v/offline/status.json"):
        assert f'"{url}"' in body
    assert re.search(r'importScripts\("[^"]*certificates/offline-sw\.js"\)', body)


def test_status_snapshot_lists_hashes_of_revoked_and_superseded_codes_only(
    client, certificate, exam, officer, other_candidate, django_user_model
):
    third_holder = django_user_model.objects.create_user(
        email="third@example.uz", password="Parol-2026!", full_name="Aziz Karimov"
    )
    other = certificate_issue(attempt_id=make_attempt(exam, other_candidate).pk)
    third = certificate_issue(attempt_id=make_attempt(exam, third_holder).pk)
    certificate_revoke(certificate=certificate, by=officer, reason="Exam taken by another person")
    new = certificate_reissue(certificate=other, by=officer, holder_name="Dilnoza Rahimova", reason="Typo")

    response = client.get("/v/offline/status.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"version", "generated_at", "algorithm", "revoked", "superseded"}
    assert body["algorithm"] == "sha256"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["generated_at"])
    assert body["revoked"] == [sha256(certificate.verification_code)]
    assert body["superseded"] == [sha256(other.verification_code)]
    listed = set(body["revoked"]) | set(body["superseded"])
    assert sha256(third.verification_code) not in listed
    assert sha256(new.verification_code) not in listed


def test_status_snapshot_reveals_no_code_or_personal_data(client, certificate, officer):
    certificate_revoke(certificate=certificate, by=officer, reason="Exam taken by another person")
    text = client.get("/v/offline/status.json").content.decode()
    code = certificate.verification_code
    for secret in (code, code.replace("-", ""), certificate.serial, certificate.holder_name, "Exam taken"):
        assert secret not in text
    assert certificate.holder.email not in text


def test_a_revoked_and_superseded_certificate_is_listed_as_revoked(client, certificate, officer):
    certificate_reissue(certificate=certificate, by=officer, holder_name="Oʻgʻiloy Toʻxtayevna", reason="Typo")
    # The service refuses to revoke a superseded certificate; an older row may still be both.
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=timezone.now(), revocation_reason="Fraud")
    body = client.get("/v/offline/status.json").json()
    assert body["revoked"] == [sha256(certificate.verification_code)]
    assert body["superseded"] == []


@override_settings(CERTIFY_VERIFY_RATE="2/m")
def test_status_snapshot_is_rate_limited(client):
    assert [client.get("/v/offline/status.json").status_code for _ in range(3)] == [200, 200, 429]


def test_verification_form_links_to_the_offline_verifier(client):
    html = client.get("/v/").content.decode()
    assert 'href="/v/offline/"' in html
