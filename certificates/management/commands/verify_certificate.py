"""``manage.py verify_certificate TARGET [--jwks FILE] [--status-list FILE]``: offline check, says why it fails.

Targets: a certificate PDF; the text/URL of its QR code; or an Open Badges 3.0 credential
signed as VC-JWT (a ``.jwt`` file or the token itself). Exit status 0 when the certificate
checks out, 1 otherwise, with one line per problem on stderr. Keys: the local key folder's
public keys, or a JWKS file (``/.well-known/jwks.json``). For a VC-JWT, ``--status-list``
takes the signed list fetched from ``/status/revocation/<n>`` and reads the revocation bit.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates import keys
from certificates.offline import looks_like_jwt, verify_pdf, verify_qr_text, verify_vc_jwt


class Command(BaseCommand):
    help = (
        "Check a certificate PDF, QR text/URL or Open Badges VC-JWT offline: signature, dates, "
        "and the document against the signed data."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", help="a certificate PDF or .jwt file, the text/URL of its QR code, or a VC-JWT")
        parser.add_argument("--jwks", help="a JWKS file with the issuer's public keys (default: the local keys)")
        parser.add_argument("--no-qr", action="store_true", help="do not decode the QR code printed on the PDF")
        parser.add_argument(
            "--status-list", help="for a VC-JWT: the signed status list (file) from /status/revocation/<n>"
        )

    def handle(self, *args, target, jwks=None, no_qr=False, status_list=None, **options):
        if jwks:
            try:
                public_keys = keys.keys_from_jwks(json.loads(Path(jwks).read_text(encoding="utf-8")))
            # TypeError, AttributeError: valid JSON of another shape ([], {"keys": [1]}, "x": 5).
            except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                raise CommandError(f"{jwks}: not a readable JWKS file ({exc!r})") from exc
        else:
            public_keys = keys.public_keys()
        path = Path(target)
        try:
            is_file = path.is_file()
        except OSError:  # a pasted token or URL longer than a file name may be
            is_file = False
        data = path.read_bytes() if is_file else target.encode("utf-8")
        if not data.startswith(b"%PDF") and looks_like_jwt(data):
            self._vc_jwt(data.decode("ascii").strip(), public_keys, status_list)
            return
        report = verify_pdf(data, public_keys, read_qr=not no_qr) if is_file else verify_qr_text(target, public_keys)
        if report.claims:
            claims = report.claims
            self.stdout.write(f"Signed by key {report.kid}:")
            self.stdout.write(f"  serial:        {claims.serial}")
            self.stdout.write(f"  code:          {claims.code}")
            self.stdout.write(f"  holder:        {claims.holder_name}")
            self.stdout.write(f"  qualification: {claims.qualification_uz}")
            self.stdout.write(f"  issued on:     {claims.issued_on.isoformat()}")
            self.stdout.write(f"  expires on:    {claims.expires_on.isoformat() if claims.expires_on else '-'}")
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS("OK: the signature verifies and the document matches the signed data.")
            )
            for note in report.notes:
                self.stdout.write(f"  {note}")
            self.stdout.write("Offline check only: ask the issuer's page or API whether it was revoked.")
            return
        self._fail(report.problems)

    def _vc_jwt(self, token: str, public_keys, status_list: str | None) -> None:
        status_text = None
        if status_list:
            try:
                status_text = Path(status_list).read_text(encoding="ascii").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{status_list}: not a readable status list file ({exc})") from exc
        report = verify_vc_jwt(token, public_keys, status_list_text=status_text)
        credential = report.credential
        if credential:
            subject = credential.get("credentialSubject") or {}
            names = [item.get("identityHash") for item in subject.get("identifier") or [] if isinstance(item, dict)]
            status = credential.get("credentialStatus") or {}
            self.stdout.write(f"Open Badges 3.0 credential signed by key {report.kid}:")
            self.stdout.write(f"  id:            {credential.get('id', '-')}")
            self.stdout.write(f"  issuer:        {(credential.get('issuer') or {}).get('name', '-')}")
            self.stdout.write(f"  holder:        {', '.join(filter(None, names)) or '-'}")
            self.stdout.write(f"  achievement:   {(subject.get('achievement') or {}).get('name', '-')}")
            self.stdout.write(f"  valid from:    {credential.get('validFrom', '-')}")
            self.stdout.write(f"  valid until:   {credential.get('validUntil', '-')}")
            self.stdout.write(
                f"  status:        {status.get('statusListCredential', '-')} bit {status.get('statusListIndex', '-')}"
            )
        if report.ok:
            self.stdout.write(self.style.SUCCESS("OK: the signature verifies and the credential is within its dates."))
            if report.revoked is None:
                self.stdout.write("Revocation not checked: pass --status-list with the list fetched from the issuer.")
            else:
                self.stdout.write("Not revoked according to the status list given.")
            return
        self._fail(report.problems)

    def _fail(self, problems: list[str]) -> None:
        for problem in problems:
            self.stderr.write(f"FAILED: {problem}")
        raise SystemExit(1)
