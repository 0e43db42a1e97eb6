"""The offline verifier in real Chromium with the network off (issue 5, item 7).

One online visit installs the service worker, which keeps the page, its script and style, the
JWKS and the status snapshot. Then the browser goes offline, the page reloads from that copy,
and the QR links of real certificates (signed by the Python side) are checked in JavaScript:
the CBOR decoding, the rebuilt Sig_structure and the WebCrypto Ed25519 verification must all
agree with certificates/signing.py for the genuine link to pass. No request may reach the
server while offline.
"""

import datetime
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.templatetags.static import static

from certificates import keys, signing
from certificates.rendering.qr import qr_payload
from certificates.services import certificate_issue, certificate_reissue, certificate_revoke
from exams.models import Exam
from tests.certificates.conftest import make_attempt
from tests.conftest import require_or_skip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@contextmanager
def network_cut(live_server):
    """While inside, the live server answers every request 503 and notes its path.

    ``context.set_offline`` cuts the page and its service worker off, but Chromium's own update
    check of a service worker script (made by the browser after a navigation) escapes it; here
    that check fails as it would on a device with no network, so no request succeeds.
    """
    server = live_server.thread.httpd
    application = server.get_app()
    reached = []

    def refuse(environ, start_response):
        reached.append(environ.get("PATH_INFO"))
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"offline"]

    server.set_app(refuse)
    try:
        yield reached
    finally:
        server.set_app(application)


def altered(credential: str, position: int) -> str:
    """``credential`` with the base32 character at ``position`` replaced by another one."""
    old = credential[position]
    new = BASE32[(BASE32.index(old) + 1) % len(BASE32)]
    return credential[:position] + new + credential[position + 1 :]


def check(page, link: str) -> dict:
    """Paste ``link``, press Enter (keyboard only) and return the result's outcome, reason and facts."""
    page.fill("#offline-link", link)
    page.evaluate("document.getElementById('offline-result').setAttribute('data-outcome', '')")
    page.press("#offline-link", "Enter")
    page.wait_for_function("document.getElementById('offline-result').getAttribute('data-outcome') !== ''")
    result = page.locator("#offline-result")
    facts = {
        name: result.locator(f'[data-fact="{name}"]').text_content()
        for name in ("holder", "serial", "code", "expires", "kid")
        if result.locator(f'[data-fact="{name}"]').count()
    }
    return {"outcome": result.get_attribute("data-outcome"), "reason": result.get_attribute("data-reason"), **facts}


def test_the_offline_verifier_checks_signatures_and_revocations_with_no_network(
    page, live_server, candidate, other_candidate, django_user_model
):
    officer = django_user_model.objects.create_superuser(email="officer@example.uz", password="Parol-2026!")
    exam = Exam.objects.create(
        code="egov-specialist",
        title_uz="Elektron hukumat boʻyicha mutaxassis",
        title_ru="Специалист по электронному правительству",
        title_en="E-Government specialist",
        time_limit_minutes=60,
        cut_score=Decimal("70.00"),
        validity_months=36,
        is_published=True,
    )
    third = django_user_model.objects.create_user(email="third@example.uz", password="Parol-2026!", full_name="Aziz")
    fourth = django_user_model.objects.create_user(email="fourth@example.uz", password="Parol-2026!", full_name="Bek")
    genuine = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    revoked = certificate_issue(attempt_id=make_attempt(exam, other_candidate).pk)
    certificate_revoke(certificate=revoked, by=officer, reason="Exam taken by another person")
    replaced = certificate_issue(attempt_id=make_attempt(exam, third).pk)
    certificate_reissue(certificate=replaced, by=officer, holder_name="Aziz Karimov", reason="Name corrected")
    long_ago = datetime.datetime(2020, 1, 10, 9, 0, tzinfo=datetime.UTC)
    expired = certificate_issue(attempt_id=make_attempt(exam, fourth, final_at=long_ago).pk)
    # A new signing key: the certificates above are now signed by a retired key (still in the JWKS).
    keys.key_rotate()
    after_rotation = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    assert after_rotation.signing_key_id != genuine.signing_key_id
    # The same facts signed by a key the issuer never published.
    stranger = Ed25519PrivateKey.generate()
    forged = signing.credential_to_text(
        signing.credential_sign(genuine.claims(), kid=keys.kid_for(stranger.public_key()), private_key=stranger)
    )

    def link(certificate, *, code=None, credential=None):
        return qr_payload(live_server.url, code or certificate.verification_code, credential or certificate.credential)

    # Online, once: the service worker installs, keeps its files and takes control of the page.
    page.goto(f"{live_server.url}/v/offline/en/")
    page.wait_for_selector('#offline-verifier[data-offline-ready="true"]')
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    context = page.context
    with network_cut(live_server) as reached_server:
        context.set_offline(True)
        answered = []
        page.on("response", lambda response: answered.append(response))
        page.reload()
        page.wait_for_selector('#offline-verifier[data-loaded="true"]')
        assert page.locator("#offline-verifier").get_attribute("data-offline-ready") == "true"
        assert page.locator("#offline-sync").get_attribute("data-generated-at")

        result = check(page, link(genuine))
        assert result["outcome"] == "valid", result
        assert result["holder"] == "Oʻgʻiloy Toʻxtayeva"
        assert result["serial"] == genuine.serial
        assert result["code"] == genuine.verification_code
        assert result["expires"] == genuine.expires_on.isoformat()
        assert result["kid"] == genuine.signing_key_id
        assert page.locator("#offline-result .status-banner").is_visible()

        # Signed by the new key, and by the retired one (genuine) above.
        fresh = check(page, link(after_rotation))
        assert (fresh["outcome"], fresh["kid"]) == ("valid", after_rotation.signing_key_id), fresh

        # Well-formed, but signed by a key that is not in the JWKS.
        unknown = check(page, link(genuine, credential=forged))
        assert (unknown["outcome"], unknown["reason"]) == ("invalid", "unknown-key"), unknown

        # The same link typed in lower case, as some scanners give it.
        assert check(page, link(genuine).lower())["outcome"] == "valid"

        # One character changed in the signed payload: the signature no longer verifies.
        tampered = check(page, link(genuine, credential=altered(genuine.credential, 60)))
        assert (tampered["outcome"], tampered["reason"]) == ("invalid", "signature"), tampered
        assert "holder" not in tampered

        # A genuine credential under another certificate's code.
        swapped = check(page, link(revoked, credential=genuine.credential))
        assert (swapped["outcome"], swapped["reason"]) == ("invalid", "code-mismatch"), swapped

        # Cut short: not a credential at all.
        assert check(page, link(genuine, credential=genuine.credential[:40]))["reason"] == "malformed"

        # Revoked and superseded come from the status snapshot; expiry from the signed date.
        assert check(page, link(revoked))["outcome"] == "revoked"
        assert check(page, link(replaced))["outcome"] == "superseded"
        old = check(page, link(expired))
        assert (old["outcome"], old["expires"]) == ("expired", "2023-01-10"), old

        # Everything the page got came from the service worker; nothing the page asked for reached
        # the server. Only the browser's own update check of the worker may have (and was refused).
        assert answered, "the reload answered nothing"
        assert all(response.from_service_worker for response in answered), [
            response.url for response in answered if not response.from_service_worker
        ]
        assert set(reached_server) <= {"/v/offline/sw.js", static("certificates/offline-sw.js")}, reached_server
    context.set_offline(False)


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("path", ["/v/offline/", "/v/offline/ru/"])
def test_the_offline_page_has_no_serious_axe_violations(browser, live_server, settings, path):
    """axe-core on the page with a failure shown (CSP bypassed only so that axe can be injected)."""
    require_or_skip(AXE.exists(), "axe-core is not installed (make node-deps)", required_by="CERTIFY_REQUIRE_E2E")
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(bypass_csp=True, service_workers="block")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector('#offline-verifier[data-loaded="true"]')
        page.focus("#offline-link")
        page.keyboard.type("https://example.uz/V/0000-0000-0000-0000/AAAA")
        page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('offline-result').getAttribute('data-outcome') !== ''")
        page.add_script_tag(path=str(AXE))
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        blocking = [
            f"{violation['id']} ({violation['impact']}): {violation['help']}"
            for violation in results["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        assert blocking == []
    finally:
        context.close()
