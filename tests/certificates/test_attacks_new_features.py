"""Attacks on issue 5's new public surface: VC-JWT checking, the bulk check, the status list
routes, the credential routes and the offline verifier's page and service worker.

Each test names the attack; a failure means the attack got through (or crashed the server).
"""

import base64
import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from certificates import keys, openbadges
from certificates.offline import verify_vc_jwt
from certificates.services import certificate_issue, certificate_reissue, certificate_revoke

from .conftest import make_attempt

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_pdf")]

BULK = "/api/v1/verify/bulk"


@pytest.fixture
def second(exam, other_candidate):
    return certificate_issue(attempt_id=make_attempt(exam, other_candidate).pk)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _parts(token: str) -> tuple[dict, bytes, str]:
    head, body, signature = token.split(".")
    return json.loads(keys.b64url_decode(head)), keys.b64url_decode(body), signature


# --- VC-JWT: algorithm confusion, key ids, headers -------------------------------------------


def test_hs256_signed_with_the_public_key_as_secret_is_refused(certificate):
    token = openbadges.certificate_vc_jwt(certificate)
    header, payload, _signature = _parts(token)
    kid = header["kid"]
    public_raw = keys.b64url_decode(keys.public_jwk(kid, keys.public_keys()[kid])["x"])
    forged_header = {**header, "alg": "HS256"}
    signing_input = _b64url(json.dumps(forged_header).encode()) + "." + _b64url(payload)
    mac = hmac.new(public_raw, signing_input.encode(), hashlib.sha256).digest()
    report = verify_vc_jwt(signing_input + "." + _b64url(mac), keys.public_keys())
    assert not report.ok
    assert "EdDSA" in " ".join(report.problems)


@pytest.mark.parametrize("kid", ["../../etc/passwd", "", "x" * 5000, "__proto__", None, 7, ["a"]])
def test_a_kid_naming_nothing_is_an_unknown_key(certificate, kid):
    token = openbadges.certificate_vc_jwt(certificate)
    header, payload, signature = _parts(token)
    forged = _b64url(json.dumps({**header, "kid": kid}).encode()) + "." + _b64url(payload) + "." + signature
    report = verify_vc_jwt(forged, keys.public_keys())
    assert not report.ok and report.credential is None


@pytest.mark.parametrize(
    "change",
    [{"typ": "JWT"}, {"cty": "json"}, {"jku": "https://evil.example/jwks.json"}, {"x5u": "https://e/x"}],
)
def test_a_changed_header_breaks_the_signature(certificate, change):
    """The header is signed too: the same signature over an edited header does not verify."""
    token = openbadges.certificate_vc_jwt(certificate)
    header, payload, signature = _parts(token)
    forged = _b64url(json.dumps({**header, **change}).encode()) + "." + _b64url(payload) + "." + signature
    report = verify_vc_jwt(forged, keys.public_keys())
    assert not report.ok and report.credential is None


def test_a_deeply_nested_header_is_a_reason_not_a_crash():
    """JSON nested 100,000 deep makes Python's json raise RecursionError, not ValueError."""
    token = _b64url(b"[" * 100_000) + "." + _b64url(b"{}") + "." + _b64url(b"x" * 64)
    report = verify_vc_jwt(token, keys.public_keys())
    assert not report.ok and report.problems


def test_a_jwks_file_of_the_wrong_shape_is_a_clear_command_error(certificate, tmp_path):
    from django.core.management import CommandError, call_command

    token_file = tmp_path / "badge.jwt"
    token_file.write_text(openbadges.certificate_vc_jwt(certificate))
    for document in ([], {"keys": [1]}, {"keys": "x"}, {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": 5}]}):
        jwks_file = tmp_path / "jwks.json"
        jwks_file.write_text(json.dumps(document))
        with pytest.raises(CommandError):
            call_command("verify_certificate", str(token_file), "--jwks", str(jwks_file))


# --- bulk --------------------------------------------------------------------------------------


def _post(client, body, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(BULK, data=data, content_type=content_type)


def test_deeply_nested_json_is_a_400_not_a_500(client):
    body = "[" * 8_000 + "]" * 8_000  # under the 16 KB limit, deeper than Python's recursion limit
    assert len(body) <= 16 * 1024
    response = _post(client, body)
    assert response.status_code == 400
    assert response.json()["status"] == "bad_request"


@pytest.mark.parametrize(
    "body",
    [
        {"codes": [["AAAA-AAAA-AAAA-AAAA"]]},
        {"codes": [{"code": "AAAA-AAAA-AAAA-AAAA"}]},
        {"codes": [None]},
        {"codes": [1, 2]},
        {"codes": "AAAA-AAAA-AAAA-AAAA"},
        {"codes": {"0": "AAAA-AAAA-AAAA-AAAA"}},
        ["AAAA-AAAA-AAAA-AAAA"],
        "AAAA",
        "NaN",
    ],
)
def test_shapes_other_than_a_list_of_strings_are_refused(client, body):
    response = _post(client, body)
    assert response.status_code == 400


def test_a_form_encoded_body_is_refused(client, certificate):
    response = _post(client, f"codes={certificate.verification_code}", "application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_duplicates_are_answered_each_time_and_each_counts(client, certificate, settings):
    settings.CERTIFY_VERIFY_BULK_RATE = "5/m"
    code = certificate.verification_code
    response = _post(client, {"codes": [code] * 5})
    assert response.status_code == 200
    assert [row["status"] for row in response.json()["results"]] == ["valid"] * 5
    assert _post(client, {"codes": [code]}).status_code == 429


def test_unicode_look_alikes_and_control_characters_find_nothing_else(client, certificate, second):
    """Full-width digits, a code with a NUL or a zero-width space: never another certificate, never a 500."""
    code = certificate.verification_code
    full_width = "".join(chr(ord(char) + 0xFEE0) if char.isalnum() else char for char in code)
    codes = [full_width, code + "\x00", code[:4] + "\u200b" + code[4:], code.replace("-", "\u2010"), "%00", "'--"]
    response = _post(client, {"codes": codes})
    assert response.status_code == 200
    found = [row for row in response.json()["results"] if row["status"] != "not_found"]
    assert all(row.get("serial_number", certificate.serial) == certificate.serial for row in found)
    assert second.serial not in json.dumps(response.json())


# --- the status list and credential routes ------------------------------------------------------


@pytest.mark.parametrize("number", ["99999999999999999999999", "9223372036854775807", "70368744177664"])
def test_a_huge_status_list_number_is_404_not_a_500(client, certificate, number):
    response = client.get(f"/status/revocation/{number}")
    assert response.status_code == 404
    assert client.get(f"/status/revocation/{number}.json").status_code == 404


@pytest.mark.parametrize("path", ["/status/revocation/-1", "/status/revocation/0x1", "/status/revocation/1e3"])
def test_a_status_list_number_that_is_not_digits_is_no_list(client, certificate, path):
    """Not routed to the list: the site's language redirect, ending in a 404 page."""
    response = client.get(path, follow=True)
    assert response.status_code == 404
    assert b"encodedList" not in response.content


def test_the_status_list_bits_of_valid_revoked_and_superseded(client, certificate, second, officer):
    from certificates.status_list import bit_is_set, bitstring_decode, status_index_of

    valid = certificate_issue(attempt_id=make_attempt(certificate.exam, second.holder, number=2).pk)
    certificate_revoke(certificate=certificate, by=officer, reason="attack test")
    replacement = certificate_reissue(certificate=second, by=officer, holder_name="Boshqa Ism", reason="attack test")
    body = client.get("/status/revocation/0.json").json()
    bits = bitstring_decode(body["credentialSubject"]["encodedList"])
    certificate.refresh_from_db()
    second.refresh_from_db()
    assert bit_is_set(bits, status_index_of(certificate))
    assert bit_is_set(bits, status_index_of(second))
    assert not bit_is_set(bits, status_index_of(valid))
    assert not bit_is_set(bits, status_index_of(replacement))


def test_the_credential_route_never_answers_with_another_code_or_trailing_junk(client, certificate, second):
    code = certificate.verification_code
    for path in (
        f"/api/v1/credentials/{code}.jwt.jwt",
        f"/api/v1/credentials/{code}%00",
        f"/api/v1/credentials/{code}/",
    ):
        response = client.get(path, follow=True)
        assert response.status_code == 404, path
        assert b"OpenBadgeCredential" not in response.content  # the 404 page may echo the path, not the credential
        assert certificate.holder_name.encode() not in response.content


def test_the_holder_download_of_another_holders_code_is_404(client, candidate, second):
    client.force_login(candidate)
    for name in ("download_badge_jwt", "download_badge"):
        url = reverse(f"certificates:{name}", kwargs={"code": second.verification_code})
        response = client.get(url)
        assert response.status_code == 404
        assert second.holder_name not in response.content.decode()


def test_the_public_credential_carries_no_personal_data(client, certificate, candidate):
    candidate.pinfl = "31234567890123"
    candidate.phone = "+998901234567"
    candidate.save()
    text = client.get(f"/api/v1/credentials/{certificate.verification_code}").content.decode()
    for secret in (candidate.email, "31234567890123", "+998901234567", "998901234567"):
        assert secret not in text


# --- the offline verifier ------------------------------------------------------------------------


def test_the_service_worker_cannot_widen_its_scope(client):
    response = client.get("/v/offline/sw.js")
    assert response["Service-Worker-Allowed"] == "/v/offline/"
    assert response["Content-Type"].startswith("application/javascript")


def test_the_offline_page_is_identical_with_and_without_a_session_and_sets_no_cookie(client, candidate):
    anonymous = client.get("/v/offline/")
    client.force_login(candidate)
    signed_in = client.get("/v/offline/")
    assert anonymous.content == signed_in.content
    assert candidate.email.encode() not in signed_in.content
    assert "csrftoken" not in signed_in.cookies
    assert b"csrfmiddlewaretoken" not in signed_in.content


def test_the_offline_script_sets_credential_fields_as_text_only():
    """DOM XSS: the verifier must never write credential data as HTML."""
    from pathlib import Path

    from django.conf import settings

    script = (Path(settings.BASE_DIR) / "certificates/static/certificates/offline-verifier.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, sink
