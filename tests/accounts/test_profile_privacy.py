"""The candidate's profile (PINFL validated, never public), data download and deletion request."""

import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import DeletionRequest, Organisation

pytestmark = pytest.mark.django_db

PINFL = "31234567890123"


def _profile_data(**overrides):
    data = {
        "full_name": "Oʻgʻiloy Toʻxtayeva",
        "full_name_cyrillic": "Ўғилой Тўхтаева",
        "organisation": "",
        "position": "Bosh mutaxassis",
        "phone": "+998 90 123-45-67",
        "pinfl": "3123 4567 8901 23",
        "language": "uz",
    }
    data.update(overrides)
    return data


def test_the_profile_page_needs_a_signed_in_user(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_candidate_saves_names_in_both_scripts_phone_and_pinfl(client, candidate):
    ministry = Organisation.objects.create(name="Raqamli texnologiyalar vazirligi", kind="ministry")
    candidate.organisation = ministry  # set by staff; the profile form keeps it (read-only there)
    candidate.save(update_fields=["organisation"])
    client.force_login(candidate)
    response = client.post(reverse("accounts:profile"), _profile_data(organisation=""))
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.full_name == "Oʻgʻiloy Toʻxtayeva"
    assert "\u02bb" in candidate.full_name
    assert candidate.full_name_cyrillic == "Ўғилой Тўхтаева"
    assert candidate.organisation == ministry
    assert candidate.phone == "+998901234567"
    assert candidate.pinfl == PINFL


@pytest.mark.parametrize("pinfl", ["1234567890123", "123456789012345", "3123456789012A", "٣١٢٣٤٥٦٧٨٩٠١٢٣"])
def test_a_pinfl_that_is_not_exactly_14_digits_is_refused_and_nothing_is_saved(client, candidate, pinfl):
    client.force_login(candidate)
    response = client.post(reverse("accounts:profile"), _profile_data(pinfl=pinfl, position="Changed"))
    assert response.status_code == 200
    assert "pinfl" in response.context["form"].errors
    candidate.refresh_from_db()
    assert candidate.pinfl == ""
    assert candidate.position == ""


def test_the_pinfl_is_optional(client, candidate):
    client.force_login(candidate)
    response = client.post(reverse("accounts:profile"), _profile_data(pinfl="", phone=""))
    assert response.status_code == 302


def test_the_pinfl_is_neither_on_the_verification_page_nor_in_the_certificate(client, candidate):
    from certificates.services import certificate_issue
    from tests.certificates.conftest import make_attempt
    from tests.factories import ExamFactory

    candidate.pinfl = PINFL
    candidate.full_name_cyrillic = "Ўғилой Тўхтаева"
    candidate.save()
    exam = ExamFactory(is_published=True)
    certificate = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    for path in (f"/v/{certificate.verification_code}", f"/api/v1/verify/{certificate.verification_code}"):
        response = client.get(path)
        assert response.status_code == 200
        assert candidate.full_name in response.content.decode()
        assert PINFL not in response.content.decode()
    certificate.refresh_from_db()
    pdf_text = "".join(page.extract_text() for page in PdfReader(certificate.pdf.open("rb")).pages)
    assert certificate.serial in pdf_text
    assert PINFL not in pdf_text
    assert PINFL not in certificate.credential


def test_a_candidate_downloads_their_own_data_as_json(client, candidate, other_candidate):
    from certificates.services import certificate_issue
    from tests.certificates.conftest import make_attempt
    from tests.factories import ExamFactory

    candidate.pinfl = PINFL
    candidate.save()
    exam = ExamFactory(is_published=True)
    certificate = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    make_attempt(exam, other_candidate)
    client.force_login(candidate)
    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["format"] == "certify-personal-data"
    assert data["profile"]["email"] == candidate.email
    assert data["profile"]["full_name"] == "Oʻgʻiloy Toʻxtayeva"
    assert data["profile"]["pinfl"] == PINFL  # their own data, to themselves
    assert [attempt["candidate_id"] for attempt in data["attempts"]] == [candidate.pk]
    assert "seed" not in data["attempts"][0]
    assert [c["serial"] for c in data["certificates"]] == [certificate.serial]
    assert "password" not in json.dumps(data)


def test_a_candidate_asks_for_deletion_once_and_an_administrator_sees_it(client, candidate):
    client.force_login(candidate)
    assert client.get(reverse("accounts:deletion_request")).status_code == 200
    refused = client.post(reverse("accounts:deletion_request"), {"reason": "No longer needed"})
    assert refused.status_code == 200  # the confirmation box is required
    assert not DeletionRequest.objects.exists()
    response = client.post(reverse("accounts:deletion_request"), {"reason": "No longer needed", "confirm": "on"})
    assert response.status_code == 302
    again = client.post(reverse("accounts:deletion_request"), {"reason": "again", "confirm": "on"})
    assert again.status_code == 302
    request = DeletionRequest.objects.get()
    assert (request.user, request.email, request.status, request.reason) == (
        candidate,
        candidate.email,
        "open",
        "No longer needed",
    )
    # Nothing is deleted by the request itself.
    candidate.refresh_from_db()
    assert candidate.is_active
