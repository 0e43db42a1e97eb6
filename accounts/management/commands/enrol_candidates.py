"""``manage.py enrol_candidates FILE [--dry-run] [--cohort NAME] [--no-invite]``.

Columns: ``full_name``, ``email``, ``organisation`` (name or path), ``position``, optional
``cohort`` and ``language``. All or nothing; exit 1 with ``FILE:LINE: message`` lines on
stderr when any row is wrong. New accounts get an invitation e-mail (through Celery).
"""

from django.core.management.base import BaseCommand

from accounts.importing import candidates_enrol
from accounts.invitations import invitations_enqueue

from ._importing import run_import


class Command(BaseCommand):
    help = "Enrol candidates from a CSV or XLSX file and send their invitations."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")
        parser.add_argument("--cohort", default="", help="Cohort for rows that name none.")
        parser.add_argument("--no-invite", action="store_true", help="Create the accounts without e-mailing them.")

    def handle(self, *args, path, dry_run, cohort, no_invite, **options):
        result = run_import(self, path, candidates_enrol, dry_run=dry_run, default_cohort=cohort)
        if not dry_run and not no_invite and result.created_ids:
            invitations_enqueue(user_ids=result.created_ids)
            self.stdout.write(f"invitations queued: {len(result.created_ids)}")
