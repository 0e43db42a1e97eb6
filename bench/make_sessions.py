#!/usr/bin/env python
"""Identities for the exam-day load: ``make_sessions.py FIRST COUNT SIGN_IN OUT``.

Writes ``OUT``: ``[{"email", "session"}]`` for the load candidates FIRST .. FIRST+COUNT-1
(1-based, as ``generate_load_data`` numbers them). The first SIGN_IN of them get no session:
the locust user signs in through allauth. The others get a session made here exactly as a
sign-in makes it (user id, backend, session hash), because a real sign-in costs one PBKDF2
hash (about 0.5 s of CPU here, on purpose) and allauth allows 30 sign-ins a minute from one
address: a thousand sign-ins from the load generator would measure the password hasher
and the rate limit, not the exam. Run with the stack's environment (``bench.stack``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(first: int, count: int, sign_in: int, out: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    from accounts.models import User
    from cms.management.commands.generate_load_data import load_email

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    emails = [load_email(n) for n in range(first, first + count)]
    users = {user.email: user for user in User.objects.filter(email__in=emails)}
    identities = []
    for n, email in enumerate(emails):
        user = users[email]
        session_key = None
        if n >= sign_in:
            session = store()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            session_key = session.session_key
        identities.append({"email": email, "session": session_key})
    Path(out).write_text(json.dumps(identities), encoding="utf-8")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
