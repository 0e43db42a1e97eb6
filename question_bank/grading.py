"""Grading of one response: a pure function of (question, response).

``grade(question, response)`` reads a question in the interchange form of CONTRACTS.md
section 2 (the ``data`` of a ``QuestionVersion``) and the candidate's response, and returns
the fraction earned as a ``Decimal`` in [0, 1]. No ORM, no I/O, no floats: the exam engine
multiplies the fraction by the item's points.

Rules (Certify issue 3, after Moodle's question types):

- ``single_choice`` ``{"choice": id}``: the chosen option's fraction (below 0 counts as 0).
- ``multiple_response`` ``{"choices": [id, ...]}``: the sum of the chosen options'
  fractions, clamped to [0, 1]; an id chosen twice counts once; an unknown id makes the
  whole response 0.
- ``true_false`` ``{"value": true}``: 1 when the value is the correct one.
- ``short_answer`` ``{"text": "..."}``: the best fraction among the matching answers.
  Both sides are NFC-normalised, trimmed, runs of white space folded to one space, the
  apostrophe look-alikes ʻ ʼ ‘ ’ ' ` read as one letter, and case ignored unless
  ``case_sensitive``. ``*`` in an answer matches any run of characters, ``\\*`` a star.
- ``numerical`` ``{"value": "3,14"}``: comma or point as the decimal separator; an answer
  matches when ``|response - value| <= tolerance`` (inclusive at both ends); a ``value`` of
  ``"a..b"`` is the closed range; ``"*"`` matches any number; the best fraction wins.
- ``matching`` ``{"pairs": {pair_id: answer_text}}``: each pair with a non-empty prompt
  earns 1/n when its answer is right (distractor pairs, with an empty prompt, only add
  answers to choose from).
- ``ordering`` ``{"order": [id, ...]}``: all or nothing by default; with
  ``"grading": "partial"`` a share 1/n for each item in its right position.
- ``essay`` raises :class:`ManualGradingRequired` (an empty essay earns 0 at once: there is
  nothing for an examiner to read).
- ``description`` earns 0 and is never graded.

An empty or missing response is 0. A malformed response (wrong shape, wrong types, an
unknown id) is 0, never an exception. A question whose ``qtype`` is unknown raises
``ValueError``: that is a broken question version, not a candidate's mistake.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

ZERO = Decimal("0")
ONE = Decimal("1")

# Uzbek ʻ (U+02BB) and the look-alikes that keyboards and phones type instead of it.
APOSTROPHES = "\u02bb\u02bc\u2018\u2019\u0027\u0060"
_APOSTROPHE_TABLE = str.maketrans(dict.fromkeys(APOSTROPHES, "\u02bb"))
_WHITESPACE = re.compile(r"\s+")


class ManualGradingRequired(Exception):
    """Raised for an essay: an examiner grades it by hand (CONTRACTS.md section 3)."""


def grade(question: dict, response: dict | None) -> Decimal:
    """Return the fraction of the question's points that ``response`` earns.

    ``question``: one question in the interchange form (CONTRACTS.md section 2).
    ``response``: the candidate's response in the shape of that section's table, or None.
    Returns a ``Decimal`` in [0, 1]. Raises :class:`ManualGradingRequired` for a non-empty
    essay and ``ValueError`` for an unknown ``qtype``; never raises for a bad response.
    """
    qtype = question.get("qtype")
    grader = _GRADERS.get(qtype)
    if grader is None:
        raise ValueError(f"cannot grade a question of type {qtype!r}")
    if qtype == "description":
        return ZERO
    if not isinstance(response, Mapping) or not response:
        return ZERO
    if qtype == "essay":
        text = response.get("text")
        if not isinstance(text, str) or not text.strip():
            return ZERO
        raise ManualGradingRequired("an essay is graded by an examiner")
    try:
        return _clamp(grader(question, response))
    except (TypeError, ValueError, KeyError, AttributeError, InvalidOperation, ArithmeticError):
        # A response of an unexpected shape is worth nothing; grading never crashes an attempt.
        return ZERO


def _clamp(value: Decimal) -> Decimal:
    if value < ZERO:
        return ZERO
    if value > ONE:
        return ONE
    return value


def _fraction(raw: object) -> Decimal:
    """A fraction from the question (a decimal string, or an int); a bad one is 0."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return ZERO
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return ZERO
    return value if value.is_finite() else ZERO


def _is_id(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _share(right: int, total: int) -> Decimal:
    """right/total as a Decimal, exactly 1 when all are right (no 0.999… from 3 × 1/3)."""
    if total <= 0 or right <= 0:
        return ZERO
    if right >= total:
        return ONE
    return Decimal(right) / Decimal(total)


# --- choice types -----------------------------------------------------------------------


def _choice_fractions(question: dict) -> dict[str, Decimal]:
    return {str(choice["id"]): _fraction(choice.get("fraction")) for choice in question.get("choices") or []}


def _grade_single_choice(question: dict, response: Mapping) -> Decimal:
    chosen = response.get("choice")
    if not _is_id(chosen):
        return ZERO
    return _choice_fractions(question).get(chosen, ZERO)


def _grade_multiple_response(question: dict, response: Mapping) -> Decimal:
    chosen = response.get("choices")
    if not isinstance(chosen, list | tuple) or not all(_is_id(item) for item in chosen):
        return ZERO
    fractions = _choice_fractions(question)
    unique = set(chosen)
    if not unique or not unique <= fractions.keys():
        return ZERO
    return sum((fractions[item] for item in unique), ZERO)


def _grade_true_false(question: dict, response: Mapping) -> Decimal:
    value = response.get("value")
    if not isinstance(value, bool):
        return ZERO
    return ONE if value is bool(question.get("correct")) else ZERO


# --- short answer -----------------------------------------------------------------------


def normalize_answer_text(text: str, *, case_sensitive: bool = False) -> str:
    """The form in which short answers are compared (see the module docstring)."""
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHE_TABLE)
    text = _WHITESPACE.sub(" ", text).strip()
    if not case_sensitive:
        # casefold after NFC, then NFC again: casefolding can decompose (e.g. "İ").
        text = unicodedata.normalize("NFC", text.casefold())
    return text


def _answer_pattern(answer: str, *, case_sensitive: bool) -> re.Pattern[str]:
    """A full-match regex for one answer: ``*`` is any run of characters, ``\\*`` a star."""
    normalized = normalize_answer_text(answer, case_sensitive=case_sensitive)
    parts: list[str] = []
    literal: list[str] = []
    i = 0
    while i < len(normalized):
        char = normalized[i]
        if char == "\\" and normalized[i + 1 : i + 2] == "*":
            literal.append("*")
            i += 2
            continue
        if char == "*":
            parts.append(re.escape("".join(literal)))
            parts.append(".*")
            literal = []
        else:
            literal.append(char)
        i += 1
    parts.append(re.escape("".join(literal)))
    return re.compile("".join(parts), re.DOTALL)


def _grade_short_answer(question: dict, response: Mapping) -> Decimal:
    text = response.get("text")
    if not isinstance(text, str):
        return ZERO
    case_sensitive = bool(question.get("case_sensitive"))
    given = normalize_answer_text(text, case_sensitive=case_sensitive)
    if not given:
        return ZERO
    best = ZERO
    for answer in question.get("answers") or []:
        pattern_text = answer.get("text")
        if not isinstance(pattern_text, str) or not pattern_text.strip():
            continue
        if _answer_pattern(pattern_text, case_sensitive=case_sensitive).fullmatch(given):
            best = max(best, _fraction(answer.get("fraction")))
    return best


# --- numerical --------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def parse_number(raw: object) -> Decimal | None:
    """A number as a candidate or an author writes it: ``"3,14"``, ``"3.14"``, ``"-2"``, ``"1e3"``.

    The comma is read as the decimal separator (there are no thousands separators).
    Returns None for anything else (booleans, floats' ``nan``/``inf``, text, two separators).
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | Decimal):
        value = Decimal(raw)
        return value if value.is_finite() else None
    if isinstance(raw, float):
        raw = repr(raw)
    if not isinstance(raw, str):
        return None
    text = raw.strip().replace(",", ".")
    if not _NUMBER.fullmatch(text):
        return None
    return Decimal(text)


def numerical_bounds(value: str, tolerance: object) -> tuple[Decimal, Decimal] | None:
    """The closed interval ``(low, high)`` that one numerical answer accepts, or None for ``*``.

    ``value`` is a number (with ``tolerance``, a non-negative number, default 0) or a range
    ``"a..b"``. Raises ``ValueError`` when either is not a number.
    """
    value = value.strip()
    if value == "*":
        return None
    if ".." in value:
        low_text, high_text = value.split("..", 1)
        low, high = parse_number(low_text), parse_number(high_text)
        if low is None or high is None:
            raise ValueError(f"not a numerical range: {value!r}")
        return (min(low, high), max(low, high))
    centre = parse_number(value)
    spread = ZERO if tolerance in (None, "") else parse_number(tolerance)
    if centre is None or spread is None:
        raise ValueError(f"not a numerical answer: {value!r} ± {tolerance!r}")
    spread = abs(spread)
    return (centre - spread, centre + spread)


def _grade_numerical(question: dict, response: Mapping) -> Decimal:
    given = parse_number(response.get("value"))
    if given is None:
        return ZERO
    best = ZERO
    for answer in question.get("answers") or []:
        try:
            bounds = numerical_bounds(str(answer.get("value", "")), answer.get("tolerance"))
        except ValueError:
            continue
        if bounds is None or bounds[0] <= given <= bounds[1]:
            best = max(best, _fraction(answer.get("fraction")))
    return best


# --- matching and ordering ----------------------------------------------------------------


def _same_answer(given: str, expected: str) -> bool:
    return unicodedata.normalize("NFC", given).strip() == unicodedata.normalize("NFC", expected).strip()


def _grade_matching(question: dict, response: Mapping) -> Decimal:
    given = response.get("pairs")
    if not isinstance(given, Mapping):
        return ZERO
    prompted = {
        str(pair["id"]): str(pair.get("answer", ""))
        for pair in question.get("pairs") or []
        if str(pair.get("prompt") or "").strip()
    }
    if not given.keys() <= prompted.keys():
        return ZERO  # an unknown pair id: malformed
    right = 0
    for pair_id, answer in given.items():
        if answer is None:
            continue  # this pair left unanswered
        if not isinstance(answer, str):
            return ZERO
        if _same_answer(answer, prompted[pair_id]):
            right += 1
    return _share(right, len(prompted))


def _grade_ordering(question: dict, response: Mapping) -> Decimal:
    order = response.get("order")
    expected = [str(item["id"]) for item in question.get("items") or []]
    if not isinstance(order, list | tuple) or not all(_is_id(item) for item in order):
        return ZERO
    if len(order) != len(expected) or set(order) != set(expected):
        return ZERO  # not a permutation of the items
    right = sum(1 for got, want in zip(order, expected, strict=True) if got == want)
    if question.get("grading", "all_or_nothing") == "partial":
        return _share(right, len(expected))
    return ONE if right == len(expected) else ZERO


def _never(question: dict, response: Mapping) -> Decimal:
    return ZERO


_GRADERS: dict[str, Callable[[dict, Mapping], Decimal]] = {
    "single_choice": _grade_single_choice,
    "multiple_response": _grade_multiple_response,
    "true_false": _grade_true_false,
    "short_answer": _grade_short_answer,
    "numerical": _grade_numerical,
    "matching": _grade_matching,
    "ordering": _grade_ordering,
    "essay": _never,
    "description": _never,
}
