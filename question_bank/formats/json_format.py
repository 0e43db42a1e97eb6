"""Certify's question interchange JSON (CONTRACTS.md section 2): validate, read, write.

A file is ``{"format": "certify-questions", "version": 1, "questions": [...]}``.
:func:`question_validate` is the one place where a question dict is checked field by field
and brought to its canonical form (HTML sanitized, fractions as the shortest exact decimal
string, defaults filled in); the importer runs every question through it, whatever file
it came from, so that identical content always compares equal.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from decimal import Decimal

from question_bank.formats import ParsedQuestion, ParseResult
from question_bank.grading import parse_number
from question_bank.sanitize import clean_html

FORMAT_NAME = "certify-questions"
FORMAT_VERSION = 1
QTYPES = (
    "single_choice",
    "multiple_response",
    "true_false",
    "short_answer",
    "numerical",
    "matching",
    "ordering",
    "essay",
    "description",
)
LANGUAGES = ("uz", "ru", "en")
ORDERING_GRADING = ("all_or_nothing", "partial")
COMMON_FIELDS = (
    "idnumber",
    "category",
    "name",
    "qtype",
    "text",
    "general_feedback",
    "default_points",
    "difficulty",
    "tags",
    "language",
)
TYPE_FIELDS = {
    "single_choice": ("choices", "shuffle"),
    "multiple_response": ("choices", "shuffle"),
    "true_false": ("correct", "feedback_true", "feedback_false"),
    "short_answer": ("answers", "case_sensitive"),
    "numerical": ("answers",),
    "matching": ("pairs", "shuffle"),
    "ordering": ("items", "grading"),
    "essay": ("grader_info", "min_words", "max_words"),
    "description": (),
}
NAME_MAX = 255
CATEGORY_PATH_MAX = 1024
IDNUMBER_MAX = 100
TAG_MAX = 100
POINTS_MAX = Decimal("9999.999")  # QuestionVersion.default_points: 7 digits, 3 decimal places


class _Invalid(Exception):
    """One problem with one field; collected, never shown as a traceback."""


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def _decimal(raw: object, where: str) -> Decimal:
    """A decimal given as a string (``"0.5"``, ``"0,5"``) or an int; floats are refused."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise _Invalid(f'{where}: expected a decimal string such as "0.5", got {json.dumps(raw)}')
    value = parse_number(raw) if isinstance(raw, str) else Decimal(raw)
    if value is None:
        raise _Invalid(f"{where}: {raw!r} is not a decimal number")
    return value


def _fraction(raw: object, where: str) -> str:
    value = _decimal(raw, where)
    if not Decimal(-1) <= value <= Decimal(1):
        raise _Invalid(f"{where}: the fraction {raw!r} is outside [-1, 1]")
    return _decimal_text(value)


def _string(raw: object, where: str, *, required: bool = False, max_length: int | None = None) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise _Invalid(f"{where}: expected text, got {json.dumps(raw)}")
    if required and not raw.strip():
        raise _Invalid(f"{where}: must not be empty")
    if max_length is not None and len(raw) > max_length:
        raise _Invalid(f"{where}: longer than {max_length} characters")
    return raw


def _html(raw: object, where: str, *, required: bool = False) -> str:
    text = clean_html(_string(raw, where))
    if required and not text.strip():
        raise _Invalid(f"{where}: must not be empty")
    return text


def _bool(raw: object, where: str, default: bool) -> bool:
    if raw is None:
        return default
    if not isinstance(raw, bool):
        raise _Invalid(f"{where}: expected true or false, got {json.dumps(raw)}")
    return raw


def _list(raw: object, where: str, *, minimum: int = 0) -> list:
    if not isinstance(raw, list):
        raise _Invalid(f"{where}: expected a list")
    if len(raw) < minimum:
        raise _Invalid(f"{where}: needs at least {minimum} entries")
    return raw


def _object(raw: object, where: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(raw, dict):
        raise _Invalid(f"{where}: expected an object")
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise _Invalid(f"{where}: unknown field(s) {', '.join(unknown)}")
    return raw


def _ids(entries: list[dict], where: str) -> None:
    seen = set()
    for index, entry in enumerate(entries):
        value = entry["id"]
        if value in seen:
            raise _Invalid(f"{where}[{index}].id: {value!r} is used twice")
        seen.add(value)


def _id(raw: object, where: str) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        raise _Invalid(f"{where}: expected a non-empty id string")
    return raw.strip()


# --- the fields of each type -----------------------------------------------------------------


def _choices(data: dict, qtype: str) -> dict:
    raw = _list(data.get("choices"), "choices", minimum=2)
    choices = []
    for index, entry in enumerate(raw):
        where = f"choices[{index}]"
        entry = _object(entry, where, ("id", "text", "fraction", "feedback"))
        choices.append(
            {
                "id": _id(entry.get("id"), f"{where}.id"),
                "text": _html(entry.get("text"), f"{where}.text", required=True),
                "fraction": _fraction(entry.get("fraction", "0"), f"{where}.fraction"),
                "feedback": _html(entry.get("feedback"), f"{where}.feedback"),
            }
        )
    _ids(choices, "choices")
    if not any(Decimal(choice["fraction"]) > 0 for choice in choices):
        raise _Invalid("has no correct answer")
    return {"choices": choices, "shuffle": _bool(data.get("shuffle"), "shuffle", True)}


def _true_false(data: dict, qtype: str) -> dict:
    if not isinstance(data.get("correct"), bool):
        raise _Invalid(f"correct: expected true or false, got {json.dumps(data.get('correct'))}")
    return {
        "correct": data["correct"],
        "feedback_true": _html(data.get("feedback_true"), "feedback_true"),
        "feedback_false": _html(data.get("feedback_false"), "feedback_false"),
    }


def _short_answer(data: dict, qtype: str) -> dict:
    raw = _list(data.get("answers"), "answers", minimum=1)
    answers = []
    for index, entry in enumerate(raw):
        where = f"answers[{index}]"
        entry = _object(entry, where, ("text", "fraction", "feedback"))
        answers.append(
            {
                "text": _string(entry.get("text"), f"{where}.text", required=True).strip(),
                "fraction": _fraction(entry.get("fraction", "1"), f"{where}.fraction"),
                "feedback": _html(entry.get("feedback"), f"{where}.feedback"),
            }
        )
    if not any(Decimal(answer["fraction"]) > 0 for answer in answers):
        raise _Invalid("has no correct answer")
    return {"answers": answers, "case_sensitive": _bool(data.get("case_sensitive"), "case_sensitive", False)}


_RANGE = re.compile(r"^\s*(.+?)\s*\.\.\s*(.+?)\s*$")


def _numerical_value(raw: object, where: str) -> str:
    if isinstance(raw, str) and raw.strip() == "*":
        return "*"
    if isinstance(raw, str):
        match = _RANGE.match(raw)
        if match and not raw.strip().startswith(".."):
            low, high = _decimal(match.group(1), where), _decimal(match.group(2), where)
            if low > high:
                raise _Invalid(f"{where}: the range {raw!r} runs from high to low")
            return f"{format(low, 'f')}..{format(high, 'f')}"
    return format(_decimal(raw, where), "f")


def _numerical(data: dict, qtype: str) -> dict:
    raw = _list(data.get("answers"), "answers", minimum=1)
    answers = []
    for index, entry in enumerate(raw):
        where = f"answers[{index}]"
        entry = _object(entry, where, ("value", "tolerance", "fraction", "feedback"))
        tolerance = entry.get("tolerance")
        tolerance = Decimal(0) if tolerance in (None, "") else _decimal(tolerance, f"{where}.tolerance")
        if tolerance < 0:
            raise _Invalid(f"{where}.tolerance: must not be negative")
        answers.append(
            {
                "value": _numerical_value(entry.get("value"), f"{where}.value"),
                "tolerance": format(tolerance, "f"),
                "fraction": _fraction(entry.get("fraction", "1"), f"{where}.fraction"),
                "feedback": _html(entry.get("feedback"), f"{where}.feedback"),
            }
        )
    if not any(Decimal(answer["fraction"]) > 0 for answer in answers):
        raise _Invalid("has no correct answer")
    return {"answers": answers}


def _matching(data: dict, qtype: str) -> dict:
    raw = _list(data.get("pairs"), "pairs", minimum=2)
    pairs = []
    for index, entry in enumerate(raw):
        where = f"pairs[{index}]"
        entry = _object(entry, where, ("id", "prompt", "answer"))
        pairs.append(
            {
                "id": _id(entry.get("id"), f"{where}.id"),
                "prompt": _html(entry.get("prompt"), f"{where}.prompt"),
                "answer": _string(entry.get("answer"), f"{where}.answer", required=True).strip(),
            }
        )
    _ids(pairs, "pairs")
    if sum(1 for pair in pairs if pair["prompt"].strip()) < 2:
        raise _Invalid("pairs: a matching question needs at least two pairs with a prompt")
    return {"pairs": pairs, "shuffle": _bool(data.get("shuffle"), "shuffle", True)}


def _ordering(data: dict, qtype: str) -> dict:
    raw = _list(data.get("items"), "items", minimum=2)
    items = []
    for index, entry in enumerate(raw):
        where = f"items[{index}]"
        entry = _object(entry, where, ("id", "text"))
        item_id = _id(entry.get("id"), f"{where}.id")
        items.append({"id": item_id, "text": _html(entry.get("text"), f"{where}.text", required=True)})
    _ids(items, "items")
    grading = data.get("grading") or "all_or_nothing"
    if grading not in ORDERING_GRADING:
        raise _Invalid(f"grading: expected one of {', '.join(ORDERING_GRADING)}, got {json.dumps(grading)}")
    return {"items": items, "grading": grading}


def _word_count(raw: object, where: str) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise _Invalid(f"{where}: expected a whole number >= 0 or null, got {json.dumps(raw)}")
    return raw


def _essay(data: dict, qtype: str) -> dict:
    minimum = _word_count(data.get("min_words"), "min_words")
    maximum = _word_count(data.get("max_words"), "max_words")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise _Invalid("min_words is larger than max_words")
    return {"grader_info": _html(data.get("grader_info"), "grader_info"), "min_words": minimum, "max_words": maximum}


def _nothing(data: dict, qtype: str) -> dict:
    return {}


_TYPE_READERS: dict[str, Callable[[dict, str], dict]] = {
    "single_choice": _choices,
    "multiple_response": _choices,
    "true_false": _true_false,
    "short_answer": _short_answer,
    "numerical": _numerical,
    "matching": _matching,
    "ordering": _ordering,
    "essay": _essay,
    "description": _nothing,
}


def question_validate(data: object) -> tuple[dict | None, list[str]]:
    """Check one question dict and return ``(canonical, problems)``.

    ``canonical`` is the question in canonical interchange form (every field present, HTML
    sanitized, decimals as strings; ``language`` is None when the input has none, for the
    importer to fill) or None when there are problems. ``problems`` are messages such as
    ``"Question 'Open data law': choices[1].fraction: the fraction '1.5' is outside [-1, 1]"``.
    """
    if not isinstance(data, dict):
        return None, ["a question must be a JSON object"]
    name = data.get("name")
    label = f"Question '{name}'" if isinstance(name, str) and name.strip() else "Question"
    problems: list[str] = []

    def check(function: Callable[[], object]) -> object:
        try:
            return function()
        except _Invalid as exc:
            message = str(exc)
            problems.append(f"{label} {message}" if message.startswith("has ") else f"{label}: {message}")
            return None

    qtype = data.get("qtype")
    if qtype not in QTYPES:
        return None, [f"{label}: qtype: expected one of {', '.join(QTYPES)}, got {json.dumps(qtype)}"]
    unknown = sorted(set(data) - set(COMMON_FIELDS) - set(TYPE_FIELDS[qtype]))
    if unknown:
        problems.append(f"{label}: unknown field(s) for qtype {qtype}: {', '.join(unknown)}")

    canonical = {
        "idnumber": check(lambda: _string(data.get("idnumber"), "idnumber", max_length=IDNUMBER_MAX).strip()),
        "category": check(lambda: _category(data.get("category"))),
        "name": check(lambda: _string(name, "name", required=True, max_length=NAME_MAX).strip()),
        "qtype": qtype,
        "text": check(lambda: _html(data.get("text"), "text", required=True)),
        "general_feedback": check(lambda: _html(data.get("general_feedback"), "general_feedback")),
        "default_points": check(lambda: _points(data.get("default_points"), qtype)),
        "difficulty": check(lambda: _difficulty(data.get("difficulty"))),
        "tags": check(lambda: _tags(data.get("tags"))),
        "language": check(lambda: _language(data.get("language"))),
    }
    fields = check(lambda: _TYPE_READERS[qtype](data, qtype))
    if problems:
        return None, problems
    canonical.update(fields)
    return canonical, []


def _category(raw: object) -> str:
    """A category path ``"A/B"`` (``""``: none given; the importer's default applies)."""
    path = _string(raw, "category", max_length=CATEGORY_PATH_MAX).strip().strip("/")
    if not path:
        return ""
    parts = [part.strip() for part in path.split("/")]
    if any(not part for part in parts):
        raise _Invalid(f"category: empty level in {raw!r}")
    if any(len(part) > NAME_MAX for part in parts):
        raise _Invalid(f"category: a level is longer than {NAME_MAX} characters")
    return "/".join(parts)


def category_normalize(raw: str) -> str:
    """``" A / B/ "`` -> ``"A/B"``; raises ``ValueError`` for an empty level or an overlong name."""
    try:
        return _category(raw)
    except _Invalid as exc:
        raise ValueError(str(exc)) from None


def _points(raw: object, qtype: str) -> str:
    if raw is None or raw == "":
        return "0" if qtype == "description" else "1"
    value = _decimal(raw, "default_points")
    if not Decimal(0) <= value <= POINTS_MAX or value != value.quantize(Decimal("0.001")):
        raise _Invalid(f"default_points: {raw!r} must be between 0 and {POINTS_MAX} with at most 3 decimals")
    return _decimal_text(value)


def _difficulty(raw: object) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 5:
        raise _Invalid(f"difficulty: expected a whole number from 1 to 5, got {json.dumps(raw)}")
    return raw


def _tags(raw: object) -> list[str]:
    if raw is None:
        return []
    tags: list[str] = []
    for index, tag in enumerate(_list(raw, "tags")):
        tag = _string(tag, f"tags[{index}]", required=True, max_length=TAG_MAX).strip()
        if tag not in tags:
            tags.append(tag)
    return tags


def _language(raw: object) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in LANGUAGES:
        raise _Invalid(f"language: expected one of {', '.join(LANGUAGES)}, got {json.dumps(raw)}")
    return raw


# --- files -------------------------------------------------------------------------------------


class _PositionDecoder(json.JSONDecoder):
    """A JSON decoder that remembers where each object starts, to report line numbers."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: dict[int, int] = {}
        parse_object = self.parse_object

        def remember(s_and_end, *args, **kwargs):
            obj, end = parse_object(s_and_end, *args, **kwargs)
            self.starts[id(obj)] = s_and_end[1] - 1
            return obj, end

        self.parse_object = remember
        # The C scanner does not call parse_object; the Python one does.
        self.scan_once = json.scanner.py_make_scanner(self)


def read_json(text: str) -> ParseResult:
    """Read a Certify interchange JSON file into a ParseResult (never raises for bad input).

    Each question is validated with :func:`question_validate`; its line is where its ``{``
    stands in the file.
    """
    result = ParseResult()
    if text.startswith("\ufeff"):
        text = text[1:]
    decoder = _PositionDecoder()
    try:
        document = decoder.decode(text)
    except json.JSONDecodeError as exc:
        result.error(exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})")
        return result
    except RecursionError:
        result.error(1, "not valid JSON: nested too deeply")
        return result
    line_starts = [0] + [index + 1 for index, char in enumerate(text) if char == "\n"]

    def line_of(obj: object) -> int:
        offset = decoder.starts.get(id(obj), 0)
        return bisect.bisect_right(line_starts, offset)

    if not isinstance(document, dict):
        result.error(1, f'expected an object {{"format": "{FORMAT_NAME}", "version": 1, "questions": [...]}}')
        return result
    if document.get("format") != FORMAT_NAME:
        result.error(1, f'"format" must be "{FORMAT_NAME}", got {json.dumps(document.get("format"))}')
    if document.get("version") != FORMAT_VERSION:
        result.error(1, f'"version" must be {FORMAT_VERSION}, got {json.dumps(document.get("version"))}')
    questions = document.get("questions")
    if not isinstance(questions, list):
        result.error(1, '"questions" must be a list')
        return result
    if result.errors:
        return result
    seen: dict[str, int] = {}
    for raw in questions:
        line = line_of(raw)
        canonical, problems = question_validate(raw)
        for problem in problems:
            result.error(line, problem)
        if canonical is None:
            continue
        idnumber = canonical["idnumber"]
        if idnumber and idnumber in seen:
            first = seen[idnumber]
            result.error(line, f"Question '{canonical['name']}': idnumber {idnumber!r} is already used at line {first}")
            continue
        if idnumber:
            seen[idnumber] = line
        result.questions.append(ParsedQuestion(line=line, data=canonical))
    return result


def write_json(questions: list[dict]) -> str:
    """The interchange file for ``questions`` (dicts in interchange form), as UTF-8-ready text.

    Stored images (``<img data-image-id>``) are written as ``data:`` URIs so that the file
    stands alone; importing it finds the same images again by their content hash
    (:mod:`question_bank.images`).
    """
    if any("<img" in str(question) for question in questions):
        from question_bank.images import question_images_inline

        cache: dict = {}
        questions = [question_images_inline(question, cache=cache) for question in questions]
    document = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "questions": questions}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "category_normalize", "question_validate", "read_json", "write_json"]
