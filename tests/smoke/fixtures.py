"""Session fixtures shared by tests/smoke and tests/faults: a migrated and seeded template
database and collected static files, built once per session; per-test stacks."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest

from tests.smoke import stack as st

# Extra candidates (besides seed_demo's) for the tests that flood the stack with several sessions.
EXTRA_CANDIDATES = 8
_SESSION: dict = {}

_MAKE_CANDIDATES = f"""
from accounts.models import User
for n in range({EXTRA_CANDIDATES}):
    email = f"stack-candidate-{{n}}@example.uz"
    user = User.objects.filter(email=email).first() or User(email=email, username=email)
    user.full_name = f"Sinov Nomzod {{n}} Oʻgʻli"
    user.set_password("{st.DEMO_PASSWORD}")
    user.save()
# Production makes e-mail confirmation mandatory; these accounts have confirmed theirs.
from allauth.account.models import EmailAddress
for user in User.objects.all():
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={{"verified": True, "primary": True}}
    )
"""


def _build(tmp_path_factory) -> dict:
    server = st.require_stack()
    if "template" in _SESSION:
        return _SESSION
    if os.environ.get("CERTIFY_STACK_TEMPLATE"):
        # Developer's shortcut while iterating: a template database and static folder kept from
        # an earlier build (never dropped here). CI leaves it unset and builds both.
        _SESSION.update(
            server=server,
            template=os.environ["CERTIFY_STACK_TEMPLATE"],
            static_root=Path(os.environ["CERTIFY_STACK_STATIC"]),
            keep=True,
        )
        return _SESSION
    workdir = tmp_path_factory.mktemp("stack-template")
    static_root = workdir / "static"
    name = f"certify_stack_tmpl_{secrets.token_hex(4)}"
    url = st.database_create(server, name)
    redis = st.RedisServer(workdir / "redis", workdir / "logs")  # Wagtail clears its cache on page saves
    redis.start()
    builder = st.Stack(database_url=url, redis_url=redis.url, workdir=workdir, static_root=static_root)
    # collectstatic (production: hashed, compressed) runs beside migrate: both take about a minute.
    collect = subprocess.Popen(
        [str(st.BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=st.ROOT,
        env=builder.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        builder.manage("migrate", "--noinput", "-v0", timeout=600)
        builder.manage("seed_demo", timeout=600)
        builder.manage("shell", "-c", _MAKE_CANDIDATES)
    except BaseException:
        st.database_drop(server, name)
        raise
    finally:
        output = collect.communicate(timeout=600)[0]
        redis.stop()
    assert collect.returncode == 0, output
    _SESSION.update(server=server, template=name, static_root=static_root)
    return _SESSION


@pytest.fixture(scope="session")
def stack_template(tmp_path_factory):
    """``{"server", "template", "static_root"}``: a seeded template database (dropped at the end)."""
    built = _build(tmp_path_factory)
    yield built
    # Both conftests (smoke, faults) share _SESSION: the first teardown drops the template.
    name = _SESSION.pop("template", None)
    if name and not _SESSION.get("keep"):
        st.database_drop(built["server"], name)


@pytest.fixture
def database(stack_template, request):
    """A fresh copy of the seeded template for this test; dropped after it. Returns its URL."""
    server = stack_template["server"]
    name = f"certify_stack_{secrets.token_hex(5)}"
    url = st.database_create(server, name, template=stack_template["template"])
    request.addfinalizer(lambda: st.database_drop(server, name))
    return url


@pytest.fixture
def redis_server(tmp_path):
    server = st.RedisServer(tmp_path / "redis", tmp_path / "logs")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_stack(stack_template, tmp_path):
    """``make_stack(database_url, redis_url, **env)`` -> a :class:`~tests.smoke.stack.Stack`, always stopped."""
    stacks: list[st.Stack] = []

    def make(database_url: str, redis_url: str, **env) -> st.Stack:
        built = st.Stack(
            database_url=database_url,
            redis_url=redis_url,
            workdir=tmp_path / f"stack{len(stacks)}",
            static_root=stack_template["static_root"],
            extra_env=env,
        )
        stacks.append(built)
        return built

    yield make
    for built in stacks:
        built.stop()
