"""The public verification page and API, the JWKS, and the holder's own certificates."""

import datetime

import pytest
from django.urls import reverse

from certificates import keys
from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_reissue, certificate_revoke

from .conftest import make_attempt

pytestmark = pytest.mark.django_db

API_KEYS = {
    "status",
    "serial",
    "holder_name",
    "qualification",
    "issued_on",
    "expires_on",
    "issuer",
    "revocation_reason",
    "superseded_by",
}


@pytest.fixture
def expired(exam, other_candidate):
    long_ago = datetime.datetime(2020, 1, 10, 9, 0, tzinfo=datetime.UTC)
    return certificate_issue(attempt_id=make_attempt(exam, other_candidate, final_at=long_ago).pk)


def test_api_valid_certificate_has_exactly_the_contract_fields(client, certificate):
    response = client.get(f"/api/v1/verify/{certificate.verification_code}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == API_KEYS
    assert body == {
        "status": "valid",
        "serial": certificate.serial,
        "holder_name": "Oʻgʻiloy Toʻxtayeva",
        "qualification": "Elektron hukumat boʻyicha mutaxassis",
        "issued_on": certificate.issued_on.isoformat(),
        "expires_on": certificate.expires_on.isoformat(),
        "issuer": certificate.issuer_name,
        "revocation_reason": None,
        "superseded_by": None,
    }


def test_api_accepts_the_code_as_people_type_it(client, certificate):
    typed = certificate.verification_code.lower().replace("-", "").replace("0", "o")
    assert client.get(f"/api/v1/verify/{typed}").json()["serial"] == certificate.serial


def test_api_expired(client, expired):
    body = client.get(f"/api/v1/verify/{expired.verification_code}").json()
    assert body["status"] == "expired"
    assert body["expires_on"] == "2023-01-10"


def test_api_revoked_gives_the_reason(client, certificate, officer):
    certificate_revoke(certificate=certificate, by=officer, reason="Exam taken by another person")
    body = client.get(f"/api/v1/verify/{certificate.verification_code}").json()
    assert (body["status"], body["revocation_reason"]) == ("revoked", "Exam taken by another person")


def test_api_superseded_points_to_the_new_code(client, certificate, officer):
    new = certificate_reissue(certificate=certificate, by=officer, holder_name="Oʻgʻiloy Toʻxtayevna", reason="Typo")
    body = client.get(f"/api/v1/verify/{certificate.verification_code}").json()
    assert (body["status"], body["superseded_by"]) == ("superseded", new.verification_code)
    assert client.get(f"/api/v1/verify/{new.verification_code}").json()["status"] == "valid"


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ-ZZZZ-ZZZZ", "short", "UUUU-UUUU-UUUU-UUUU", "x" * 200, "%20"])
def test_api_answers_every_wrong_code_the_same_way(client, certificate, code):
    response = client.get(f"/api/v1/verify/{code}")
    assert response.status_code == 404
    assert response.json() == {"status": "not_found"}


def test_api_is_rate_limited_with_429(client, certificate, settings):
    settings.CERTIFY_VERIFY_RATE = "3/m"
    statuses = [client.get(f"/api/v1/verify/{certificate.verification_code}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_page_is_rate_limited_with_429(client, certificate, settings):
    settings.CERTIFY_VERIFY_RATE = "2/m"
    statuses = [client.get(f"/v/{certificate.verification_code}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_page_valid_shows_the_facts_the_signature_check_and_no_other_personal_data(client, certificate, candidate):
    response = client.get(f"/v/{certificate.verification_code}", HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert '<meta name="robots" content="noindex' in html
    assert 'data-status="valid"' in html
    assert "Oʻgʻiloy Toʻxtayeva" in html
    assert "Специалист по электронному правительству" in html
    assert certificate.serial in html
    assert certificate.signing_key_id in html  # "signature checked, key ..."
    assert candidate.email not in html


def test_page_in_uzbek_writes_dates_the_uzbek_way(client, certificate):
    html = client.get(f"/v/{certificate.verification_code}", HTTP_ACCEPT_LANGUAGE="uz").content.decode()
    assert f"{certificate.issued_on.year}-yil" in html


def test_page_expired_says_on_which_date(client, expired):
    html = client.get(f"/v/{expired.verification_code}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-status="expired"' in html and "10 January 2023" in html


def test_page_revoked_says_when_and_why(client, certificate, officer):
    certificate_revoke(certificate=certificate, by=officer, reason="Exam taken by another person")
    html = client.get(f"/v/{certificate.verification_code}").content.decode()
    assert 'data-status="revoked"' in html and "Exam taken by another person" in html


def test_page_superseded_links_to_the_new_certificate(client, certificate, officer):
    new = certificate_reissue(certificate=certificate, by=officer, holder_name="Oʻgʻiloy T.", reason="Typo")
    html = client.get(f"/v/{certificate.verification_code}").content.decode()
    assert 'data-status="superseded"' in html and f'href="/v/{new.verification_code}"' in html


def test_page_unknown_code_is_a_404_page(client, certificate):
    response = client.get("/v/ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    assert response.status_code == 404
    assert response["X-Robots-Tag"].startswith("noindex")


def test_the_upper_case_qr_url_opens_the_page_and_checks_the_qr_data(client, certificate):
    response = client.get(f"/V/{certificate.verification_code}/{certificate.credential}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "signed data in the QR code matches" in response.content.decode()


def test_a_forged_qr_with_a_real_code_is_flagged(client, certificate, exam, other_candidate):
    stranger = certificate_issue(attempt_id=make_attempt(exam, other_candidate).pk)
    url = f"/V/{certificate.verification_code}/{stranger.credential}"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "does not match this certificate" in html
    assert "name on the certificate does not match the signed name" in html


def test_a_row_edited_behind_the_signature_fails_the_check_on_the_page(client, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(holder_name="Boshqa Odam")
    html = client.get(f"/v/{certificate.verification_code}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Signature check failed" in html


def test_verify_form_redirects_a_typed_code_or_a_pasted_link(client, certificate):
    code = certificate.verification_code
    assert client.get("/v/", {"code": code.lower()})["Location"] == f"/v/{code}"
    pasted = f"https://certify.egov.uz/V/{code}/{certificate.credential}"
    assert client.get(reverse("certificates:verify_form"), {"code": pasted})["Location"] == f"/v/{code}"


def test_verify_form_explains_a_malformed_code(client):
    response = client.get("/v/", {"code": "abc"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()


def test_jwks_publishes_active_and_retired_keys(client, certificate):
    old_kid = certificate.signing_key_id
    new_kid, _ = keys.key_rotate()
    body = client.get("/.well-known/jwks.json").json()
    published = {jwk["kid"]: jwk for jwk in body["keys"]}
    assert set(published) == {old_kid, new_kid}
    assert all(jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" not in jwk for jwk in published.values())


def test_the_holder_lists_and_downloads_their_certificate(client, certificate, candidate):
    client.force_login(candidate)
    listing = client.get(reverse("certificates:mine"))
    assert certificate.serial in listing.content.decode()
    response = client.get(reverse("certificates:download", kwargs={"code": certificate.verification_code}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_another_user_cannot_download_the_pdf(client, certificate, other_candidate):
    client.force_login(other_candidate)
    response = client.get(reverse("certificates:download", kwargs={"code": certificate.verification_code}))
    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, certificate):
    response = client.get(reverse("certificates:download", kwargs={"code": certificate.verification_code}))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_missing_pdf_is_rendered_on_download(client, certificate, candidate):
    Certificate.objects.filter(pk=certificate.pk).update(pdf="")
    client.force_login(candidate)
    response = client.get(reverse("certificates:download", kwargs={"code": certificate.verification_code}))
    assert response.status_code == 200
    assert Certificate.objects.get(pk=certificate.pk).pdf.name


def test_the_api_answers_with_one_query(client, certificate, officer, django_assert_max_num_queries):
    certificate_reissue(certificate=certificate, by=officer, holder_name="Oʻgʻiloy T.", reason="Typo")
    with django_assert_max_num_queries(1):
        body = client.get(f"/api/v1/verify/{certificate.verification_code}").json()
    assert body["status"] == "superseded"


def test_a_code_with_a_trailing_slash_is_looked_up_not_the_sites_404(client, certificate):
    code = certificate.verification_code
    for url in (f"/v/{code}/", f"/V/{code}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'data-status="valid"' in response.content.decode()
    unknown = client.get("/v/ABCD-1234-XYZ9/")
    assert unknown.status_code == 404
    assert unknown.wsgi_request.path == "/v/ABCD-1234-XYZ9/"  # answered here, not redirected into the site
