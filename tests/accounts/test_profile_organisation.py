"""The organisation on the candidate's own profile is shown but cannot be changed there (H13)."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Organisation, User

pytestmark = pytest.mark.django_db


def _post(client, **overrides):
    data = {"full_name": "Aziza Karimova", "position": "", "phone": "", "pinfl": "", "language": "uz"}
    data.update(overrides)
    return client.post(reverse("accounts:profile"), data)


def test_a_forged_organisation_in_the_profile_post_is_ignored(client, candidate):
    home = Organisation.objects.create(name="Toshkent hokimligi", kind="ministry")
    other = Organisation.objects.create(name="Boshqa vazirlik", kind="ministry")
    candidate.organisation = home
    candidate.save(update_fields=["organisation"])
    client.force_login(candidate)
    response = _post(client, organisation=other.pk)
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.organisation == home
    assert candidate.full_name == "Aziza Karimova"


def test_a_candidate_without_organisation_cannot_pick_one(client, candidate):
    other = Organisation.objects.create(name="Boshqa vazirlik", kind="ministry")
    client.force_login(candidate)
    _post(client, organisation=other.pk)
    candidate.refresh_from_db()
    assert candidate.organisation is None


def test_the_profile_shows_the_organisation_as_a_disabled_field(client, candidate):
    home = Organisation.objects.create(name="Toshkent hokimligi", kind="ministry")
    candidate.organisation = home
    candidate.save(update_fields=["organisation"])
    client.force_login(candidate)
    response = client.get(reverse("accounts:profile"))
    field = response.context["form"].fields["organisation"]
    assert field.disabled
    html = response.content.decode()
    assert 'name="organisation"' in html and "disabled" in html.split('name="organisation"')[1].split(">")[0]
    assert "Toshkent hokimligi" in html


def test_the_organisation_label_is_translated():
    field = User._meta.get_field("organisation")
    with translation.override("uz"):
        assert str(field.verbose_name) == "tashkilot"
    with translation.override("ru"):
        assert str(field.verbose_name) == "организация"
