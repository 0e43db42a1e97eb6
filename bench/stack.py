"""The production stack the load benchmarks run against, started and stopped here, loopback only.

- PostgreSQL: the machine's (``BENCH_PG``, default ``postgres://postgres@127.0.0.1:5432``), a
  fresh database ``certify_bench`` (dropped and created again), migrated, filled by
  ``manage.py generate_load_data``;
- Redis: the machine's, database 11 (``BENCH_REDIS``), emptied first; cache, rate-limit
  counts and Celery broker;
- gunicorn: ``CERTIFY_ENV=production``, ``DEBUG`` off, ``ALLOWED_HOSTS=127.0.0.1``, no TLS
  redirect (loopback), ``BENCH_WEB_WORKERS`` workers (default 2 x cores + 1) of class
  ``BENCH_WEB_WORKER_CLASS`` (``sync`` or ``gthread``, default ``gthread``) with
  ``BENCH_WEB_THREADS`` threads each (default 4; gthread only);
- one Celery worker for the ``certificates`` queue (``BENCH_CELERY_CONCURRENCY``, default 1) at
  ``nice 10``, so PDF rendering yields the CPU to the web workers, and one for the ``default``
  queue (item analysis, e-mails) at ``nice 15``, so those never hold the PDFs back.

One stack serves every benchmark of a ``bench/run.py`` process (:func:`stack_get`); it stops
when the process exits. Sizes come from ``BENCH_SCALE`` (1.0: the issue's sizes).
``BENCH_REUSE=1`` keeps the database and files of the previous build when they are there
(for short focused runs while tuning; ``make bench`` builds afresh).
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PORT = int(os.environ.get("BENCH_PORT", "18790"))
DATABASE = "certify_bench"


def _scale() -> float:
    return float(os.environ.get("BENCH_SCALE", "1"))


class Stack:
    """The processes and the database of one benchmark run; see the module docstring."""

    def __init__(self) -> None:
        self.pg = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
        self.redis = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/11")
        self.web_workers = int(os.environ.get("BENCH_WEB_WORKERS", str((os.cpu_count() or 1) * 2 + 1)))
        self.worker_class = os.environ.get("BENCH_WEB_WORKER_CLASS", "gthread")
        self.threads = int(os.environ.get("BENCH_WEB_THREADS", "4")) if self.worker_class == "gthread" else 1
        self.celery_concurrency = int(os.environ.get("BENCH_CELERY_CONCURRENCY", "1"))
        self.var = ROOT / "var" / "bench"
        self.url = f"http://127.0.0.1:{PORT}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.generation: dict = {}
        self.built = False

    @property
    def database_url(self) -> str:
        return f"{self.pg}/{DATABASE}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of every stack process (production settings, loopback)."""
        env = dict(os.environ)
        env.update(
            CERTIFY_ENV="production",
            SECRET_KEY=getattr(self, "_secret", None) or self._new_secret(),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="false",
            DEBUG="false",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis,
            CELERY_BROKER_URL=self.redis,
            SITE_URL=self.url,
            CSRF_TRUSTED_ORIGINS=self.url,
            MEDIA_ROOT=str(self.var / "media"),
            STATIC_ROOT=str(self.var / "static"),
            CERTIFY_SIGNING_KEY_DIR=str(self.var / "signing"),
            # The verification benchmark comes from one address: lift the per-IP limit for it.
            CERTIFY_VERIFY_RATE="100000000/m",
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="certify.settings",
        )
        env.update(extra)
        return env

    def _new_secret(self) -> str:
        # Kept in var/bench/ so every process of one build (and a restarted server) agrees.
        path = self.var / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(40), encoding="ascii")
        self._secret = path.read_text(encoding="ascii").strip()
        return self._secret

    # -- building -----------------------------------------------------------------------

    def manage(self, *args: str, capture: bool = False) -> str:
        """Run ``manage.py`` with the stack's environment; raises ``RuntimeError`` on failure."""
        done = subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return done.stdout if capture else ""

    def reuse(self) -> bool:
        """With ``BENCH_REUSE=1``: take the previous build (database, files) when it is complete."""
        import psycopg

        record = self.var / "generation.json"
        if os.environ.get("BENCH_REUSE") != "1" or not record.exists():
            return False
        with psycopg.connect(f"{self.pg}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
                return False
        self._new_secret()
        self.manage("migrate", "--noinput", "-v0")  # migrations and static files added since the build
        self.manage("collectstatic", "--noinput", "-v0")
        self.generation = json.loads(record.read_text(encoding="utf-8"))
        self.built = True
        return True

    def build(self) -> None:
        """A fresh database with the load data, static files and a signing key."""
        import psycopg
        import redis

        if self.reuse():
            print("   reusing the previous build (BENCH_REUSE=1)", flush=True)
            return
        started = time.perf_counter()
        with psycopg.connect(f"{self.pg}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DATABASE}")
        redis.Redis.from_url(self.redis).flushdb()
        shutil.rmtree(self.var, ignore_errors=True)
        (self.var / "media").mkdir(parents=True)
        self._secret = None
        print("   building the stack: migrate, signing key, static files, load data", flush=True)
        self.manage("migrate", "--noinput", "-v0")
        self.manage("rotate_signing_key")
        self.manage("collectstatic", "--noinput", "-v0")
        scale = _scale()
        out = self.manage("generate_load_data", "--scale", str(scale), "--json", capture=True)
        self.generation = json.loads(out.strip().splitlines()[-1])
        self.generation["build_s"] = round(time.perf_counter() - started, 1)
        (self.var / "generation.json").write_text(json.dumps(self.generation), encoding="utf-8")
        self.built = True

    # -- processes ----------------------------------------------------------------------

    def start(self) -> None:
        if _port_in_use(PORT):
            raise RuntimeError(f"port {PORT} is taken by another process: set BENCH_PORT to a free one")
        logs = self.var
        self._spawn(
            "web",
            [
                str(VENV_BIN / "gunicorn"),
                "certify.wsgi",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                str(self.web_workers),
                "--worker-class",
                self.worker_class,
                "--threads",
                str(self.threads),
                "--timeout",
                "60",
                "--backlog",
                "4096",
                "--error-logfile",
                str(logs / "gunicorn.log"),
            ],
        )
        # One worker for the certificates queue only: a long task of the default queue (the item
        # analysis a result schedules, e-mails) must not hold the PDFs back (it did: 0 PDFs in
        # 150 s behind one item analysis). The default queue has its own worker, lower still.
        for name, queue, niceness in (("celery", "certificates", "10"), ("celery-default", "default", "15")):
            self._spawn(
                name,
                [
                    "nice",
                    "-n",
                    niceness,
                    str(VENV_BIN / "celery"),
                    "-A",
                    "certify",
                    "worker",
                    "-Q",
                    queue,
                    "-n",
                    f"{queue}@%h",
                    "--concurrency",
                    str(self.celery_concurrency),
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
            )
        self.wait_ready()

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.var / f"{name}.out", "ab")  # noqa: SIM115 - the process owns it until it stops
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes["web"].poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.var / 'web.out'}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("the web server did not answer /healthz within 60 s")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()

    def web_cpu_s(self) -> float:
        """CPU seconds (user + system) used so far by gunicorn's master and workers.

        The machine is shared: the CPU time the web tier spends per request does not depend
        on what else runs, so the benchmarks report it next to the rates and latencies.
        """
        return self.cpu_s("web")

    def cpu_s(self, name: str) -> float:
        """CPU seconds (user + system) used so far by the stack process ``name`` (``web``,
        ``celery``) and its children."""
        import psutil

        process = self.processes.get(name)
        if process is None:
            return 0.0
        total = 0.0
        try:
            master = psutil.Process(process.pid)
            for each in [master, *master.children(recursive=True)]:
                try:
                    times = each.cpu_times()
                except psutil.Error:
                    continue
                total += times.user + times.system
        except psutil.Error:
            return 0.0
        return total

    # -- reading the database -----------------------------------------------------------

    def sql(self, query: str, params: tuple | list = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return conn.execute(query, params).fetchall()

    def sql_exec(self, statement: str) -> None:
        """Run one statement outside a transaction (``ANALYZE``, ``VACUUM``)."""
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(statement)

    def mark(self, figure: dict) -> dict:
        """``figure`` marked as measured on the stack's database (``bench/run.py`` reads it)."""
        figure["database"] = f"postgresql {DATABASE}"
        return figure

    def workers_text(self) -> str:
        """The web worker model in words: ``5 sync workers`` or ``5 gthread workers x 4 threads``."""
        if self.worker_class == "gthread":
            return f"{self.web_workers} gthread workers x {self.threads} threads"
        return f"{self.web_workers} {self.worker_class} workers"

    def conditions(self) -> str:
        """The stack part of every figure's conditions."""
        g = self.generation
        return (
            f"gunicorn {self.workers_text()}, Celery: certificates queue 1 worker x{self.celery_concurrency} "
            "(nice 10), default queue 1 worker (nice 15), "
            f"PostgreSQL {DATABASE} ({g.get('questions', '?')} questions, {g.get('candidates', '?')} candidates, "
            f"{g.get('attempts', '?')} past attempts, {g.get('certificates', '?')} certificates), Redis; "
            f"load average {load_average()}"
        )


def _port_in_use(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def load_average() -> str:
    """The 1-minute load average now, as text (the machine is shared: it goes in the conditions)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


_STACK: Stack | None = None


def stack_get() -> Stack:
    """The running stack of this process, built and started on first use, stopped at exit."""
    global _STACK
    if _STACK is None:
        stack = Stack()
        stack.build()
        atexit.register(stack.stop)
        # A terminated run (Ctrl-C, timeout) still stops the servers: exit through atexit.
        signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
        stack.start()
        _STACK = stack
    return _STACK
