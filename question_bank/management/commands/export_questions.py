"""``manage.py export_questions --format gift|moodle_xml|json [--category Path] [-o FILE]``.

JSON is ``{"format": "certify-questions", "version": 1, "questions": [...]}`` (CONTRACTS.md
section 2): the latest version of each question, which ``import_questions --format json``
reads back unchanged. GIFT and Moodle XML carry what those formats can (see
``question_bank.formats.writers``); an ordering question cannot be written in GIFT.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from question_bank.formats.json_format import write_json
from question_bank.formats.writers import ExportError, write_gift, write_moodle_xml
from question_bank.services import questions_export

WRITERS = {"json": write_json, "gift": write_gift, "moodle_xml": write_moodle_xml}


class Command(BaseCommand):
    help = "Export questions (latest versions) as Certify JSON, GIFT or Moodle XML."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=list(WRITERS), default="json", dest="file_format")
        parser.add_argument("--category", help="only this category and the ones below it")
        parser.add_argument("-o", "--output", help="write to this file instead of standard output")

    def handle(self, *args, file_format, category, output, **options):
        try:
            questions = questions_export(category=category)
            text = WRITERS[file_format](questions)
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"{len(questions)} questions written to {output}")
        else:
            self.stdout.write(text, ending="")
