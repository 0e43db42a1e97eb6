"""Exam day with locust: stateful candidates sign in, start ``load-exam``, answer every item
with autosave, move through the pages and submit (issue 9).

Run by ``bench/bench_exam_day.py`` as ``locust -f bench/locustfile.py --headless ...``; the
environment says what to do:

- ``LOAD_IDENTITIES``: a JSON file ``[{"email", "session"}]``, one candidate per entry, each used
  once. ``session`` is a ready session key (sign-in done beforehand by the harness) or null: then
  the user signs in through allauth (GET the form for the CSRF token, POST e-mail and password).
- ``LOAD_MODE``: ``paced`` (one answer every ``LOAD_AUTOSAVE_S`` seconds, 15 by default, with
  +-20 % jitter) or ``fast`` (no waiting: a closed loop for capacity; a user that submitted takes
  the next identity and starts again).
- ``LOAD_START_AT`` (epoch seconds) and ``LOAD_START_WINDOW`` (seconds): every candidate presses
  Start at a random moment of that window (the synchronized start).
- ``LOAD_SUBMIT_AT`` (epoch seconds, paced mode): stop answering then and submit within
  ``LOAD_SUBMIT_WINDOW`` seconds.
- ``LOAD_ACKS``: where to write the acknowledged saves, one JSON line each
  ``{"attempt", "position", "sequence", "response"}``, checked against the database afterwards.
- ``LOAD_LANG`` (``uz``) and ``LOAD_EXAM`` (``load-exam``).

Every request is checked: a wrong status or body counts as a failure, with the reason.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import time
from http.cookiejar import Cookie, DefaultCookiePolicy
from pathlib import Path

import gevent

# Locust runs this file as a script: make the repository importable for bench.loadtools.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from locust import events, task
from locust.contrib.fasthttp import FastHttpUser

from bench.loadtools import attempt_id_from, page_numbers, parse_items

LANG = os.environ.get("LOAD_LANG", "uz")
EXAM = os.environ.get("LOAD_EXAM", "load-exam")
MODE = os.environ.get("LOAD_MODE", "paced")
AUTOSAVE_S = float(os.environ.get("LOAD_AUTOSAVE_S", "15"))
START_AT = float(os.environ.get("LOAD_START_AT", "0"))
START_WINDOW = float(os.environ.get("LOAD_START_WINDOW", "0"))
SUBMIT_AT = float(os.environ.get("LOAD_SUBMIT_AT", "0"))
SUBMIT_WINDOW = float(os.environ.get("LOAD_SUBMIT_WINDOW", "20"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "Yuklama-2026!")


_identities: list[dict] = []
_next_identity = itertools.count()
_acks: list[dict] = []


@events.init.add_listener
def _load_identities(environment, **_kwargs):
    path = os.environ.get("LOAD_IDENTITIES")
    if path:
        with open(path, encoding="utf-8") as handle:
            _identities.extend(json.load(handle))


@events.quitting.add_listener
def _write_acks(environment, **_kwargs):
    path = os.environ.get("LOAD_ACKS")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            for ack in _acks:
                out.write(json.dumps(ack) + "\n")


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None, None, {})


class _SecureOverLoopback(DefaultCookiePolicy):
    """Production cookies are ``Secure``; the stack serves plain HTTP on loopback (no TLS
    terminator), so send them anyway, as the browser behind the TLS proxy would."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


class Candidate(FastHttpUser):
    """One candidate at a time; in fast mode, one after another."""

    wait_time = staticmethod(lambda: 0)

    def on_start(self):
        self.client.cookiejar.set_policy(_SecureOverLoopback())

    def _csrf(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    @task
    def exam_day(self):
        index = next(_next_identity)
        if index >= len(_identities):
            gevent.sleep(3600)  # nothing left to do: stay idle until the run ends
            return
        identity = _identities[index]
        self.client.cookiejar.clear()
        if identity.get("session"):
            self.client.cookiejar.set_cookie(_cookie("sessionid", identity["session"]))
        elif not self._sign_in(identity["email"]):
            return
        with self.client.get(f"/{LANG}/exams/{EXAM}/", name="exam_page", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"exam page {response.status_code}")
                return
        if START_AT:
            gevent.sleep(max(0.0, START_AT + random.uniform(0, START_WINDOW) - time.time()))
        attempt = self._start()
        if attempt is None:
            return
        self._answer_all(attempt)
        self._submit(attempt)
        if MODE != "fast":
            gevent.sleep(3600)

    def _sign_in(self, email: str) -> bool:
        with self.client.get(f"/{LANG}/accounts/login/", name="sign_in_form", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"sign-in form {response.status_code}")
                return False
        data = {"login": email, "password": PASSWORD, "csrfmiddlewaretoken": self._csrf()}
        with self.client.post(
            f"/{LANG}/accounts/login/", data=data, name="sign_in", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}, not a redirect")
                return False
        return True

    def _start(self) -> int | None:
        with self.client.post(
            f"/{LANG}/exams/{EXAM}/start/",
            data={"csrfmiddlewaretoken": self._csrf()},
            headers={"X-CSRFToken": self._csrf()},
            name="start",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            attempt = attempt_id_from(response.headers.get("Location", "") or "", lang=LANG)
            if response.status_code != 302 or attempt is None:
                response.failure(f"start answered {response.status_code} {response.headers.get('Location')}")
                return None
        return attempt

    def _answer_all(self, attempt: int) -> None:
        page, pages = 1, 1
        sequence: dict[int, int] = {}
        while page <= pages:
            with self.client.get(
                f"/{LANG}/exams/attempts/{attempt}/?page={page}", name="page", catch_response=True
            ) as response:
                if response.status_code != 200 or "data-position" not in (response.text or ""):
                    response.failure(f"attempt page {response.status_code}")
                    return
                html = response.text
            pages = max([pages, *page_numbers(html)])
            for position, options in parse_items(html).items():
                if MODE != "fast":
                    if SUBMIT_AT and time.time() >= SUBMIT_AT:
                        return
                    gevent.sleep(AUTOSAVE_S * random.uniform(0.8, 1.2))
                choice = random.choice(options) if options else "1"
                sequence[position] = sequence.get(position, 0) + 1
                self._save(attempt, position, {"choice": choice}, sequence[position])
            page += 1

    def _save(self, attempt: int, position: int, response_body: dict, sequence: int) -> None:
        body = {"position": position, "response": response_body, "sequence": sequence}
        with self.client.post(
            f"/{LANG}/exams/attempts/{attempt}/save/",
            json=body,
            headers={"X-CSRFToken": self._csrf()},
            name="autosave",
            catch_response=True,
        ) as response:
            try:
                answer = json.loads(response.text or "{}")
            except ValueError:
                answer = {}
            if response.status_code != 200 or not answer.get("ok"):
                response.failure(f"autosave {response.status_code} {str(answer)[:120]}")
                return
        _acks.append({"attempt": attempt, "position": position, "sequence": sequence, "response": response_body})

    def _submit(self, attempt: int) -> None:
        if MODE != "fast" and SUBMIT_AT:
            gevent.sleep(max(0.0, SUBMIT_AT + random.uniform(0, SUBMIT_WINDOW) - time.time()))
        with self.client.get(f"/{LANG}/exams/attempts/{attempt}/submit/", name="summary", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"summary {r.status_code}")
                return
        with self.client.post(
            f"/{LANG}/exams/attempts/{attempt}/submit/",
            data={"csrfmiddlewaretoken": self._csrf()},
            name="submit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/result/" not in (response.headers.get("Location") or ""):
                response.failure(f"submit answered {response.status_code}")
