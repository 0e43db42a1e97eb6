"""Readers and writers of question files.

Each reader turns the text of one file into a :class:`ParseResult`: the questions it holds
in the interchange form of CONTRACTS.md section 2 (each with the line where it starts), the
problems that stop an import (``errors``) and the ones that do not (``warnings``), both as
``(line, message)``. Readers never raise for bad input: a teacher's file with ten mistakes
gets ten messages at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from question_bank.sanitize import visible_text

DEFAULT_NAME_LENGTH = 80


@dataclass(frozen=True)
class ParsedQuestion:
    """One question read from a file: ``line`` (1-based) where it starts, ``data`` its dict."""

    line: int
    data: dict


@dataclass
class ParseResult:
    """What a reader found: questions, and problems as ``(line, message)`` pairs."""

    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, message: str) -> None:
        self.errors.append((line, message))

    def warn(self, line: int, message: str) -> None:
        self.warnings.append((line, message))


def default_question_name(text_html: str) -> str:
    """A name for a question that has none, from its text (as Moodle does): the visible
    text, cut at a word boundary after at most 80 characters; ``"Question"`` if empty."""
    text = visible_text(text_html)
    if not text:
        return "Question"
    if len(text) <= DEFAULT_NAME_LENGTH:
        return text
    cut = text[:DEFAULT_NAME_LENGTH].rsplit(" ", 1)[0] or text[:DEFAULT_NAME_LENGTH]
    return cut.rstrip() + "…"
