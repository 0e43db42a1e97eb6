"""``manage.py import_organisations FILE [--dry-run]``: the organisation tree from CSV or XLSX.

Columns: ``name``, ``parent`` (a name or a path ``A / B``; blank for a root), ``kind``
(ministry, agency, department, region). All or nothing; exit 1 with ``FILE:LINE: message``
lines on stderr when any row is wrong.
"""

from django.core.management.base import BaseCommand

from accounts.importing import organisations_import

from ._importing import run_import


class Command(BaseCommand):
    help = "Import organisations (name, parent, kind) from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")

    def handle(self, *args, path, dry_run, **options):
        run_import(self, path, organisations_import, dry_run=dry_run)
