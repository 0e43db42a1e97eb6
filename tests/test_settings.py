"""Settings from the environment: production refuses to start unconfigured and passes Django's deploy checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    dropped = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key_and_allowed_hosts():
    result = manage("check", CERTIFY_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS" in result.stderr
    only_key = manage("check", CERTIFY_ENV="production", SECRET_KEY=secrets.token_urlsafe(50))
    assert only_key.returncode != 0 and "ALLOWED_HOSTS" in only_key.stderr


def test_production_settings_pass_the_deploy_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level=WARNING",
        CERTIFY_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="certify.example.uz",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unknown_environment_name_is_refused():
    result = manage("check", CERTIFY_ENV="prod")
    assert result.returncode != 0 and "CERTIFY_ENV" in result.stderr


def test_without_a_broker_tasks_run_eagerly_and_with_one_they_do_not():
    code = "from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)"
    eager = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "certify.settings", "CELERY_BROKER_URL": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    queued = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "certify.settings", "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert eager.stdout.strip() == "True", eager.stderr
    assert queued.stdout.strip() == "False", queued.stderr
