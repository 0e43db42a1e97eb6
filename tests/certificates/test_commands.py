"""Management commands: offline verification, key rotation, repairing missed certificates."""

import json
import shutil

import pytest
from django.core.management import call_command

from certificates import keys
from certificates.models import Certificate
from certificates.rendering.pdf import certificate_pdf_render
from certificates.rendering.qr import qr_payload
from certificates.services import certificate_issue

from .conftest import make_attempt

pytestmark = pytest.mark.django_db


def _run(capsys, *args):
    try:
        call_command("verify_certificate", *args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_genuine_pdf_verifies_offline(certificate, tmp_path, capsys):
    path = tmp_path / "genuine.pdf"
    path.write_bytes(certificate.pdf.read())
    code, out, err = _run(capsys, str(path))
    assert code == 0, err
    assert "OK" in out and certificate.serial in out and "Oʻgʻiloy Toʻxtayeva" in out


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar missing")
def test_a_pdf_with_a_changed_name_names_the_mismatch(certificate, tmp_path, capsys):
    forged = Certificate.objects.get(pk=certificate.pk)
    forged.holder_name = "Oʻgʻiloy Toʻxtayevna"  # printed differently, same signed credential attached
    path = tmp_path / "forged.pdf"
    path.write_bytes(certificate_pdf_render(forged))
    code, _out, err = _run(capsys, str(path))
    assert code == 1
    assert "name on the certificate does not match the signed name" in err


def test_a_pdf_without_the_credential_is_refused(tmp_path, capsys):
    path = tmp_path / "plain.pdf"
    path.write_bytes(b"%PDF-1.7\n%%EOF\n")
    code, _out, err = _run(capsys, str(path))
    assert code == 1 and "FAILED" in err


def test_the_qr_url_verifies_offline_with_a_jwks_file(certificate, tmp_path, capsys, client):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(client.get("/.well-known/jwks.json").json()))
    url = qr_payload("https://certify.egov.uz", certificate.verification_code, certificate.credential)
    code, out, err = _run(capsys, url, "--jwks", str(jwks))
    assert code == 0, err
    assert certificate.serial in out


def test_a_qr_url_with_a_changed_credential_fails_the_signature(certificate, capsys):
    credential = certificate.credential
    middle = len(credential) // 2
    tampered = credential[:middle] + ("A" if credential[middle] != "A" else "B") + credential[middle + 1 :]
    code, _out, err = _run(capsys, qr_payload("https://x.uz", certificate.verification_code, tampered))
    assert code == 1
    assert "FAILED" in err


def test_a_qr_url_whose_code_was_swapped_names_the_mismatch(certificate, exam, other_candidate, capsys):
    stranger = certificate_issue(attempt_id=make_attempt(exam, other_candidate).pk)
    url = qr_payload("https://x.uz", stranger.verification_code, certificate.credential)
    code, _out, err = _run(capsys, url)
    assert code == 1
    assert "verification code in the link does not match the signed verification code" in err


def test_a_key_unknown_to_the_verifier_is_named(certificate, tmp_path, capsys):
    jwks = tmp_path / "empty.json"
    jwks.write_text('{"keys": []}')
    url = qr_payload("https://x.uz", certificate.verification_code, certificate.credential)
    code, _out, err = _run(capsys, url, "--jwks", str(jwks))
    assert code == 1 and f"unknown key ({certificate.signing_key_id})" in err


def test_rotate_signing_key_makes_new_certificates_use_the_new_key(certificate, exam, other_candidate, capsys):
    call_command("rotate_signing_key")
    assert f"retired {certificate.signing_key_id}" in capsys.readouterr().out
    newer = certificate_issue(attempt_id=make_attempt(exam, other_candidate).pk)
    assert newer.signing_key_id == keys.active_key().kid != certificate.signing_key_id
    assert set(keys.public_keys()) == {certificate.signing_key_id, newer.signing_key_id}


def test_issue_certificates_catches_up_missed_attempts_and_missing_pdfs(exam, candidate, other_candidate, capsys):
    missed = make_attempt(exam, candidate)
    without_pdf = certificate_issue(attempt_id=make_attempt(exam, other_candidate).pk)
    Certificate.objects.filter(pk=without_pdf.pk).update(pdf="")
    call_command("issue_certificates")
    assert Certificate.objects.filter(attempt=missed).count() == 1
    assert not Certificate.objects.filter(pdf="").exists()
    assert "Issued 1, rendered 1" in capsys.readouterr().out
