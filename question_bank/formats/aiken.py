"""A reader for the Aiken format: single-choice questions in plain text.

Source of the rules: Moodle's documentation ("Aiken format") and importer
(``question/format/aiken/format.php``)::

    Qaysi organ elektron hukumat siyosatini muvofiqlashtiradi?
    A. Raqamli texnologiyalar vazirligi
    B) Sogʻliqni saqlash vazirligi
    ANSWER: A

The question text comes first (it may run over several lines), then options, each a
capital letter followed by ``.`` or ``)`` and a space, then ``ANSWER: <letter>``. Questions
are separated by blank lines (Moodle also accepts none; so do we, since ``ANSWER:`` ends a
question). All texts are plain: they are escaped, never read as HTML. Aiken has no
categories, titles, feedback or weights: the importer's default category applies.
"""

from __future__ import annotations

import re

from question_bank.formats import ParsedQuestion, ParseResult, default_question_name
from question_bank.sanitize import text_to_html

_OPTION = re.compile(r"^([A-Z])[.)]\s+(.*\S)\s*$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*?)\s*$", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def parse_aiken(text: str) -> ParseResult:
    """Read an Aiken file into single-choice questions; see :func:`question_bank.formats.gift.parse_gift`
    for the shape of the result. Never raises for bad input."""
    result = ParseResult()
    if text.startswith("\ufeff"):
        text = text[1:]
    stem: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0

    def reset() -> None:
        nonlocal start
        stem.clear()
        options.clear()
        start = 0

    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        line = raw.strip()
        if not line:
            if options:
                result.error(start, "the question has options but no 'ANSWER: <letter>' line")
                reset()
            continue
        if not stem and not options:
            start = number
        answer = _ANSWER.match(line)
        option = _OPTION.match(line)
        if answer:
            _finish(result, start, stem, options, answer.group(1))
            reset()
        elif option:
            if not stem:
                result.error(number, "an option before any question text")
                continue
            options.append((option.group(1), option.group(2)))
        elif options:
            # A line after the options that is not an option: Moodle appends it to the last one.
            letter, previous = options[-1]
            options[-1] = (letter, f"{previous} {line}")
        else:
            stem.append(line)
    if stem or options:
        result.error(start, "the question ends without an 'ANSWER: <letter>' line")
    return result


def _finish(result: ParseResult, start: int, stem: list[str], options: list[tuple[str, str]], letter: str) -> None:
    if not stem:
        result.error(start, "'ANSWER:' without a question before it")
        return
    text_html = text_to_html("\n".join(stem))
    name = default_question_name(text_html)
    letters = [option_letter for option_letter, _text in options]
    if len(options) < 2:
        result.error(start, f"Question '{name}': needs at least two options (A. …, B. …)")
        return
    if len(set(letters)) != len(letters):
        result.error(start, f"Question '{name}': an option letter is used twice")
        return
    if letter not in letters:
        result.error(start, f"Question '{name}': ANSWER {letter!r} is not one of the options {', '.join(letters)}")
        return
    choices = [
        {
            "id": str(index),
            "text": text_to_html(option_text),
            "fraction": "1" if option_letter == letter else "0",
            "feedback": "",
        }
        for index, (option_letter, option_text) in enumerate(options, start=1)
    ]
    question = {
        "idnumber": "",
        "category": "",
        "name": name,
        "qtype": "single_choice",
        "text": text_html,
        "general_feedback": "",
        "default_points": "1",
        "tags": [],
        "choices": choices,
        "shuffle": True,
    }
    result.questions.append(ParsedQuestion(line=start, data=question))
