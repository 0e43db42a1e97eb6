"""Sign-up does not reveal whether an e-mail address is registered (H13)."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def _signup(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": "Yangi-Parol-2026", "password2": "Yangi-Parol-2026", "full_name": "Yangi Nomzod"},
    )


def test_enumeration_prevention_is_switched_on():
    assert settings.ACCOUNT_PREVENT_ENUMERATION is True


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_signing_up_with_a_registered_address_looks_like_a_new_sign_up_and_mails_the_holder(
    client, candidate, mailoutbox
):
    new = _signup(client, "someone.new@example.uz")
    client.cookies.clear()
    taken = _signup(client, candidate.email.upper())
    assert new.status_code == taken.status_code == 302
    assert new["Location"] == taken["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact=candidate.email).count() == 1
    assert "_auth_user_id" not in client.session
    assert [m.to for m in mailoutbox] == [["someone.new@example.uz"], [candidate.email]]
    assert "Yangi-Parol-2026" not in mailoutbox[1].body


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_the_sign_up_page_never_says_the_address_is_taken(client, candidate):
    response = client.post(
        reverse("account_signup"),
        {"email": candidate.email, "password1": "short", "password2": "other", "full_name": "Yangi Nomzod"},
    )
    assert response.status_code == 200
    assert "email" not in response.context["form"].errors


def test_development_settings_make_e_mail_confirmation_mandatory_so_sign_up_hides_addresses():
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.ACCOUNT_EMAIL_VERIFICATION, settings.ACCOUNT_PREVENT_ENUMERATION)"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "certify.settings", "CERTIFY_ENV": "development"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=settings.BASE_DIR, check=True
    )
    assert out.stdout.strip() == "mandatory True"
