"""Open Badges 3.0 credentials: their content, the VC-JWT proof, the public and holder routes,
and checking a downloaded ``.jwt`` back with ``manage.py verify_certificate``."""

import base64
import datetime
import json

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.urls import reverse

from certificates import keys, openbadges
from certificates.offline import verify_vc_jwt
from certificates.services import certificate_issue, certificate_reissue, certificate_revoke
from certificates.status_list import LIST_BITS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_pdf")]


@pytest.fixture
def certificate(passed_attempt, candidate):
    candidate.pinfl = "31234567890123"
    candidate.save(update_fields=["pinfl"])
    return certificate_issue(attempt_id=passed_attempt.pk)


def _b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _resign(token: str, *, header: dict | None = None, payload: dict | None = None, key=None, kid=None) -> str:
    """A VC-JWT made from ``token`` with a changed header/payload, signed by ``key`` (named ``kid``)."""
    head, body, _signature = token.split(".")
    header = header if header is not None else _b64url_json(head)
    payload = payload if payload is not None else _b64url_json(body)
    if kid is not None:
        header = {**header, "kid": kid}
    active = keys.active_key()
    return openbadges.jws_compact_sign(
        header, json.dumps(payload, ensure_ascii=False).encode(), key or active.private_key
    )


# --- content ---------------------------------------------------------------------------


def test_the_credential_has_the_open_badges_3_fields(certificate, exam, settings):
    settings.SITE_URL = "https://certify.egov.uz"
    credential = openbadges.open_badge_credential(certificate)
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == f"https://certify.egov.uz/v/{certificate.verification_code}"
    assert credential["issuer"]["id"] == "https://certify.egov.uz/"
    assert credential["issuer"]["type"] == ["Profile"]
    assert credential["issuer"]["name"] == certificate.issuer_name
    assert credential["name"] == exam.title_uz
    assert credential["validFrom"] == f"{certificate.issued_on.isoformat()}T00:00:00+05:00"
    assert credential["validUntil"] == f"{certificate.expires_on.isoformat()}T23:59:59+05:00"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Oʻgʻiloy Toʻxtayeva"}
    ]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["id"] == f"https://certify.egov.uz/achievements/{exam.code}"
    assert achievement["name"] == exam.title_uz
    assert exam.title_ru in achievement["description"] and exam.title_en in achievement["description"]
    assert exam.code in achievement["criteria"]["narrative"]
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert status["statusListIndex"] == str(certificate.status_list_index % LIST_BITS)
    assert (
        status["statusListCredential"]
        == f"https://certify.egov.uz/status/revocation/{certificate.status_list_index // LIST_BITS}"
    )


def test_the_credential_carries_no_email_or_personal_number(certificate, candidate):
    text = json.dumps(openbadges.open_badge_credential(certificate), ensure_ascii=False)
    assert candidate.email not in text
    assert candidate.pinfl not in text


def test_a_certificate_without_expiry_has_no_valid_until(certificate):
    certificate.expires_on = None
    assert "validUntil" not in openbadges.open_badge_credential(certificate)


# --- the VC-JWT proof ------------------------------------------------------------------


def test_the_vc_jwt_header_names_a_key_published_in_the_jwks(client, certificate):
    token = openbadges.certificate_vc_jwt(certificate)
    header = _b64url_json(token.split(".")[0])
    assert header == {"alg": "EdDSA", "kid": keys.active_key().kid, "typ": "vc+jwt", "cty": "vc"}
    jwks = client.get("/.well-known/jwks.json").json()
    assert header["kid"] in {jwk["kid"] for jwk in jwks["keys"]}


def test_the_vc_jwt_verifies_with_pyjwt_and_the_published_jwk(client, certificate):
    """An independent JOSE implementation (PyJWT) accepts our token with the JWKS key."""
    token = openbadges.certificate_vc_jwt(certificate)
    kid = _b64url_json(token.split(".")[0])["kid"]
    jwk = next(jwk for jwk in client.get("/.well-known/jwks.json").json()["keys"] if jwk["kid"] == kid)
    payload = pyjwt.decode(token, pyjwt.PyJWK(jwk).key, algorithms=["EdDSA"])
    assert payload == openbadges.open_badge_credential(certificate)


# RFC 8037 appendix A.1 (the key) and A.4/A.5 (signing "Example of Ed25519 signing" with
# header {"alg":"EdDSA"}). No published VC-JWT test vector signed with EdDSA was found
# (the VC-JOSE-COSE examples use ES256/ES384), so the JWS layer is checked against this one.
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


def test_jws_signing_reproduces_the_rfc_8037_test_vector():
    private_key = Ed25519PrivateKey.from_private_bytes(keys.b64url_decode(RFC8037_D))
    assert keys.public_jwk("k", private_key.public_key())["x"] == RFC8037_X
    assert openbadges.jws_compact_sign({"alg": "EdDSA"}, b"Example of Ed25519 signing", private_key) == RFC8037_JWS


def test_jws_parsing_and_verifying_accepts_the_rfc_8037_test_vector():
    jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}]}
    ((kid, public_key),) = keys.keys_from_jwks(jwks).items()
    parsed = openbadges.jws_compact_parse(RFC8037_JWS)
    assert parsed.header == {"alg": "EdDSA"} and parsed.payload == b"Example of Ed25519 signing"
    public_key.verify(parsed.signature, parsed.signing_input)  # raises InvalidSignature if wrong
    # It is a plain JWS, not a credential: the VC-JWT check refuses it for its missing typ.
    with pytest.raises(openbadges.VcJwtError, match="typ"):
        openbadges.vc_jwt_verify(RFC8037_JWS, {kid: public_key})


# --- routes ----------------------------------------------------------------------------


def test_public_json_and_jwt_routes(client, certificate):
    code = certificate.verification_code
    response = client.get(f"/api/v1/credentials/{code}")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == openbadges.open_badge_credential(certificate)
    response = client.get(f"/api/v1/credentials/{code}.jwt")
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    verified = openbadges.vc_jwt_verify(response.content.decode(), keys.public_keys())
    assert verified.credential["id"].endswith(f"/v/{code}")
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ-ZZZZ-ZZZZ", "short", "x" * 200])
def test_public_routes_answer_unknown_codes_with_the_same_404(client, certificate, code):
    for url in (f"/api/v1/credentials/{code}", f"/api/v1/credentials/{code}.jwt"):
        response = client.get(url)
        assert response.status_code == 404 and response.json() == {"status": "not_found"}


def test_revoked_and_superseded_credentials_are_gone(client, certificate, officer):
    new = certificate_reissue(certificate=certificate, by=officer, holder_name="Oʻgʻiloy Toʻxtayevna", reason="typo")
    assert client.get(f"/api/v1/credentials/{certificate.verification_code}.jwt").json() == {"status": "superseded"}
    certificate_revoke(certificate=new, by=officer, reason="fraud")
    response = client.get(f"/api/v1/credentials/{new.verification_code}")
    assert response.status_code == 410 and response.json() == {"status": "revoked"}


def test_public_credential_route_is_rate_limited(client, certificate, settings):
    settings.CERTIFY_VERIFY_RATE = "2/m"
    url = f"/api/v1/credentials/{certificate.verification_code}.jwt"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_the_holder_downloads_both_forms(client, candidate, certificate):
    client.force_login(candidate)
    code = certificate.verification_code
    response = client.get(reverse("certificates:download_badge_jwt", kwargs={"code": code}))
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    assert f'filename="{certificate.serial}-open-badge.jwt"' in response["Content-Disposition"]
    assert openbadges.vc_jwt_verify(response.content.decode(), keys.public_keys()).credential["name"]
    response = client.get(reverse("certificates:download_badge", kwargs={"code": code}))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["type"] == ["VerifiableCredential", "OpenBadgeCredential"]


def test_nobody_else_downloads_the_holders_credential(client, other_candidate, certificate):
    url = reverse("certificates:download_badge_jwt", kwargs={"code": certificate.verification_code})
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(other_candidate)
    assert client.get(url).status_code == 404


def test_my_certificates_offers_the_badge_and_a_share_link(client, candidate, certificate, settings):
    settings.SITE_URL = "https://certify.egov.uz"
    client.force_login(candidate)
    response = client.get("/en/certificates/")
    html = response.content.decode()
    share_url = f"https://certify.egov.uz/v/{certificate.verification_code}"
    assert f'value="{share_url}"' in html and f'href="{share_url}"' in html
    assert "data-copy-target=" in html and "certificates/share.js" in html
    assert reverse("certificates:download_badge_jwt", kwargs={"code": certificate.verification_code})[3:] in html
    assert "<script>" not in html  # the Content-Security-Policy allows no inline script


def test_the_share_link_is_translated(client, candidate, certificate):
    client.force_login(candidate)
    pages = {language: client.get(f"/{language}/certificates/").content.decode() for language in ("uz", "ru", "en")}
    assert "Copy link" in pages["en"]
    assert "Copy link" not in pages["uz"] and "Copy link" not in pages["ru"]


# --- verify back -----------------------------------------------------------------------


def _run(capsys, *args):
    try:
        call_command("verify_certificate", *args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_downloaded_jwt_verifies_with_the_command(certificate, tmp_path, capsys):
    path = tmp_path / "badge.jwt"
    path.write_text(openbadges.certificate_vc_jwt(certificate))
    code, out, err = _run(capsys, str(path))
    assert code == 0, err
    assert "OK" in out and "Oʻgʻiloy Toʻxtayeva" in out and certificate.verification_code in out


def test_the_command_checks_a_jwt_against_a_jwks_file(client, certificate, tmp_path, capsys):
    jwks = tmp_path / "jwks.json"
    jwks.write_bytes(client.get("/.well-known/jwks.json").content)
    code, _out, err = _run(capsys, openbadges.certificate_vc_jwt(certificate), "--jwks", str(jwks))
    assert code == 0, err


def test_a_tampered_payload_fails(certificate, tmp_path, capsys):
    token = openbadges.certificate_vc_jwt(certificate)
    head, body, signature = token.split(".")
    payload = _b64url_json(body)
    payload["credentialSubject"]["identifier"][0]["identityHash"] = "Oʻgʻiloy Toʻxtayevna"
    forged_body = keys.b64url(json.dumps(payload, ensure_ascii=False).encode())
    path = tmp_path / "forged.jwt"
    path.write_text(f"{head}.{forged_body}.{signature}")
    code, _out, err = _run(capsys, str(path))
    assert code == 1
    assert "signature does not verify" in err and "changed" in err


def test_an_unknown_key_fails(certificate, tmp_path, capsys):
    stranger = Ed25519PrivateKey.generate()
    token = _resign(openbadges.certificate_vc_jwt(certificate), key=stranger, kid=keys.kid_for(stranger.public_key()))
    path = tmp_path / "stranger.jwt"
    path.write_text(token)
    code, _out, err = _run(capsys, str(path))
    assert code == 1 and "unknown key" in err


def test_a_key_posing_under_our_kid_fails(certificate, tmp_path, capsys):
    token = _resign(openbadges.certificate_vc_jwt(certificate), key=Ed25519PrivateKey.generate())
    path = tmp_path / "posing.jwt"
    path.write_text(token)
    code, _out, err = _run(capsys, str(path))
    assert code == 1 and "signature does not verify" in err


def test_an_expired_credential_fails(certificate, tmp_path, capsys):
    token = openbadges.certificate_vc_jwt(certificate)
    payload = _b64url_json(token.split(".")[1])
    payload["validUntil"] = "2021-03-05T23:59:59+05:00"
    path = tmp_path / "expired.jwt"
    path.write_text(_resign(token, payload=payload))  # genuinely signed by our key
    code, _out, err = _run(capsys, str(path))
    assert code == 1 and "expired on 2021-03-05" in err


def test_a_credential_used_before_its_date_fails(certificate):
    token = openbadges.certificate_vc_jwt(certificate)
    long_ago = datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)
    report = verify_vc_jwt(token, keys.public_keys(), now=long_ago)
    assert not report.ok and any("not valid before" in problem for problem in report.problems)


@pytest.mark.parametrize("typ", [None, "JWT", "vc+ld+json"])
def test_a_token_that_is_not_typed_vc_jwt_fails(certificate, typ):
    token = openbadges.certificate_vc_jwt(certificate)
    header = _b64url_json(token.split(".")[0])
    header.pop("typ")
    if typ:
        header["typ"] = typ
    report = verify_vc_jwt(_resign(token, header=header), keys.public_keys())
    assert not report.ok and "typ" in report.problems[0]


@pytest.mark.parametrize("text", ["", "a.b", "not a jwt at all", "e30.e30.", "!!!.???.###", "a" * 2_000_000])
def test_malformed_tokens_fail_with_a_reason(text):
    report = verify_vc_jwt(text, keys.public_keys())
    assert not report.ok and report.problems


def test_alg_none_is_refused(certificate):
    token = openbadges.certificate_vc_jwt(certificate)
    head, body, _signature = token.split(".")
    header = {**_b64url_json(head), "alg": "none"}
    unsigned = keys.b64url(json.dumps(header).encode()) + "." + body + "."
    report = verify_vc_jwt(unsigned, keys.public_keys())
    assert not report.ok and "EdDSA" in report.problems[0]


def test_a_revoked_credential_fails_with_the_status_list(
    client, certificate, officer, tmp_path, capsys, django_capture_on_commit_callbacks
):
    badge = tmp_path / "badge.jwt"
    badge.write_text(openbadges.certificate_vc_jwt(certificate))
    status_list = tmp_path / "status.jwt"
    status_list.write_bytes(client.get("/status/revocation/0").content)
    code, out, _err = _run(capsys, str(badge), "--status-list", str(status_list))
    assert code == 0 and "Not revoked" in out
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, by=officer, reason="fraud")
    status_list.write_bytes(client.get("/status/revocation/0").content)
    code, _out, err = _run(capsys, str(badge), "--status-list", str(status_list))
    assert code == 1 and "revoked" in err
