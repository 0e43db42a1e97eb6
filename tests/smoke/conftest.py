"""Fixtures of the smoke test: the production stack on loopback (see tests/smoke/stack.py)."""

from tests.smoke.fixtures import database, make_stack, redis_server, stack_template  # noqa: F401
