"""``manage.py verify_certificate PDF_OR_URL [--jwks FILE]``: offline check, says why it fails.

Exit status 0 when the certificate checks out, 1 otherwise, with one line per problem on
stderr. Keys: the local key folder's public keys, or a JWKS file (``/.well-known/jwks.json``).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates import keys
from certificates.offline import verify_pdf, verify_qr_text


class Command(BaseCommand):
    help = "Check a certificate PDF or QR text/URL offline: signature, and the document against the signed data."

    def add_arguments(self, parser):
        parser.add_argument("target", help="a certificate PDF file, or the text/URL of its QR code")
        parser.add_argument("--jwks", help="a JWKS file with the issuer's public keys (default: the local keys)")
        parser.add_argument("--no-qr", action="store_true", help="do not decode the QR code printed on the PDF")

    def handle(self, *args, target, jwks=None, no_qr=False, **options):
        if jwks:
            try:
                public_keys = keys.keys_from_jwks(json.loads(Path(jwks).read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"{jwks}: not a readable JWKS file ({exc})") from exc
        else:
            public_keys = keys.public_keys()
        path = Path(target)
        if path.is_file():
            report = verify_pdf(path.read_bytes(), public_keys, read_qr=not no_qr)
        else:
            report = verify_qr_text(target, public_keys)
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
            self.stdout.write("Offline check only: ask the issuer's page or API whether it was revoked.")
            return
        for problem in report.problems:
            self.stderr.write(f"FAILED: {problem}")
        raise SystemExit(1)
