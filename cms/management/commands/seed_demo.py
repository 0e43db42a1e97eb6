"""``manage.py seed_demo``: the demo data (CONTRACTS.md section 6), idempotent."""

from django.core.management.base import BaseCommand

from cms.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create or refresh the demo accounts, question bank, exams and pages (idempotent)."

    def handle(self, *args, **options):
        accounts = seed_demo(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Demo accounts (password for all: {DEMO_PASSWORD}):"))
        for account in accounts:
            self.stdout.write(f"  {account.role:<22} {account.email}")
