"""``manage.py rotate_signing_key``: a new active Ed25519 key; the old one is retired (verify only)."""

from django.core.management.base import BaseCommand

from certificates import keys


class Command(BaseCommand):
    help = "Create a new signing key and retire the active one (its public key stays published in the JWKS)."

    def handle(self, *args, **options):
        new, old = keys.key_rotate()
        if old:
            self.stdout.write(f"New active signing key {new}; retired {old} (kept for verifying).")
        else:
            self.stdout.write(f"New active signing key {new}.")
