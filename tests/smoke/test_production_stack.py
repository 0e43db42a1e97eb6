"""Smoke test: ``make serve``'s processes on loopback play the main path over HTTP.

``scripts/serve.sh`` starts gunicorn, a Celery worker and beat with ``CERTIFY_ENV=production``
on a fresh PostgreSQL database and our own Redis; ``seed_demo`` runs; then a candidate signs
in (CSRF), starts the demo exam, saves every answer through the JSON endpoint, submits, the
real worker issues the certificate, and ``GET /api/v1/verify/<code>`` says valid.
"""

import os
import re

import pytest
import requests

from tests.answers import correct_response
from tests.smoke import stack as st

pytestmark = [pytest.mark.postgres, pytest.mark.broker]


@pytest.fixture
def served(database, redis_server, make_stack):
    """``scripts/serve.sh`` (as ``make serve`` runs it), stopped by the finalizer."""
    stack = make_stack(database, redis_server.url)
    stack.manage("seed_demo")  # idempotent: a second run on the seeded copy changes nothing
    stack.manage("rotate_signing_key")  # production creates no development key: a deployment step
    env = {
        **stack.env,
        "BIND": f"127.0.0.1:{stack.port}",
        "WEB_WORKERS": "2",
        "CELERY_CONCURRENCY": "1",
        "SKIP_COLLECTSTATIC": "1",
    }
    process = st.spawn("serve", ["bash", str(st.ROOT / "scripts" / "serve.sh")], env=env, logs=stack.logs)
    stack.processes.append(process)
    st.wait_for(lambda: requests.get(f"{stack.base}/healthz", timeout=5).ok, timeout=120, what="serve.sh")
    st.wait_for(lambda: "ready." in process.output(), timeout=120, what="the Celery worker of serve.sh")
    return stack, process


def test_the_production_stack_serves_the_main_path_and_the_worker_issues_the_certificate(served):
    stack, process = served
    browser = st.Browser(stack.base)

    # Production answers: the deploy headers are there over the real server too.
    home = browser.get("/uz/")
    assert home.status_code == 200
    assert "script-src 'self'" in home.headers["Content-Security-Policy"]
    assert home.headers["X-Frame-Options"] == "DENY"
    static = re.search(r'href="(/static/certify/certify\.[0-9a-f]+\.css)"', home.text)
    assert static, "whitenoise's hashed static name is not in the page"
    assert browser.get(static.group(1)).status_code == 200

    browser.sign_in("candidate@certify.uz")
    attempt_id = browser.start("egov-basics")
    assert browser.get(f"/uz/exams/attempts/{attempt_id}/").status_code == 200

    items = st.attempt_items(stack.database_url, attempt_id)
    assert len(items) == 10
    for position, question in items:
        reply = browser.save(attempt_id, position=position, response=correct_response(question), sequence=1)
        assert reply.status_code == 200 and reply.json()["ok"], reply.text
    saved = st.query(
        stack.database_url,
        "SELECT count(*) FROM exams_attemptitem WHERE attempt_id = %s AND response IS NOT NULL",
        attempt_id,
    )
    assert saved == [(10,)]

    submitted = browser.submit(attempt_id)
    assert submitted.status_code == 302 and "/result/" in submitted.headers["Location"]
    result = browser.get(submitted.headers["Location"])
    assert result.status_code == 200

    def certificate():
        rows = st.query(
            stack.database_url,
            "SELECT verification_code, pdf FROM certificates_certificate WHERE attempt_id = %s",
            attempt_id,
        )
        return rows[0] if rows and rows[0][1] else None

    code, pdf = st.wait_for(certificate, timeout=120, what="the certificate from the worker")
    assert re.search(r"Task certificates\.tasks\.issue_certificate\[[^]]+\] succeeded", process.output())
    assert os.path.exists(os.path.join(stack.env["MEDIA_ROOT"], pdf))

    verified = requests.get(f"{stack.base}/api/v1/verify/{code}", timeout=30)
    assert verified.status_code == 200
    assert verified.json()["status"] == "valid"
    assert verified.json()["holder_name"] == "Oʻgʻiloy Toʻxtayeva"

    download = browser.get(f"/uz/certificates/download/{code}")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
