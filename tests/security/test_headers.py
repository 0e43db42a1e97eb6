"""Security headers on an exam page, the verification page and the API.

The Content-Security-Policy comes from ``certify.security``; HSTS, nosniff, the referrer policy
and frame denial from Django's ``SecurityMiddleware`` and ``XFrameOptionsMiddleware`` as
configured in ``certify.settings``. HSTS is sent only over HTTPS, as RFC 6797 section 7.2
requires: the tests ask as the reverse proxy does (``X-Forwarded-Proto: https``) with the
production values of the settings.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from certificates.services import certificate_issue
from certify.security import ADMIN_POLICY, PUBLIC_POLICY, policy_header
from exams.services import attempts as svc
from tests.certificates.conftest import make_attempt
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.fixture
def production_like(settings):
    """The security settings production uses (certify.settings, CERTIFY_ENV=production)."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_SSL_REDIRECT = False  # the proxy says https; nothing to redirect


@pytest.fixture
def attempt(candidate):
    category = CategoryFactory()
    for _ in range(3):
        approved_question(category=category)
    exam = ExamFactory()
    blueprint(exam, [(category, 2)])
    return svc.attempt_start(exam=exam, candidate=candidate)


@pytest.fixture
def certificate(candidate):
    exam = ExamFactory(title_en="E-Government specialist")
    return certificate_issue(attempt_id=make_attempt(exam, candidate).pk)


def fetch(client, url):
    response = client.get(url, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200, (url, response.status_code)
    return response


def pages(client, candidate, attempt, certificate):
    client.force_login(candidate)
    with translation.override("en"):
        return {
            "exam page": fetch(client, reverse("exams:take", args=[attempt.pk])),
            "verification page": fetch(client, reverse("certificates_verify", args=[certificate.verification_code])),
            "verification API": fetch(client, reverse("certificates_api_verify", args=[certificate.verification_code])),
        }


def test_every_public_response_has_hsts_nosniff_referrer_policy_and_frame_denial(
    client, candidate, attempt, certificate, production_like
):
    for name, response in pages(client, candidate, attempt, certificate).items():
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["X-Frame-Options"] == "DENY", name
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], name


def test_the_content_security_policy_allows_no_inline_or_foreign_script(client, candidate, attempt, certificate):
    for name, response in pages(client, candidate, attempt, certificate).items():
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], name
        assert policy["default-src"] == ["'self'"], name
        assert policy["object-src"] == ["'none'"], name
        assert policy["base-uri"] == ["'self'"], name
        assert "unsafe-inline" not in response["Content-Security-Policy"], name
        assert "unsafe-eval" not in response["Content-Security-Policy"], name
        assert "camera=()" in response["Permissions-Policy"], name


def test_the_exam_page_script_loads_from_our_origin_and_nothing_inline_runs(client, candidate, attempt, certificate):
    """The policy would block an inline script: the pages must not need one."""
    for name, response in pages(client, candidate, attempt, certificate).items():
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or "application/json" in tag, (name, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), name  # no event handler attributes
        assert "javascript:" not in html.lower(), name
    exam_html = pages(client, candidate, attempt, certificate)["exam page"].content.decode()
    assert re.search(r"<script src=\"/static/exams/attempt\.js\" defer>", exam_html)


def test_hsts_is_not_sent_over_plain_http(client, certificate, production_like):
    """RFC 6797: a browser ignores HSTS over HTTP; Django does not send it there."""
    response = client.get(reverse("certificates_api_verify", args=[certificate.verification_code]))
    assert "Strict-Transport-Security" not in response


def test_no_template_of_ours_carries_an_inline_script_style_or_handler():
    """Templates of the public site stay compatible with the strict policy. Admin templates (the
    reports app and any ``templates/*/admin/``) are served under /admin/ with the relaxed one; the
    PDF template is rendered by WeasyPrint, never served to a browser."""
    offenders = []
    for template in ROOT.glob("*/templates/**/*.html"):
        relative = template.relative_to(ROOT)
        # E-mails are not served pages (no CSP applies; mail clients need inline styles).
        if template.name == "pdf.html" or relative.parts[0] == "reports" or {"admin", "email"} & set(relative.parts):
            continue
        html = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{template}: {tag}")
        if re.search(r"<style\b|\sstyle=\"|\son[a-z]+=\"", html):
            offenders.append(f"{template}: inline style or handler")
    assert not offenders, offenders


def test_the_wagtail_admin_gets_its_own_relaxed_policy(admin_client):
    """Wagtail 8's admin writes inline scripts (date widgets, inline panels), so /admin/ allows them;
    only there. The admin is framed by itself (preview pane), never by another site."""
    response = admin_client.get("/admin/login/")
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", "'unsafe-inline'", "'unsafe-eval'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy_header(ADMIN_POLICY) != policy_header(PUBLIC_POLICY)


def test_extra_sources_and_single_sign_on_origin_are_added(settings, client):
    settings.CERTIFY_CSP_EXTRA = {"img-src": ["https://media.example.uz"]}
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": [{"settings": {"server_url": "https://sso.egov.uz/realms/gov/"}}]}
    }
    response = client.get("/healthz")
    policy = directives(response["Content-Security-Policy"])
    assert policy["img-src"] == ["'self'", "data:", "https://media.example.uz"]
    assert policy["form-action"] == ["'self'", "https://sso.egov.uz"]
