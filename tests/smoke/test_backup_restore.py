"""Backups: a ``pg_dump`` of a database with issued certificates, restored into a new database,
keeps them verifiable (README, "Backups"). The signing keys are files, backed up apart from
the database; the restored site uses the same key folder."""

import subprocess

import pytest
import requests

from tests.faults.helpers import answer_all, certificates_of, signed_in_attempt
from tests.smoke import stack as st

pytestmark = [pytest.mark.postgres, pytest.mark.broker]


def test_a_restored_dump_keeps_issued_certificates_verifiable(database, stack_template, redis_server, make_stack):
    # Issue a certificate on the original (tasks eager here: no broker, so the submit issues it).
    original = make_stack(database, redis_server.url, CELERY_BROKER_URL="")
    original.manage("rotate_signing_key")
    original.start_web(workers=1)
    browser, attempt_id, items = signed_in_attempt(original)
    answer_all(browser, attempt_id, items)
    assert browser.submit(attempt_id).status_code == 302
    [(code, pdf)] = certificates_of(database, attempt_id)
    assert pdf
    original.stop()

    # pg_dump (custom format) and pg_restore into a new, empty database.
    server = stack_template["server"]
    restored_name = f"{database.rsplit('/', 1)[1]}_restored"
    restored = st.database_create(server, restored_name)
    try:
        dump = subprocess.run(["pg_dump", "-Fc", "--no-owner", database], capture_output=True, check=True, timeout=300)
        subprocess.run(["pg_restore", "--no-owner", "-d", restored], input=dump.stdout, check=True, timeout=300)

        copy = make_stack(restored, redis_server.url, CELERY_BROKER_URL="")
        copy.workdir = original.workdir  # the same signing keys and media (backed up as files)
        copy.start_web(workers=1)
        answer = requests.get(f"{copy.base}/api/v1/verify/{code}", timeout=30)
        assert answer.status_code == 200
        assert answer.json()["status"] == "valid"
        page = requests.get(f"{copy.base}/v/{code}", timeout=30)
        assert page.status_code == 200 and 'data-status="valid"' in page.text
        pdf_path = f"{copy.env['MEDIA_ROOT']}/{pdf}"
        assert copy.manage("verify_certificate", pdf_path, check=False).returncode == 0
        copy.stop()
    finally:
        st.database_drop(server, restored_name)
