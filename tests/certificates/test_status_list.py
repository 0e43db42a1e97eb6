"""The revocation Bitstring Status List: indexes, encoding, the signed list and its cache."""

import gzip
import json

import pytest
from django.db import connection

from certificates import keys, openbadges, status_list
from certificates.models import Certificate
from certificates.services import (
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
    certificate_revoke_after_regrade,
)

from .conftest import make_attempt

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_pdf")]


@pytest.fixture
def second(exam, other_candidate):
    return certificate_issue(attempt_id=make_attempt(exam, other_candidate).pk)


def _fetch_bits(client, list_number: int = 0) -> bytes:
    response = client.get(f"/status/revocation/{list_number}")
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    verified = openbadges.vc_jwt_verify(response.content.decode(), keys.public_keys())
    subject = verified.credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    assert subject["encodedList"].startswith("u")
    return status_list.bitstring_decode(subject["encodedList"])


def _bit(bits: bytes, certificate: Certificate) -> bool:
    return status_list.bit_is_set(bits, status_list.status_index_of(certificate) % status_list.LIST_BITS)


# --- encoding --------------------------------------------------------------------------


def test_the_bitstring_is_at_least_16_kb_and_bit_0_is_the_leftmost():
    encoded = status_list.bitstring_encode([0, 9, 131_071])
    raw = gzip.decompress(openbadges.keys.b64url_decode(encoded[1:]))
    assert len(raw) * 8 >= 131_072
    assert raw[0] == 0x80 and raw[1] == 0x40 and raw[-1] == 0x01
    assert sum(bin(byte).count("1") for byte in raw) == 3
    assert status_list.bitstring_decode(encoded) == raw


def test_the_encoding_is_deterministic_and_compact():
    assert status_list.bitstring_encode([5]) == status_list.bitstring_encode([5])
    assert len(status_list.bitstring_encode([])) < 200


@pytest.mark.parametrize("position", [-1, 131_072])
def test_a_position_outside_the_list_is_refused(position):
    with pytest.raises(ValueError, match="outside"):
        status_list.bitstring_encode([position])


@pytest.mark.parametrize("encoded", ["H4sI", "u!!!!", "u" + openbadges.keys.b64url(b"not gzip at all")])
def test_a_malformed_encoded_list_is_refused(encoded):
    with pytest.raises(ValueError):
        status_list.bitstring_decode(encoded)


def test_a_gzip_bomb_is_refused():
    bomb = "u" + openbadges.keys.b64url(gzip.compress(bytes(2_000_000)))
    with pytest.raises(ValueError, match="inflates"):
        status_list.bitstring_decode(bomb, max_bytes=1_000_000)


# --- indexes ---------------------------------------------------------------------------


def test_each_certificate_gets_its_own_stable_index(certificate, second, officer):
    assert certificate.status_list_index == certificate.pk
    assert second.status_list_index == second.pk
    new = certificate_reissue(certificate=certificate, by=officer, holder_name="Oʻgʻiloy Toʻxtayevna", reason="typo")
    indexes = list(Certificate.objects.values_list("status_list_index", flat=True))
    assert None not in indexes and len(set(indexes)) == 3
    certificate.refresh_from_db()
    assert certificate.status_list_index == certificate.pk and new.status_list_index == new.pk


def test_the_credential_points_at_its_bit(certificate, settings):
    settings.SITE_URL = "https://certify.egov.uz"
    entry = openbadges.open_badge_credential(certificate)["credentialStatus"]
    assert entry == {
        "id": f"https://certify.egov.uz/status/revocation/0#{certificate.pk}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(certificate.pk),
        "statusListCredential": "https://certify.egov.uz/status/revocation/0",
    }


def test_a_large_index_lands_in_a_later_list():
    assert status_list.status_entry(131_072 * 2 + 7)["statusListCredential"].endswith("/status/revocation/2")
    assert status_list.status_entry(131_072 * 2 + 7)["statusListIndex"] == "7"


# --- the published list ----------------------------------------------------------------


def test_a_revoked_certificate_has_its_bit_set_and_others_do_not(
    client, certificate, second, officer, django_capture_on_commit_callbacks
):
    bits = _fetch_bits(client)
    assert len(bits) * 8 >= 131_072
    assert not _bit(bits, certificate) and not _bit(bits, second)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, by=officer, reason="fraud")
    bits = _fetch_bits(client)  # the list was cached by the first fetch: the revocation dropped it
    assert _bit(bits, certificate)
    assert not _bit(bits, second)
    assert sum(bin(byte).count("1") for byte in bits) == 1


def test_the_cached_list_is_dropped_only_after_the_commit(
    client, certificate, officer, django_capture_on_commit_callbacks
):
    """Dropped inside the transaction, a concurrent reader could cache the old list again."""
    _fetch_bits(client)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        certificate_revoke(certificate=certificate, by=officer, reason="fraud")
    assert not _bit(_fetch_bits(client), certificate)  # still the cached list
    for callback in callbacks:
        callback()
    assert _bit(_fetch_bits(client), certificate)


def test_a_superseded_certificate_has_its_bit_set_and_its_replacement_not(
    client, certificate, officer, django_capture_on_commit_callbacks
):
    _fetch_bits(client)
    with django_capture_on_commit_callbacks(execute=True):
        new = certificate_reissue(certificate=certificate, by=officer, holder_name="Oʻgʻiloy Toʻxtayevna", reason="t")
    bits = _fetch_bits(client)
    assert _bit(bits, certificate) and not _bit(bits, new)


def test_a_regrade_revocation_sets_the_bit(client, certificate, passed_attempt, django_capture_on_commit_callbacks):
    _fetch_bits(client)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke_after_regrade(attempt_id=passed_attempt.pk, by_id=None)
    assert _bit(_fetch_bits(client), certificate)


def test_an_unrevoked_list_is_all_zero(client, certificate, second):
    bits = _fetch_bits(client)
    assert not any(bits)


def test_the_list_is_served_from_the_cache(client, certificate, django_assert_max_num_queries):
    _fetch_bits(client)
    with django_assert_max_num_queries(0):
        assert client.get("/status/revocation/0").status_code == 200


def test_a_change_made_behind_the_services_shows_when_the_cache_expires(client, certificate, settings):
    """The cache is a bounded delay, not a second source of truth: clearing it shows the database."""
    _fetch_bits(client)
    Certificate.objects.filter(pk=certificate.pk).update(revocation_reason="x", revoked_at=certificate.created_at)
    assert not _bit(_fetch_bits(client), certificate)
    status_list.status_list_invalidate(index=certificate.status_list_index)
    assert _bit(_fetch_bits(client), certificate)


def test_the_json_view_shows_the_same_signed_list(client, certificate, settings):
    settings.SITE_URL = "https://certify.egov.uz"
    body = client.get("/status/revocation/0.json").json()
    assert body["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert body["id"] == "https://certify.egov.uz/status/revocation/0"
    assert body["issuer"] == openbadges.open_badge_credential(certificate)["issuer"]["id"]
    assert body["credentialSubject"]["id"] == "https://certify.egov.uz/status/revocation/0#list"


def test_a_list_no_certificate_reaches_is_404(client, certificate):
    response = client.get("/status/revocation/1")
    assert response.status_code == 404 and response.json() == {"status": "not_found"}


def test_the_status_list_is_rate_limited(client, certificate, settings):
    settings.CERTIFY_VERIFY_RATE = "2/m"
    assert [client.get("/status/revocation/0").status_code for _ in range(3)] == [200, 200, 429]


def test_the_list_is_computed_in_one_query(certificate, django_assert_num_queries):
    with django_assert_num_queries(1):
        positions = status_list.revoked_positions(0)
    assert positions == []


def test_rows_without_an_index_use_their_primary_key(certificate, officer):
    Certificate.objects.filter(pk=certificate.pk).update(status_list_index=None)
    certificate.refresh_from_db()
    certificate_revoke(certificate=certificate, by=officer, reason="fraud")
    assert status_list.revoked_positions(0) == [certificate.pk]
    assert json.loads(json.dumps(status_list.status_entry(status_list.status_index_of(certificate))))


def test_the_backfill_migration_gives_existing_rows_their_primary_key(certificate):
    from importlib import import_module

    migration = import_module("certificates.migrations.0003_certificate_status_list_index")
    Certificate.objects.filter(pk=certificate.pk).update(status_list_index=None)
    from django.apps import apps

    migration.backfill_status_list_index(apps, connection.schema_editor())
    certificate.refresh_from_db()
    assert certificate.status_list_index == certificate.pk
