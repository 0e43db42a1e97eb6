"""``POST /api/v1/verify/bulk``: many codes at once for HR systems."""

import json

import pytest
from django.test import Client

from certificates.services import certificate_issue, certificate_reissue, certificate_revoke

from .conftest import make_attempt

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_pdf")]

URL = "/api/v1/verify/bulk"


@pytest.fixture
def second(exam, other_candidate):
    return certificate_issue(attempt_id=make_attempt(exam, other_candidate).pk)


def _post(client, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **extra)


def test_results_come_in_input_order_with_the_single_lookup_body(client, certificate, second, officer):
    certificate_revoke(certificate=second, by=officer, reason="fraud")
    typed = certificate.verification_code.lower().replace("-", " ")
    codes = [second.verification_code, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", typed, "not a code", certificate.verification_code]
    response = _post(client, {"codes": codes})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [result["code"] for result in results] == codes
    single = client.get(f"/api/v1/verify/{certificate.verification_code}").json()
    assert results[2] == {"code": typed, **single} and results[4] == {"code": codes[4], **single}
    assert results[0]["status"] == "revoked" and results[0]["revocation_reason"] == "fraud"
    assert results[0] == {"code": codes[0], **client.get(f"/api/v1/verify/{second.verification_code}").json()}
    assert results[1] == {"code": codes[1], "status": "not_found"}
    assert results[3] == {"code": codes[3], "status": "not_found"}


def test_a_superseded_certificate_names_its_successor(client, certificate, officer):
    new = certificate_reissue(certificate=certificate, by=officer, holder_name="Oʻgʻiloy Toʻxtayevna", reason="typo")
    (result,) = _post(client, {"codes": [certificate.verification_code]}).json()["results"]
    assert result["status"] == "superseded" and result["superseded_by"] == new.verification_code


def test_one_hundred_codes_are_answered_and_101_refused(client, certificate):
    codes = [certificate.verification_code] * 100
    assert len(_post(client, {"codes": codes}).json()["results"]) == 100
    response = _post(client, {"codes": [*codes, "ZZZZ-ZZZZ-ZZZZ-ZZZZ"]})
    assert response.status_code == 400
    assert response.json()["status"] == "bad_request" and "at most 100" in response.json()["error"]


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        b"\xff\xfe\x00",
        "[]",
        '"codes"',
        "{}",
        '{"codes": "7Q2M-0D4K-XW9T-H3CE"}',
        '{"codes": [1, 2]}',
        '{"codes": [null]}',
        '{"codes": [["nested"]]}',
        '{"codes": []}',
        "",
    ],
)
def test_malformed_bodies_get_400_with_a_reason(client, body):
    response = _post(client, body)
    assert response.status_code == 400
    assert response.json()["status"] == "bad_request" and response.json()["error"]


def test_a_huge_body_is_refused_before_it_is_parsed(client):
    response = _post(client, {"codes": ["x" * 1000] * 50})
    assert response.status_code == 413
    assert response.json()["status"] == "bad_request"


def test_an_overlong_code_is_just_not_found(client):
    (result,) = _post(client, {"codes": ["7" * 5000]}).json()["results"]
    assert result["status"] == "not_found"


def test_only_post_and_the_cors_preflight_are_allowed(client):
    assert client.get(URL).status_code == 405
    response = client.options(URL)
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*" and "POST" in response["Access-Control-Allow-Methods"]


def test_no_csrf_token_is_needed(certificate):
    client = Client(enforce_csrf_checks=True)
    response = _post(client, {"codes": [certificate.verification_code]})
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"


def test_each_code_counts_against_the_rate_limit(client, certificate, settings):
    settings.CERTIFY_VERIFY_BULK_RATE = "5/m"
    assert _post(client, {"codes": [certificate.verification_code] * 3}).status_code == 200
    response = _post(client, {"codes": [certificate.verification_code] * 3})
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert response.json() == {"status": "rate_limited"}


def test_the_bulk_limit_is_separate_from_single_lookups(client, certificate, settings):
    settings.CERTIFY_VERIFY_RATE = "1/m"
    settings.CERTIFY_VERIFY_BULK_RATE = "100/m"
    assert client.get(f"/api/v1/verify/{certificate.verification_code}").status_code == 200
    assert _post(client, {"codes": [certificate.verification_code] * 50}).status_code == 200


@pytest.mark.parametrize("count", [1, 100])
def test_the_query_count_does_not_grow_with_the_number_of_codes(
    client, certificate, second, officer, count, django_assert_max_num_queries
):
    new = certificate_reissue(certificate=certificate, by=officer, holder_name="Oʻgʻiloy Toʻxtayevna", reason="typo")
    pool = [certificate.verification_code, second.verification_code, new.verification_code, "ZZZZ-ZZZZ-ZZZZ-ZZZZ"]
    codes = [pool[index % len(pool)] for index in range(count)]
    with django_assert_max_num_queries(1):
        response = _post(client, {"codes": codes})
    assert response.status_code == 200 and len(response.json()["results"]) == count
