"""The Wagtail admin makes no third-party calls and shows no Wagtail help/news (H14)."""

from __future__ import annotations

import re
import zoneinfo

import pytest
from django.conf import settings
from wagtail.admin.localization import get_available_admin_time_zones

from accounts.models import RoleAssignment
from accounts.roles import role_group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.CERTIFY_REQUIRE_STAFF_MFA = False


def test_the_admin_settings_switch_off_gravatar_update_check_and_whats_new():
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None
    assert settings.WAGTAIL_ENABLE_UPDATE_CHECK is False
    assert settings.WAGTAIL_ENABLE_WHATS_NEW_BANNER is False


def test_the_account_page_offers_only_real_iana_time_zones():
    zones = list(get_available_admin_time_zones())
    assert settings.TIME_ZONE in zones
    assert "localtime" not in zones and "Factory" not in zones
    for name in zones:
        zoneinfo.ZoneInfo(name)  # raises for a name the tz database does not know


@pytest.fixture
def officer(django_user_model):
    user = django_user_model.objects.create_user(
        email="noise-officer@example.uz", password="Parol-2026!", full_name="Staff Officer"
    )
    RoleAssignment.objects.create(user=user, group=role_group("certification_officer"))
    return user


@pytest.mark.parametrize("who", ["officer", "superuser"])
def test_the_dashboard_has_no_gravatar_no_update_check_no_whats_new_and_no_help_menu(
    client, django_user_model, officer, who
):
    user = officer
    if who == "superuser":
        user = django_user_model.objects.create_superuser(
            email="noise-admin@example.uz", password="Parol-2026!", full_name="Admin"
        )
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "gravatar" not in html.lower()
    assert "releases.wagtail.org" not in html and "data-w-upgrade" not in html
    assert "whats_new_in_wagtail_version" not in html
    assert "guide.wagtail.org" not in html
    assert "w-upgrade" not in html  # the update-check panel (superusers only) calls releases.wagtail.org
    assert not re.search(r'&quot;name&quot;: &quot;help&quot;|"name": "help"', html)
    assert re.search(r'&quot;name&quot;: &quot;|"name": "', html)  # the menu itself is there


def test_the_account_page_renders(client, officer):
    client.force_login(officer)
    response = client.get("/admin/account/")
    assert response.status_code == 200
    assert "localtime" not in response.content.decode()
