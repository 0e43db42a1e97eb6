import unicodedata

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_the_email_is_the_sign_in_name_and_the_username_mirrors_it():
    user = get_user_model().objects.create_user(email="Ali@Example.UZ", password="x-Parol-2026")
    assert user.username == "Ali@example.uz"
    assert get_user_model().USERNAME_FIELD == "email"


def test_full_name_is_stored_nfc_with_the_uzbek_modifier_letter_kept():
    decomposed = unicodedata.normalize("NFD", "  Oʻgʻiloy Toʻxtayeva  ")
    user = get_user_model().objects.create_user(email="o@example.uz", password="x", full_name=decomposed)
    user.refresh_from_db()
    assert user.full_name == "Oʻgʻiloy Toʻxtayeva"
    assert "\u02bb" in user.full_name
