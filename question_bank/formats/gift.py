"""A reader for Moodle's GIFT format, written from Moodle's documentation and importer.

Source of the rules: Moodle's GIFT documentation (docs.moodle.org, "GIFT format") and the
behaviour of its importer (``question/format/gift/format.php``), which is the reference
wherever the documentation is silent. In short:

- Questions are separated by blank lines. Lines whose first non-blank characters are
  ``//`` are comments; ``[id:X]`` and ``[tag:Y]`` in a question's comments set its idnumber
  and tags.
- ``$CATEGORY: path`` switches the category of the questions that follow. Moodle's context
  prefix and top level are dropped: ``$course$/top/A/B``, ``$course$/A/B`` and ``top/A/B``
  are all the path ``A/B``.
- ``::title::`` names the question; ``[html]``, ``[markdown]``, ``[plain]`` or ``[moodle]``
  at the start of a text sets its format (answers and feedback default to the question's).
- ``\\~ \\= \\# \\{ \\} \\: \\\\`` are the escaped control characters; ``\\n`` is a line break.
- The answer block ``{...}`` decides the type: ``{}`` essay; ``{T}``/``{TRUE}``/``{F}``/
  ``{FALSE}`` true/false (``#wrong feedback#right feedback``, Moodle's order); ``{#...}``
  numerical (``3.14:0.01``, ``1..5``, several ``=%w%value:tol``, ``~`` feedback for any
  other number); ``~`` multiple choice (single choice when some answer starts with ``=``,
  multiple response otherwise, ``%w%`` weights); ``=a -> b`` matching; ``=a =b`` short
  answer. No block at all is a description. ``####`` starts the general feedback, ``#``
  an answer's feedback. Text after the block puts it inside the sentence, shown ``_____``.

Where we are stricter than Moodle, on purpose (each gives a clear error instead of a
silently odd question): answer text that is not ``T``/``F``/``=``/``~``/``#`` (Moodle makes
``{foo}`` a short answer accepting "foo"); text before the first answer; two answer blocks
in one question (a missing blank line); a title with no closing ``::``; a choice question
with no correct answer. Where we are more lenient: a ``$CATEGORY`` line may be followed by
a question without a blank line (Moodle would swallow the question into the category
name), and a comma is accepted as the decimal separator in numerical answers.

Weights are kept exactly as written: ``%33%`` is ``"0.33"``, ``%33.33333%`` is
``"0.3333333"``; they are never snapped to Moodle's list of grades.
"""

from __future__ import annotations

import re
from decimal import Decimal

from question_bank.formats import ParsedQuestion, ParseResult, default_question_name
from question_bank.formats.textformats import FORMATS, to_html
from question_bank.grading import parse_number
from question_bank.sanitize import visible_text

__all__ = ["category_path", "parse_gift"]

# Escaped control characters become Unicode noncharacters while the structure is read, so
# that an escaped "=" or "}" never splits anything, and are put back in the texts at the end.
_ESCAPABLE = "\\:#={}~n"
_PLACEHOLDER = {char: chr(0xFDD0 + index) for index, char in enumerate(_ESCAPABLE)}
_RESTORE = str.maketrans({mark: ("\n" if char == "n" else char) for char, mark in _PLACEHOLDER.items()})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_WEIGHT = re.compile(r"^%\s*(-?\d+(?:[.,]\d*)?)\s*%")
_BAD_WEIGHT = re.compile(r"^%[^%\s]{0,12}%")
_ID = re.compile(r"\[id:((?:\\.|[^\]\\])*)\]")
_TAG = re.compile(r"\[tag:((?:\\.|[^\]\\])*)\]")
_FORMAT_PREFIX = re.compile(r"^\[(" + "|".join(FORMATS) + r")\]", re.IGNORECASE)
_CONTEXT_PREFIX = re.compile(r"^\$[A-Za-z0-9_]+\$")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
BLANK = "_____"
NAME_MAX = 255


def _escape(text: str) -> str:
    """Replace each escaped control character by its placeholder (one pass, left to right)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _PLACEHOLDER:
            out.append(_PLACEHOLDER[text[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _unescape(text: str) -> str:
    return text.translate(_RESTORE)


def _split_format(text: str, default: str) -> tuple[str, str]:
    """``"[html]<p>x</p>"`` -> ``("<p>x</p>", "html")``; no known prefix -> ``(text, default)``."""
    match = _FORMAT_PREFIX.match(text)
    if match:
        return text[match.end() :], match.group(1).lower()
    return text, default


def _rich(text: str, default: str) -> str:
    """A text of the question (stem, choice, feedback) as sanitized HTML."""
    body, fmt = _split_format(text.strip(), default)
    return to_html(_unescape(body).strip(), fmt)


def _plain(text: str) -> str:
    """An answer compared as text (short answer, matching answer): no format, no HTML."""
    body, _fmt = _split_format(text.strip(), "plain")
    return _unescape(body).strip()


def _fraction_text(value: Decimal) -> str:
    """A fraction as the shortest exact decimal string: 0.50 -> "0.5", 1.00 -> "1"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _number_text(value: Decimal) -> str:
    text = format(value, "f")
    return "0" if re.fullmatch(r"-?0(\.0*)?", text) else text


def category_path(raw: str) -> str:
    """The Certify path of a GIFT ``$CATEGORY:`` value; ``""`` is the default category.

    ``$course$/top/A/B`` -> ``A/B``; ``$course$/A/B`` -> ``A/B``; ``top`` -> ``""``.
    Raises ``ValueError`` for ``//`` (Moodle's escaped slash: our names cannot hold one).
    """
    path = raw.strip()
    prefix = _CONTEXT_PREFIX.match(path)
    if prefix:
        path = path[prefix.end() :]
    path = path.strip().strip("/")
    if "//" in path:
        raise ValueError("a category name cannot contain '/' (Moodle writes it as '//')")
    parts = [part.strip() for part in path.split("/")] if path else []
    if parts and parts[0] == "top":
        parts = parts[1:]
    if any(not part for part in parts):
        raise ValueError(f"empty level in category path {raw.strip()!r}")
    return "/".join(parts)


class _QuestionReader:
    """Reads the text of one question (comments already removed) into an interchange dict."""

    def __init__(self, *, text: str, line: int, comments: str, category: str, result: ParseResult) -> None:
        self.text = text
        self.line = line
        self.comments = comments
        self.category = category
        self.result = result
        self.name = ""
        self.failed = False

    def error(self, message: str, *, separator: str = ": ") -> None:
        self.failed = True
        label = f"Question '{self.name}'" if self.name else "Question"
        self.result.error(self.line, f"{label}{separator}{message}")

    def warn(self, message: str) -> None:
        label = f"Question '{self.name}'" if self.name else "Question"
        self.result.warn(self.line, f"{label}: {message}")

    # -- the whole question -------------------------------------------------------------

    def read(self) -> dict | None:
        text = _escape(self.text).strip()
        if text.startswith("::"):
            end = text.find("::", 2)
            if end < 0:
                self.error("the title is not closed with '::'")
                return None
            self.name = _unescape(text[2:end]).strip()
            text = text[end + 2 :].strip()
        body, fmt = _split_format(text, "moodle")

        opening, closing = body.find("{"), body.find("}")
        if opening < 0 and closing < 0:
            return self._finish(self._description(body, fmt))
        if opening < 0 or (0 <= closing < opening):
            self.error("'}' without an opening '{' (write \\} for a literal brace)")
            return None
        if closing < 0:
            self.error("'{' is not closed with '}' (a blank line ends a question; write \\{ for a literal brace)")
            return None
        if body.find("{", opening + 1, closing) >= 0:
            self.error("a second '{' before the '}' that closes the first (write \\{ for a literal brace)")
            return None
        after = body[closing + 1 :]
        if "{" in after or "}" in after or re.search(r"\n\s*::", after):
            self.error("more than one answer block: separate questions with a blank line")
            return None

        answers = body[opening + 1 : closing].strip()
        # Text after the block means the answer stands inside the sentence (Moodle's "missing word").
        stem = body[:opening] + BLANK + after if after.strip() else body[:opening]
        stem_html = to_html(_unescape(stem).strip(), fmt)
        if not visible_text(stem_html) and "<img" not in stem_html:
            self.error("the question has no text")
            return None
        if not self.name:
            self.name = default_question_name(stem_html)

        general_feedback = ""
        separator = answers.rfind("####")
        if separator >= 0:
            general_feedback = _rich(answers[separator + 4 :], fmt)
            answers = answers[:separator].strip()

        fields = self._answers(answers, fmt)
        if fields is None:
            return None
        data = {"qtype": fields.pop("qtype"), "text": stem_html, "general_feedback": general_feedback}
        data.update(fields)
        return self._finish(data)

    def _description(self, body: str, fmt: str) -> dict | None:
        text_html = to_html(_unescape(body).strip(), fmt)
        if not visible_text(text_html) and "<img" not in text_html:
            self.error("the question has no text")
            return None
        if not self.name:
            self.name = default_question_name(text_html)
        return {"qtype": "description", "text": text_html, "general_feedback": "", "default_points": "0"}

    def _finish(self, data: dict | None) -> dict | None:
        if data is None or self.failed:
            return None
        if len(self.name) > NAME_MAX:
            self.warn(f"the title is longer than {NAME_MAX} characters and was shortened")
            self.name = self.name[: NAME_MAX - 1] + "…"
        ids = [match.strip().replace("\\]", "]") for match in _ID.findall(self.comments)]
        if len(ids) > 1:
            self.warn(f"several [id:...] comments; the first, {ids[0]!r}, is used")
        tags: list[str] = []
        for tag in _TAG.findall(self.comments):
            tag = tag.strip().replace("\\]", "]")
            if tag and tag not in tags:
                tags.append(tag)
        question = {
            "idnumber": ids[0] if ids else "",
            "category": self.category,
            "name": self.name,
            "qtype": data.pop("qtype"),
            "text": data.pop("text"),
            "general_feedback": data.pop("general_feedback"),
            "default_points": data.pop("default_points", "1"),
            "tags": tags,
        }
        question.update(data)
        return question

    # -- the answer block -----------------------------------------------------------------

    def _answers(self, answers: str, fmt: str) -> dict | None:
        if answers == "":
            return {"qtype": "essay", "grader_info": "", "min_words": None, "max_words": None}
        if answers.startswith("#"):
            return self._numerical(answers[1:], fmt)
        if "~" in answers:
            return self._choices(answers, fmt)
        if "=" in answers and "->" in answers:
            return self._matching(answers, fmt)
        head = answers.split("#", 1)[0].strip()
        if head in _TRUE_FALSE:
            return self._true_false(answers, fmt)
        if answers.startswith("="):
            return self._short_answer(answers, fmt)
        hint = " (write T, TRUE, F or FALSE in capitals)" if head.upper() in _TRUE_FALSE else ""
        shown = _unescape(answers)
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        self.error(
            f"unknown answer syntax {{{shown}}}{hint}: answers start with = or ~, "
            "a numerical block with #, a true/false block is T or F, an essay is {}"
        )
        return None

    def _weight(self, text: str, default: Decimal) -> tuple[Decimal, str] | None:
        """Split a leading ``%n%`` weight off ``text``: ``(fraction, rest)``; None after an error."""
        match = _WEIGHT.match(text)
        if match:
            percent = Decimal(match.group(1).replace(",", "."))
            if not Decimal(-100) <= percent <= Decimal(100):
                self.error(f"the weight %{match.group(1)}% is outside -100..100")
                return None
            return percent.scaleb(-2), text[match.end() :]
        if _BAD_WEIGHT.match(text):
            self.error(f"bad weight {_unescape(_BAD_WEIGHT.match(text).group(0))}: write a percentage such as %50%")
            return None
        return default, text

    def _split_items(self, answers: str, markers: str) -> list[tuple[str, str]] | None:
        """Split on the marker characters: ``[(marker, body), ...]``; text before the first is an error."""
        parts = re.split(f"([{re.escape(markers)}])", answers)
        if parts[0].strip():
            self.error(f"unexpected text {_unescape(parts[0].strip())!r} before the first answer")
            return None
        return [(parts[i], parts[i + 1].strip()) for i in range(1, len(parts), 2)]

    def _choices(self, answers: str, fmt: str) -> dict | None:
        items = self._split_items(answers, "~=")
        if items is None:
            return None
        choices = []
        for number, (marker, body) in enumerate(items, start=1):
            weighted = self._weight(body, Decimal(1) if marker == "=" else Decimal(0))
            if weighted is None:
                return None
            fraction, body = weighted
            text, _hash, feedback = body.partition("#")
            text_html = _rich(text, fmt)
            if not visible_text(text_html) and "<img" not in text_html:
                self.error(f"answer {number} is empty")
                return None
            choices.append(
                {
                    "id": str(number),
                    "text": text_html,
                    "fraction": _fraction_text(fraction),
                    "feedback": _rich(feedback, fmt) if _hash else "",
                }
            )
        if len(choices) < 2:
            self.error("a choice question needs at least two answers")
            return None
        fractions = [Decimal(choice["fraction"]) for choice in choices]
        single = any(marker == "=" for marker, _body in items)
        if not any(fraction > 0 for fraction in fractions):
            self.error("has no correct answer", separator=" ")
            return None
        if single:
            if max(fractions) < 1:
                self.warn("no answer earns full marks (100 %)")
        else:
            positive = sum((fraction for fraction in fractions if fraction > 0), Decimal(0))
            if positive != 1:
                self.warn(f"the positive weights add up to {_fraction_text(positive * 100)} %, not 100 %")
            if not any(fraction < 0 for fraction in fractions):
                self.warn("multiple response with no negative weight: choosing every answer earns full marks")
        return {
            "qtype": "single_choice" if single else "multiple_response",
            "choices": choices,
            "shuffle": True,
        }

    def _matching(self, answers: str, fmt: str) -> dict | None:
        items = self._split_items(answers, "=")
        if items is None:
            return None
        pairs = []
        for number, (_marker, body) in enumerate(items, start=1):
            prompt, arrow, answer = body.partition("->")
            if not arrow:
                self.error(f"pair {number} needs the form '=prompt -> answer'")
                return None
            answer_text = _plain(answer)
            if not answer_text:
                self.error(f"pair {number} has no answer after '->'")
                return None
            pairs.append({"id": str(number), "prompt": _rich(prompt, fmt), "answer": answer_text})
        if sum(1 for pair in pairs if visible_text(pair["prompt"])) < 2:
            self.error("a matching question needs at least two pairs with a prompt")
            return None
        return {"qtype": "matching", "pairs": pairs, "shuffle": True}

    def _true_false(self, answers: str, fmt: str) -> dict:
        # Moodle's order: the first feedback is for a wrong response, the second for a right one.
        value, *feedback = answers.split("#", 2)
        wrong = _rich(feedback[0], fmt) if len(feedback) > 0 else ""
        right = _rich(feedback[1], fmt) if len(feedback) > 1 else ""
        correct = _TRUE_FALSE[value.strip()]
        return {
            "qtype": "true_false",
            "correct": correct,
            "feedback_true": right if correct else wrong,
            "feedback_false": wrong if correct else right,
        }

    def _short_answer(self, answers: str, fmt: str) -> dict | None:
        items = self._split_items(answers, "=")
        if items is None:
            return None
        result = []
        for number, (_marker, body) in enumerate(items, start=1):
            weighted = self._weight(body, Decimal(1))
            if weighted is None:
                return None
            fraction, body = weighted
            text, _hash, feedback = body.partition("#")
            answer_text = _plain(text)
            if not answer_text:
                self.error(f"answer {number} is empty")
                return None
            result.append(
                {
                    "text": answer_text,
                    "fraction": _fraction_text(fraction),
                    "feedback": _rich(feedback, fmt) if _hash else "",
                }
            )
        if not any(Decimal(answer["fraction"]) > 0 for answer in result):
            self.error("has no correct answer", separator=" ")
            return None
        return {"qtype": "short_answer", "answers": result, "case_sensitive": False}

    def _numerical(self, answers: str, fmt: str) -> dict | None:
        wrong_feedback = None
        if "~" in answers:
            answers, _tilde, rest = answers.partition("~")
            before, _hash, after = rest.partition("#")
            wrong_feedback = _rich(after if _hash else before, fmt)
        parts = answers.split("=")
        if not parts[0].strip():
            parts = parts[1:]
        result = []
        for number, body in enumerate(parts, start=1):
            weighted = self._weight(body.strip(), Decimal(1))
            if weighted is None:
                return None
            fraction, body = weighted
            text, _hash, feedback = body.partition("#")
            bounds = self._numerical_value(_unescape(text).strip(), number)
            if bounds is None:
                return None
            value, tolerance = bounds
            result.append(
                {
                    "value": value,
                    "tolerance": tolerance,
                    "fraction": _fraction_text(fraction),
                    "feedback": _rich(feedback, fmt) if _hash else "",
                }
            )
        if not result:
            self.error("a numerical question needs at least one answer")
            return None
        if not any(Decimal(answer["fraction"]) > 0 for answer in result):
            self.error("has no correct answer", separator=" ")
            return None
        if wrong_feedback is not None:
            result.append({"value": "*", "tolerance": "0", "fraction": "0", "feedback": wrong_feedback})
        return {"qtype": "numerical", "answers": result}

    def _numerical_value(self, text: str, number: int) -> tuple[str, str] | None:
        """``"3.14:0.01"`` / ``"1..5"`` / ``"1822"`` / ``"*"`` -> ``(value, tolerance)`` strings."""
        if text == "*":
            return "*", "0"
        if ".." in text.lstrip("-"):
            low_text, _dots, high_text = text.partition("..")
            low, high = parse_number(low_text), parse_number(high_text)
            if low is None or high is None:
                self.error(f"answer {number}: {text!r} is not a range of numbers such as 1..5")
                return None
            if low > high:
                self.error(f"answer {number}: the range {text!r} runs from high to low")
                return None
            # Moodle stores a range as its middle and half its width; exact in Decimal.
            return _number_text((low + high) / 2), _number_text((high - low) / 2)
        value_text, colon, tolerance_text = text.partition(":")
        value = parse_number(value_text)
        tolerance = parse_number(tolerance_text) if colon else Decimal(0)
        if value is None:
            self.error(f"answer {number}: {value_text.strip()!r} is not a number")
            return None
        if tolerance is None:
            self.error(f"answer {number}: the tolerance {tolerance_text.strip()!r} is not a number")
            return None
        if tolerance < 0:
            self.error(f"answer {number}: the tolerance {tolerance_text.strip()!r} is negative")
            return None
        return _number_text(value), _number_text(tolerance)


def parse_gift(text: str) -> ParseResult:
    """Read a GIFT file's text into questions, errors and warnings.

    ``text``: the whole file as str (a UTF-8 BOM and CRLF/CR line ends are accepted).
    Returns a :class:`~question_bank.formats.ParseResult` whose questions are dicts in the
    interchange form of CONTRACTS.md section 2, with ``category`` (``""`` before any
    ``$CATEGORY``) and ``idnumber`` (``""`` when none), choice/pair ids ``"1"``, ``"2"``, …
    in source order, and the 1-based line where each question's text starts. Errors and
    warnings are ``(line, message)``; this function never raises for bad input.
    """
    result = ParseResult()
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _LINE_BREAK.split(text)
    for number, line in enumerate(lines, start=1):
        if any(mark in line for mark in _PLACEHOLDER.values()):
            result.error(number, "the line holds a Unicode noncharacter (U+FDD0..U+FDEF); remove it")
    if result.errors:
        return result

    category = ""
    seen_ids: dict[str, int] = {}
    block: list[tuple[int, str]] = []
    for number, line in enumerate([*lines, ""], start=1):
        stripped = line.strip()
        if stripped:
            block.append((number, stripped))
            continue
        if block:
            category = _read_block(block, category, result, seen_ids)
            block = []
    return result


def _read_block(block: list[tuple[int, str]], category: str, result: ParseResult, seen_ids: dict[str, int]) -> str:
    """Read one blank-line-separated block; returns the category in force after it."""
    comments = "\n".join(text for _number, text in block if text.startswith("//"))
    content = [(number, text) for number, text in block if not text.startswith("//")]
    while content and content[0][1].startswith("$CATEGORY:"):
        number, text = content.pop(0)
        try:
            category = category_path(_unescape(_escape(text[len("$CATEGORY:") :])))
        except ValueError as exc:
            result.error(number, f"$CATEGORY: {exc}")
    if not content:
        return category
    for number, text in content[1:]:
        if text.startswith("$CATEGORY:"):
            result.error(number, "$CATEGORY inside a question: put a blank line before it")
            return category
    start = content[0][0]
    reader = _QuestionReader(
        text="\n".join(text for _number, text in content),
        line=start,
        comments=comments,
        category=category,
        result=result,
    )
    question = reader.read()
    if question is None:
        return category
    idnumber = question["idnumber"]
    if idnumber:
        if idnumber in seen_ids:
            first = seen_ids[idnumber]
            result.error(start, f"Question '{question['name']}': the id {idnumber!r} is already used at line {first}")
            return category
        seen_ids[idnumber] = start
    result.questions.append(ParsedQuestion(line=start, data=question))
    return category
