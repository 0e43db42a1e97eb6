"""Government single sign-on through OpenID Connect, against a provider faked in the test.

The discovery document, the token endpoint and the userinfo endpoint are answered by a fake
``requests`` session (no network); the browser side (redirect out, callback in) is the real
allauth flow.
"""

import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.test import override_settings
from django.urls import reverse

from accounts.adapter import CertifySocialAccountAdapter

pytestmark = pytest.mark.django_db

ISSUER = "https://sso.example.gov.uz"
PROVIDERS = {
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "gov",
                "name": "OneID",
                "client_id": "certify-client",
                "secret": "certify-secret",
                "settings": {"server_url": ISSUER, "token_auth_method": "client_secret_post"},
            }
        ]
    }
}
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "userinfo_endpoint": f"{ISSUER}/userinfo",
    "jwks_uri": f"{ISSUER}/jwks",
}
USERINFO = {
    "sub": "gov-000123",
    "email": "oygul@example.uz",
    "email_verified": True,
    "name": "Oygul Toʻrayeva",
    "locale": "ru",
    "pin": "31234567890123",
}


def _response(url: str, payload: dict, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.url = url
    response._content = json.dumps(payload).encode()
    response.headers["Content-Type"] = "application/json"
    return response


class FakeProvider:
    """A ``requests.Session`` stand-in that answers like the identity provider."""

    def __init__(self):
        self.calls: list[tuple[str, str, dict]] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return _response(url, DISCOVERY)
        if url == DISCOVERY["token_endpoint"] and method == "POST":
            data = kwargs.get("data") or {}
            if data.get("code") != "the-code" or data.get("client_secret") != "certify-secret":
                return _response(url, {"error": "invalid_grant"}, 400)
            return _response(url, {"access_token": "access-123", "token_type": "Bearer", "expires_in": 300})
        if url == DISCOVERY["userinfo_endpoint"]:
            assert kwargs["headers"]["Authorization"] == "Bearer access-123"
            return _response(url, USERINFO)
        raise AssertionError(f"unexpected request {method} {url}")


@pytest.fixture
def provider(monkeypatch):
    fake = FakeProvider()
    monkeypatch.setattr(CertifySocialAccountAdapter, "get_requests_session", lambda self: fake)
    return fake


def _sign_in_through_provider(client, *, code="the-code"):
    response = client.post(reverse("openid_connect_login", kwargs={"provider_id": "gov"}))
    assert response.status_code == 302
    authorize = urlparse(response["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == DISCOVERY["authorization_endpoint"]
    query = parse_qs(authorize.query)
    assert query["client_id"] == ["certify-client"]
    callback = reverse("openid_connect_callback", kwargs={"provider_id": "gov"})
    return client.get(callback, {"code": code, "state": query["state"][0]})


@override_settings(SOCIALACCOUNT_PROVIDERS=PROVIDERS)
def test_a_new_person_signs_in_through_the_government_provider_and_gets_a_filled_profile(client, provider):
    response = _sign_in_through_provider(client)
    assert response.status_code == 302
    account = SocialAccount.objects.get(provider="gov", uid="gov-000123")
    user = account.user
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.email == "oygul@example.uz"
    assert user.full_name == "Oygul Toʻrayeva"
    assert user.language == "ru"
    assert user.pinfl == "31234567890123"
    assert not user.has_usable_password()
    # Discovery (once per request), then the code for a token, then the claims.
    assert [(method, url) for method, url, _ in provider.calls[-2:]] == [
        ("POST", DISCOVERY["token_endpoint"]),
        ("GET", DISCOVERY["userinfo_endpoint"]),
    ]


@override_settings(SOCIALACCOUNT_PROVIDERS=PROVIDERS)
def test_an_existing_account_with_the_same_address_is_signed_in_not_duplicated(client, provider, django_user_model):
    existing = django_user_model.objects.create_user(email="oygul@example.uz", password="Parol-2026!")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=existing, email=existing.email, primary=True, verified=True)
    response = _sign_in_through_provider(client)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(existing.pk)
    assert django_user_model.objects.filter(email__iexact="oygul@example.uz").count() == 1


@override_settings(SOCIALACCOUNT_PROVIDERS=PROVIDERS)
def test_a_code_the_provider_refuses_signs_nobody_in(client, provider):
    response = _sign_in_through_provider(client, code="forged")
    assert "_auth_user_id" not in client.session
    assert response.status_code == 401  # allauth's "social network login failure" page
    assert not SocialAccount.objects.exists()


def test_without_oidc_settings_the_provider_login_is_not_found(client):
    response = client.post(reverse("openid_connect_login", kwargs={"provider_id": "gov"}))
    assert response.status_code == 404
