"""Sign-in: MFA for staff, the lock-out after wrong passwords, e-mail confirmation, sessions."""

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_a_staff_member_without_mfa_is_sent_to_set_it_up_before_any_admin_page(client, staff_factory):
    staff_factory("examiner", mfa=False)
    # Signing in sends staff to the admin, and the admin sends them to set up TOTP.
    response = client.post(
        reverse("account_login"), {"login": "examiner@example.uz", "password": "Parol-2026!"}, follow=True
    )
    assert response.status_code == 200
    paths = [url.split("?")[0] for url, _status in response.redirect_chain]
    # allauth asks for the password once more before a new authenticator is added.
    assert paths == ["/admin/", reverse("mfa_activate_totp"), reverse("account_reauthenticate")]
    assert "next=%2Fadmin%2F" in response.redirect_chain[1][0]
    response = client.post(response.redirect_chain[-1][0], {"password": "Parol-2026!"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].split("?")[0] == reverse("mfa_activate_totp")
    assert "totp_url" in response.context
    # Still no admin until a code is confirmed.
    assert client.get("/admin/")["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_superuser_without_mfa_is_also_sent_to_set_it_up(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@example.uz", password="Parol-2026!")
    client.force_login(admin)
    for path in ("/admin/", "/django-admin/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_staff_member_with_totp_reaches_the_admin(client, staff_factory):
    client.force_login(staff_factory("examiner"))
    assert client.get("/admin/").status_code == 200


def test_a_candidate_is_not_asked_for_mfa_and_is_not_let_into_the_admin(client, candidate):
    client.force_login(candidate)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert not response["Location"].startswith(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_login"))


def test_the_password_only_admin_sign_in_forms_send_people_to_the_mfa_aware_one(client):
    for path in ("/admin/login/", "/django-admin/login/", "/en/_util/login/", "/uz/_util/login/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_signing_in_with_a_password_asks_a_staff_member_with_totp_for_the_code(client, staff_factory):
    staff_factory("trainer")
    response = _login(client, "trainer@example.uz", "Parol-2026!")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in until the code is given.
    assert "_auth_user_id" not in client.session


def test_after_the_allowed_wrong_passwords_even_the_right_one_is_refused(client, candidate):
    failures = settings.ACCOUNT_LOGIN_FAILURES
    for _ in range(failures):
        response = _login(client, candidate.email, "wrong-password")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    response = _login(client, candidate.email, "Parol-2026!")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert b"Too many failed login attempts" in response.content


def test_the_right_password_signs_in_below_the_limit(client, candidate):
    for _ in range(settings.ACCOUNT_LOGIN_FAILURES - 1):
        _login(client, candidate.email, "wrong-password")
    response = _login(client, candidate.email, "Parol-2026!")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(candidate.pk)


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_with_mandatory_confirmation_a_new_account_cannot_sign_in_before_confirming(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.uz",
            "password1": "Yangi-Parol-2026",
            "password2": "Yangi-Parol-2026",
            "full_name": "Yangi Nomzod",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new@example.uz"]


def test_production_settings_make_e_mail_confirmation_mandatory():
    import subprocess
    import sys

    code = "import django; django.setup(); from django.conf import settings; print(settings.ACCOUNT_EMAIL_VERIFICATION)"
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "certify.settings",
        "CERTIFY_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "example.uz",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=settings.BASE_DIR, check=True
    )
    assert out.stdout.strip() == "mandatory"


def test_the_sessions_list_shows_the_signed_in_session(client, candidate):
    _login(client, candidate.email, "Parol-2026!")
    response = client.get(reverse("usersessions_list"))
    assert response.status_code == 200
    assert [session.user_id for session in response.context["sessions"]] == [candidate.pk]
