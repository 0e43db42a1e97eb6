"""Fixtures for the accounts tests: clean rate-limit counters, English, staff with and without MFA."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.utils import translation

from accounts.models import RoleAssignment
from accounts.roles import role_group


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth's rate limits count in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def make_staff(django_user_model, role: str, *, email: str | None = None, mfa: bool = True, organisation=None):
    """A user with ``role`` (a key of accounts.roles.ROLES) and, unless ``mfa=False``, TOTP set up."""
    user = django_user_model.objects.create_user(
        email=email or f"{role}@example.uz", password="Parol-2026!", full_name=f"Staff {role}"
    )
    RoleAssignment.objects.create(user=user, group=role_group(role), organisation=organisation)
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def staff_factory(django_user_model):
    def factory(role: str, **kwargs):
        return make_staff(django_user_model, role, **kwargs)

    return factory
