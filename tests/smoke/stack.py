"""The production stack on loopback, for the smoke and fault tests.

Processes run exactly as in production (``CERTIFY_ENV=production``, gunicorn, a Celery
worker on Redis, PostgreSQL), each in its own process group so that a test can kill one
and a finalizer always stops them all. Each test gets its own PostgreSQL database (a copy
of a migrated and seeded template made once per session) and its own ``redis-server`` on a
free port: the machine's Redis on 6379 and its main PostgreSQL cluster are never stopped.

A candidate is played over HTTP with ``requests``; production cookies are ``Secure``, and
the stack is reached over plain HTTP on loopback (``SECURE_SSL_REDIRECT=false``), so the
cookie jar is told to send them anyway (a TLS proxy would stand in front in production).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import requests

from tests.conftest import require_or_skip

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "Certify-demo-2026"
REQUIRED_BY = "CERTIFY_REQUIRE_STACK"


def free_port() -> int:
    """A TCP port nobody listens on now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_url() -> str:
    """The PostgreSQL server (no database) of ``DATABASE_URL``, e.g. ``postgres://postgres@127.0.0.1:5432``."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def require_stack() -> str:
    """Skip (or fail, when ``CERTIFY_REQUIRE_STACK`` is set, as in CI) without PostgreSQL and Redis."""
    server = server_url()
    require_or_skip(bool(server), "DATABASE_URL is not PostgreSQL", required_by=REQUIRED_BY)
    require_or_skip(bool(shutil.which("redis-server")), "redis-server is not installed", required_by=REQUIRED_BY)
    require_or_skip((BIN / "gunicorn").exists(), "gunicorn is not installed", required_by=REQUIRED_BY)
    return server


def admin_sql(server: str, *statements: str, dbname: str = "postgres") -> None:
    with psycopg.connect(f"{server}/{dbname}", autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def database_create(server: str, name: str, *, template: str | None = None) -> str:
    """Create database ``name`` (optionally a copy of ``template``); returns its URL."""
    clause = f' TEMPLATE "{template}"' if template else ""
    admin_sql(server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"{clause}')
    return f"{server}/{name}"


def database_drop(server: str, name: str) -> None:
    admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(url: str, sql: str, *params) -> list[tuple]:
    """Rows of one query on the database at ``url`` (a fresh connection each time)."""
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(sql, params).fetchall()


@dataclass
class Process:
    """A child process in its own process group, its output in ``log``."""

    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
        except ProcessLookupError:
            pass

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def children(self) -> list[int]:
        """Direct children's pids (gunicorn's workers, Celery's pool processes)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def spawn(name: str, args: list[str], *, env: dict, logs: Path, cwd: Path = ROOT) -> Process:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}-{secrets.token_hex(3)}.log"
    handle = log.open("wb")
    popen = subprocess.Popen(args, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    handle.close()
    return Process(name=name, popen=popen, log=log)


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.2):
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # the thing waited for is not up yet
            last_error = error
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last error: {last_error!r})")


class RedisServer:
    """Our own ``redis-server`` on a free port, no persistence; never the machine's."""

    def __init__(self, directory: Path, logs: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.logs = logs
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        args += ["--dir", str(self.directory)]
        self.process = spawn("redis", args, env=dict(os.environ), logs=self.logs)
        wait_for(self.ping, timeout=20, what="redis-server")

    def ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@dataclass
class Stack:
    """The production processes for one database and one Redis."""

    database_url: str
    redis_url: str
    workdir: Path
    static_root: Path
    port: int = field(default_factory=free_port)
    extra_env: dict = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logs(self) -> Path:
        return self.workdir / "logs"

    @property
    def env(self) -> dict:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "CELERY_"))}
        environment.update(
            CERTIFY_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            SITE_URL=self.base,
            DATABASE_URL=self.database_url,
            CELERY_BROKER_URL=f"{self.redis_url}/0",
            REDIS_URL=f"{self.redis_url}/1",
            CERTIFY_SIGNING_KEY_DIR=str(self.workdir / "signing"),
            MEDIA_ROOT=str(self.workdir / "media"),
            STATIC_ROOT=str(self.static_root),
            CELERY_BEAT_SCHEDULE_FILE=str(self.workdir / "celerybeat-schedule"),
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="INFO",
        )
        environment.update(self.extra_env)
        return environment

    def __post_init__(self) -> None:
        # One secret for every process of this stack (sessions must survive a worker restart).
        self.extra_env = {"SECRET_KEY": secrets.token_urlsafe(50), **self.extra_env}

    def manage(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check:
            assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    def start_web(self, *, workers: int = 2, timeout: int = 30) -> Process:
        args = [str(BIN / "gunicorn"), "certify.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        args += ["--timeout", str(timeout), "--graceful-timeout", "5", "--access-logfile", "-"]
        process = spawn("gunicorn", args, env=self.env, logs=self.logs)
        self.processes.append(process)
        wait_for(lambda: requests.get(f"{self.base}/healthz", timeout=5).ok, timeout=60, what="gunicorn /healthz")
        return process

    def start_worker(self, *, args: list[str] | None = None, concurrency: int = 1, env: dict | None = None) -> Process:
        command = args or [str(BIN / "celery"), "-A", "certify", "worker"]
        command += ["-Q", "default,certificates", "--concurrency", str(concurrency), "--loglevel", "INFO"]
        command += ["--without-gossip", "--without-mingle", "-n", f"smoke-{secrets.token_hex(3)}@%h"]
        process = spawn("celery", command, env={**self.env, **(env or {})}, logs=self.logs)
        self.processes.append(process)
        wait_for(lambda: "ready." in process.output(), timeout=60, what="the Celery worker")
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


class RelaxedSecurePolicy(http.cookiejar.DefaultCookiePolicy):
    """Send ``Secure`` cookies over plain HTTP: the loopback stack stands for the TLS proxy's backend."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


class LoopbackSession(requests.Session):
    """A session whose ``Secure`` cookies go out over plain HTTP (requests merges the jar into a
    fresh one for each request, so the policy is applied here, not on ``self.cookies``)."""

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        prepared = super().prepare_request(request)
        jar = requests.cookies.RequestsCookieJar(policy=RelaxedSecurePolicy())
        jar.update(self.cookies)
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(jar)
        return prepared


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """A candidate's HTTP client: cookies, CSRF, the exam's JSON endpoints."""

    def __init__(self, base: str, language: str = "uz") -> None:
        self.base = base
        self.language = language
        self.http = LoopbackSession()

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    @property
    def csrf(self) -> str:
        return self.http.cookies.get("csrftoken", "")

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.http.get(self.url(path), **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        payload = {"csrfmiddlewaretoken": self.csrf, **(data or {})}
        return self.http.post(self.url(path), data=payload, headers={"Referer": self.url(path)}, **kwargs)

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        page = self.get(f"/{self.language}/accounts/login/")
        assert page.status_code == 200, page.status_code
        token = CSRF_FIELD.search(page.text).group(1)
        reply = self.post(f"/{self.language}/accounts/login/", {"login": email, "password": password})
        assert reply.status_code == 302, (reply.status_code, reply.text[:500])
        assert "/accounts/" not in reply.headers["Location"], f"sign-in went to {reply.headers['Location']}"
        assert token and "sessionid" in self.http.cookies, "no session after sign-in"

    def start(self, exam_code: str) -> int:
        reply = self.post(f"/{self.language}/exams/{exam_code}/start/")
        assert reply.status_code == 302, (reply.status_code, reply.text[:500])
        return int(re.search(r"/attempts/(\d+)/", reply.headers["Location"]).group(1))

    def save(self, attempt_id: int, *, position: int, response: dict | None, sequence: int, timeout: float = 30):
        return self.http.post(
            self.url(f"/{self.language}/exams/attempts/{attempt_id}/save/"),
            data=json.dumps({"position": position, "response": response, "sequence": sequence}),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.csrf},
            timeout=timeout,
        )

    def submit(self, attempt_id: int) -> requests.Response:
        return self.post(f"/{self.language}/exams/attempts/{attempt_id}/submit/")


def attempt_items(database_url: str, attempt_id: int) -> list[tuple[int, dict]]:
    """``[(position, question data), ...]`` of an attempt, read from the database."""
    rows = query(
        database_url,
        "SELECT i.position, v.data FROM exams_attemptitem i JOIN question_bank_questionversion v "
        "ON v.id = i.question_version_id WHERE i.attempt_id = %s ORDER BY i.position",
        attempt_id,
    )
    return [(position, data if isinstance(data, dict) else json.loads(data)) for position, data in rows]


def candidate_emails(count: int) -> list[str]:
    return [f"stack-candidate-{n}@example.uz" for n in range(count)]
