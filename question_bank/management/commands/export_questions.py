"""``manage.py export_questions --format json [--category Path] [-o FILE]`` (CONTRACTS.md section 2).

Writes ``{"format": "certify-questions", "version": 1, "questions": [...]}``: the latest
version of each question, which ``import_questions --format json`` reads back unchanged.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from question_bank.formats.json_format import write_json
from question_bank.services import questions_export


class Command(BaseCommand):
    help = "Export questions (latest versions) as Certify interchange JSON."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json"], default="json", dest="file_format")
        parser.add_argument("--category", help="only this category and the ones below it")
        parser.add_argument("-o", "--output", help="write to this file instead of standard output")

    def handle(self, *args, file_format, category, output, **options):
        try:
            questions = questions_export(category=category)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        text = write_json(questions)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"{len(questions)} questions written to {output}")
        else:
            self.stdout.write(text, ending="")
