"""Fixtures of the exam engine's tests."""

import pytest


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    # Staff MFA has its own tests (tests/accounts); here the exam engine's admin pages are under test.
    settings.CERTIFY_REQUIRE_STAFF_MFA = False
