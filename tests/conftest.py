"""Shared pytest fixtures: temporary media and signing keys, users, eager Celery."""

import os

import pytest

os.environ.setdefault("CERTIFY_ENV", "test")


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Each test writes media and signing keys under its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CERTIFY_SIGNING_KEY_DIR = tmp_path / "signing"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def candidate(django_user_model):
    return django_user_model.objects.create_user(
        email="candidate@example.uz", password="Parol-2026!", full_name="Oʻgʻiloy Toʻxtayeva"
    )


@pytest.fixture
def other_candidate(django_user_model):
    return django_user_model.objects.create_user(
        email="other@example.uz", password="Parol-2026!", full_name="Дилноза Рахимова"
    )
