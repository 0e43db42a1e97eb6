"""Ed25519 keys (kid, rotation, JWKS) and the COSE_Sign1 credential."""

import base64
import datetime
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ImproperlyConfigured

from certificates import keys, signing

CLAIMS = signing.Claims(
    code="7Q2M-0D4K-XW9T-H3CE",
    serial="EGOV-2026-000123",
    holder_name="Oʻgʻiloy Toʻxtayeva",
    qualification_uz="Elektron hukumat boʻyicha mutaxassis",
    issued_on=datetime.date(2025, 3, 5),
    expires_on=datetime.date(2028, 3, 5),
)


def test_a_development_key_is_created_on_first_use_with_a_private_file_only_the_owner_reads(settings):
    active = keys.active_key()
    folder = settings.CERTIFY_SIGNING_KEY_DIR
    assert (folder / "ACTIVE").read_text().strip() == active.kid
    assert (folder / f"{active.kid}.key").stat().st_mode & 0o077 == 0
    assert keys.active_key().kid == active.kid  # the same key next time


def test_production_refuses_to_invent_a_key(settings):
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="rotate_signing_key"):
        keys.active_key()


def test_the_kid_is_the_truncated_rfc7638_thumbprint_of_the_public_key():
    active = keys.active_key()
    raw = active.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    thumbprint = hashlib.sha256(f'{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}'.encode()).digest()
    assert active.kid == base64.urlsafe_b64encode(thumbprint[:8]).rstrip(b"=").decode()


def test_a_signed_credential_verifies_and_gives_back_its_claims():
    active = keys.active_key()
    token = signing.credential_sign(CLAIMS, kid=active.kid, private_key=active.private_key)
    verified = signing.credential_verify(token, keys.public_keys())
    assert verified.claims == CLAIMS
    assert verified.kid == active.kid


def test_the_credential_text_is_qr_alphanumeric_and_round_trips():
    active = keys.active_key()
    token = signing.credential_sign(CLAIMS, kid=active.kid, private_key=active.private_key)
    text = signing.credential_to_text(token)
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert signing.credential_from_text(text.lower()) == token


def test_a_changed_byte_in_the_signed_data_fails_the_signature():
    active = keys.active_key()
    token = bytearray(signing.credential_sign(CLAIMS, kid=active.kid, private_key=active.private_key))
    position = bytes(token).index("Toʻxtayeva".encode())
    token[position] ^= 0x01
    with pytest.raises(signing.CredentialError, match="signature does not verify"):
        signing.credential_verify(bytes(token), keys.public_keys())


def test_an_unknown_key_is_named_in_the_error():
    active = keys.active_key()
    token = signing.credential_sign(CLAIMS, kid=active.kid, private_key=active.private_key)
    with pytest.raises(signing.CredentialError, match=f"unknown key \\({active.kid}\\)"):
        signing.credential_verify(token, {})


@pytest.mark.parametrize("garbage", [b"", b"\xff\x00", b"hello"])
def test_garbage_is_refused_with_a_reason_not_an_exception_of_another_type(garbage):
    with pytest.raises(signing.CredentialError):
        signing.credential_verify(garbage, keys.public_keys())


def test_claims_mismatch_names_the_field():
    other = signing.Claims(**{**CLAIMS.__dict__, "holder_name": "Oʻgʻiloy Toxtayeva"})
    assert signing.claims_mismatches(other, CLAIMS) == ["name on the certificate does not match the signed name"]


def test_rotation_retires_the_old_key_but_keeps_it_for_verifying(settings):
    old = keys.active_key()
    token = signing.credential_sign(CLAIMS, kid=old.kid, private_key=old.private_key)
    new_kid, retired = keys.key_rotate()
    assert retired == old.kid
    assert keys.active_key().kid == new_kid != old.kid
    assert not (settings.CERTIFY_SIGNING_KEY_DIR / f"{old.kid}.key").exists()
    assert signing.credential_verify(token, keys.public_keys()).kid == old.kid
    assert {item["kid"]: item["state"] for item in keys.keys_describe()} == {new_kid: "active", old.kid: "retired"}


def test_a_jwks_document_gives_back_the_same_keys():
    keys.active_key()
    keys.key_rotate()
    published = {"keys": [keys.public_jwk(kid, key) for kid, key in keys.public_keys().items()]}
    restored = keys.keys_from_jwks(json.loads(json.dumps(published)))
    assert set(restored) == set(keys.public_keys())


def test_a_jwks_entry_claiming_another_kid_is_ignored():
    active = keys.active_key()
    jwk = keys.public_jwk("AAAAAAAAAAA", active.private_key.public_key())
    assert keys.keys_from_jwks({"keys": [jwk]}) == {}
