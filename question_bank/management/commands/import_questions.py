"""``manage.py import_questions PATH --format {gift,moodle_xml,aiken,xlsx,csv,json}`` (CONTRACTS.md section 4).

On success: exit 0 and one summary line per category on stdout. On any problem: nothing
is imported, exit status 1, and one line per problem on stderr as ``PATH:LINE: message``
(LINE: where the offending question starts). Warnings go to stderr as
``PATH:LINE: warning: message`` and do not stop the import.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from question_bank.formats import ParseResult
from question_bank.formats.files import FORMATS, read_question_file, size_problem
from question_bank.formats.json_format import LANGUAGES
from question_bank.services import QuestionImportError, questions_import


class Command(BaseCommand):
    help = (
        "Import questions from a GIFT, Moodle XML, Aiken, XLSX, CSV or Certify JSON file into the question bank "
        "(all or nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to import (text formats in UTF-8)")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="file_format")
        parser.add_argument("--category", help='category path for questions without one, e.g. "E-Government/Law"')
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--language", choices=LANGUAGES, help="language of questions that do not state one")
        parser.add_argument("--approve", action="store_true", help="mark the imported versions approved")

    def handle(self, *args, path, file_format, category, dry_run, language, approve, **options):
        self.path = path
        result: ParseResult = read_question_file(self._read(Path(path)), file_format)
        for line, message in sorted(result.warnings):
            self.stderr.write(f"{path}:{line}: warning: {message}")
        if result.errors:
            self._fail(result.errors)
        if not result.questions:
            self._fail([(1, "no questions found in the file")])

        lines = [question.line for question in result.questions]
        try:
            with transaction.atomic():
                summary = questions_import(
                    questions=[question.data for question in result.questions],
                    approve=approve,
                    default_category=category,
                    language=language,
                )
                if dry_run:
                    transaction.set_rollback(True)
        except QuestionImportError as exc:
            self._fail([(lines[index] if index >= 0 else 1, message) for index, message in exc.problems])
        suffix = " (dry run: nothing written)" if dry_run else ""
        for summary_line in summary.lines():
            self.stdout.write(summary_line + suffix)

    def _read(self, path: Path) -> bytes:
        try:
            problem = size_problem(path.stat().st_size)
            if problem:
                self._fail([(1, problem)])
            return path.read_bytes()
        except OSError as exc:
            self._fail([(1, f"cannot read the file: {exc.strerror or exc}")])

    def _fail(self, problems: list[tuple[int, str]]):
        for line, message in sorted(problems, key=lambda problem: problem[0]):
            self.stderr.write(f"{self.path}:{line}: {message}")
        sys.exit(1)
