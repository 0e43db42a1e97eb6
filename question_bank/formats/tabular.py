"""Questions in a spreadsheet: XLSX (first sheet) or CSV, one question per row.

The first row names the columns (any order, case-insensitive; unknown columns are an
error, so a typo is not silently ignored)::

    idnumber | category | name | qtype | text | A | B | C | D | E | F | correct | feedback
    | difficulty | tags | language | points

- ``qtype``: one of CONTRACTS.md section 2 (``single_choice``, ``multiple_response``,
  ``true_false``, ``short_answer``, ``numerical``, ``matching``, ``ordering``, ``essay``,
  ``description``); empty means ``single_choice``.
- ``A``..``F``: the options (choice questions), the accepted answers (short answer), the
  value (numerical, ``3.14`` or ``3.14:0.01`` or ``1..5``), the items in the right order
  (ordering) or the pairs ``prompt -> answer`` (matching). Texts are plain text, escaped;
  a cell that starts with ``<`` and ends with ``>`` is read as HTML (and sanitized).
- ``correct``: ``B`` (single choice); ``A,C`` (multiple response: the listed options
  share 100 %, each other option takes away as much as one right one gives); or weights
  ``A:50, B:50, C:-100`` in percent (choices and short answers); ``TRUE``/``FALSE`` for
  true/false. Short answers without ``correct`` all earn 100 %.
- ``feedback`` is the general feedback; ``tags`` are separated by commas; ``difficulty``
  1..5; ``language`` uz/ru/en; ``points`` the default points (default 1).

Problems are ``(row, message)`` with the spreadsheet's own row number (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

from question_bank.formats import ParsedQuestion, ParseResult, default_question_name
from question_bank.formats.json_format import QTYPES, question_validate
from question_bank.sanitize import clean_html, text_to_html

LETTERS = ("A", "B", "C", "D", "E", "F")
COLUMNS = (
    "idnumber",
    "category",
    "name",
    "qtype",
    "text",
    *LETTERS,
    "correct",
    "feedback",
    "difficulty",
    "tags",
    "language",
    "points",
)
MAX_ROWS = 50_000
_TRUE = {"TRUE", "T", "1", "HA", "ДА", "YES", "ИСТИНА"}
_FALSE = {"FALSE", "F", "0", "YOʻQ", "YOQ", "НЕТ", "NO", "ЛОЖЬ"}


class _RowError(Exception):
    pass


def _cell(value: object) -> str:
    """A cell as text: numbers without a spurious ``.0``, None as ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value).strip()


def _rich(text: str) -> str:
    if text.startswith("<") and text.endswith(">"):
        return clean_html(text)
    return text_to_html(text)


def _percent(raw: str, where: str) -> str:
    try:
        value = Decimal(raw.strip().rstrip("%").replace(",", "."))
    except ArithmeticError:
        raise _RowError(f"{where}: {raw!r} is not a percentage") from None
    if not value.is_finite() or not Decimal(-100) <= value <= Decimal(100):
        raise _RowError(f"{where}: {raw!r} is outside -100..100")
    text = format(value.scaleb(-2).normalize(), "f")
    return "0" if text == "-0" else text


def _weights(correct: str, letters: list[str]) -> dict[str, str] | None:
    """``"A:50, B:-100"`` -> ``{"A": "0.5", "B": "-1"}``; None when ``correct`` holds no weights."""
    if ":" not in correct:
        return None
    weights = {}
    for part in correct.replace(";", ",").split(","):
        if not part.strip():
            continue
        letter, colon, percent = part.partition(":")
        letter = letter.strip().upper()
        if not colon or letter not in letters:
            raise _RowError(f"correct: {part.strip()!r} must be a filled column letter and a weight, such as A:50")
        weights[letter] = _percent(percent, f"correct {letter}")
    return weights


def _letters(correct: str, letters: list[str]) -> list[str]:
    chosen = [part.strip().upper() for part in correct.replace(";", ",").split(",") if part.strip()]
    for letter in chosen:
        if letter not in letters:
            raise _RowError(f"correct: {letter!r} is not one of the filled columns {', '.join(letters)}")
    return chosen


def _share(count: int) -> str:
    """100 % split in ``count`` parts, as the 7-decimal fractions Moodle uses (1/3 = 0.3333333)."""
    return format((Decimal(1) / count).quantize(Decimal("0.0000001")).normalize(), "f")


def _type_fields(qtype: str, options: dict[str, str], correct: str) -> dict:
    letters = list(options)
    if qtype in ("single_choice", "multiple_response"):
        if len(letters) < 2:
            raise _RowError("a choice question needs at least two options in columns A..F")
        weights = _weights(correct, letters)
        if weights is None:
            chosen = _letters(correct, letters)
            if not chosen:
                raise _RowError("correct: say which option is right (a letter, such as B)")
            if qtype == "single_choice" and len(chosen) > 1:
                raise _RowError("correct: a single-choice question has one right option; use multiple_response")
            right = _share(len(chosen))
            wrong = "0" if qtype == "single_choice" else "-" + right
            weights = {letter: (right if letter in chosen else wrong) for letter in letters}
        return {
            "choices": [
                {"id": str(index), "text": _rich(options[letter]), "fraction": weights.get(letter, "0"), "feedback": ""}
                for index, letter in enumerate(letters, start=1)
            ],
            "shuffle": True,
        }
    if qtype == "true_false":
        value = correct.strip().upper()
        if value not in _TRUE | _FALSE:
            raise _RowError(f"correct: {correct!r} must be TRUE or FALSE")
        return {"correct": value in _TRUE, "feedback_true": "", "feedback_false": ""}
    if qtype == "short_answer":
        if not letters:
            raise _RowError("a short-answer question needs its accepted answers in columns A..F")
        weights = _weights(correct, letters) or dict.fromkeys(letters, "1")
        return {
            "answers": [
                {"text": options[letter], "fraction": weights.get(letter, "0"), "feedback": ""} for letter in letters
            ],
            "case_sensitive": False,
        }
    if qtype == "numerical":
        if not letters:
            raise _RowError("a numerical question needs its value in column A (3.14, 3.14:0.01 or 1..5)")
        weights = _weights(correct, letters) or dict.fromkeys(letters, "1")
        answers = []
        for letter in letters:
            value, colon, tolerance = options[letter].partition(":")
            answers.append(
                {
                    "value": value.strip(),
                    "tolerance": tolerance.strip() if colon else "0",
                    "fraction": weights.get(letter, "0"),
                    "feedback": "",
                }
            )
        return {"answers": answers}
    if qtype == "matching":
        pairs = []
        for index, letter in enumerate(letters, start=1):
            prompt, arrow, answer = options[letter].partition("->")
            if not arrow:
                raise _RowError(f"column {letter}: write a pair as 'prompt -> answer'")
            pairs.append(
                {"id": str(index), "prompt": _rich(prompt.strip()) if prompt.strip() else "", "answer": answer.strip()}
            )
        return {"pairs": pairs, "shuffle": True}
    if qtype == "ordering":
        return {
            "items": [
                {"id": str(index), "text": _rich(options[letter])} for index, letter in enumerate(letters, start=1)
            ],
            "grading": "all_or_nothing",
        }
    if qtype == "essay":
        return {"grader_info": "", "min_words": None, "max_words": None}
    return {}


def _row_question(values: dict[str, str]) -> dict:
    qtype = values.get("qtype", "").strip() or "single_choice"
    options = {letter: values[letter] for letter in LETTERS if values.get(letter, "").strip()}
    text = values.get("text", "")
    question = {
        "idnumber": values.get("idnumber", ""),
        "category": values.get("category", ""),
        "name": values.get("name", ""),
        "qtype": qtype,
        "text": _rich(text) if text else "",
        "general_feedback": _rich(values["feedback"]) if values.get("feedback") else "",
        "tags": [tag.strip() for tag in values.get("tags", "").split(",") if tag.strip()],
    }
    if values.get("points"):
        question["default_points"] = values["points"].replace(",", ".")
    difficulty = values.get("difficulty", "")
    if difficulty:
        # ASCII digits only: str.isdigit() is also true for "²", which int() refuses.
        if not (difficulty.isascii() and difficulty.isdigit()):
            raise _RowError(f"difficulty: {difficulty!r} must be a whole number from 1 to 5")
        question["difficulty"] = int(difficulty)
    if values.get("language"):
        question["language"] = values["language"].strip().lower()
    if not question["name"]:
        question["name"] = default_question_name(question["text"])
    if qtype not in QTYPES:
        raise _RowError(f"qtype: {qtype!r} is not one of {', '.join(QTYPES)}")
    question.update(_type_fields(qtype, options, values.get("correct", "")))
    return question


def _read_rows(rows, result: ParseResult) -> None:
    header: list[str] | None = None
    seen_ids: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        cells = [_cell(value) for value in row]
        if header is None:
            header = [cell.strip() for cell in cells]
            normalized = [name if name.upper() in LETTERS else name.lower() for name in header]
            while normalized and not normalized[-1]:
                normalized.pop()
            unknown = [name for name in normalized if name not in COLUMNS]
            if unknown:
                result.error(
                    1, f"unknown column(s) {', '.join(map(repr, unknown))}; the columns are {', '.join(COLUMNS)}"
                )
                return
            if "text" not in normalized:
                result.error(1, "the first row must name the columns, including 'text' (download the template)")
                return
            header = normalized
            continue
        if number > MAX_ROWS:
            result.error(number, f"more than {MAX_ROWS} rows; split the file")
            return
        if not any(cells):
            continue
        values = {name: cells[index] if index < len(cells) else "" for index, name in enumerate(header) if name}
        label = f"Question '{values.get('name')}'" if values.get("name") else "Question"
        try:
            data = _row_question(values)
        except _RowError as exc:
            result.error(number, f"{label}: {exc}")
            continue
        canonical, problems = question_validate(data)
        for problem in problems:
            result.error(number, problem)
        if canonical is None or problems:
            continue
        idnumber = canonical["idnumber"]
        if idnumber:
            if idnumber in seen_ids:
                result.error(number, f"{label}: idnumber {idnumber!r} is already used at row {seen_ids[idnumber]}")
                continue
            seen_ids[idnumber] = number
        if data.get("language") is None:
            canonical["language"] = None
        result.questions.append(ParsedQuestion(line=number, data=canonical))
    if header is None:
        result.error(1, "the file is empty")
    elif not result.questions and not result.errors:
        result.error(2, "no questions found below the header row")


def parse_xlsx(raw: bytes) -> ParseResult:
    """Read the first sheet of an XLSX workbook (bytes). Never raises for bad input."""
    from openpyxl import load_workbook

    result = ParseResult()
    try:
        # read_only streams the sheet; data_only takes the cached values of formulas, not the formulas.
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, Exception) as exc:  # openpyxl raises many types for a broken workbook
        result.error(1, f"not a readable XLSX workbook ({type(exc).__name__}); save it again from Excel as .xlsx")
        return result
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            result.error(1, "the workbook has no sheet")
            return result
        _read_rows(sheet.iter_rows(values_only=True), result)
    except Exception as exc:  # a broken sheet inside a valid zip: many possible types
        result.error(1, f"the sheet cannot be read ({type(exc).__name__}: {exc})")
    finally:
        workbook.close()
    return result


def parse_csv(text: str) -> ParseResult:
    """Read CSV text (comma or semicolon separated, as Excel writes it in many locales)."""
    result = ParseResult()
    if text.startswith("\ufeff"):
        text = text[1:]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        _read_rows(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), result)
    except csv.Error as exc:
        result.error(1, f"not valid CSV: {exc}")
    return result


def template_rows() -> list[list[str]]:
    """The header and one example row per common type, for the downloadable templates."""
    example = {
        "single_choice": [
            "Q-001",
            "Elektron hukumat/Huquqiy asos",
            "",
            "single_choice",
            "Qaysi qonun…?",
            "A",
            "B",
            "C",
            "",
            "",
            "",
            "B",
        ],
        "multiple_response": [
            "Q-002",
            "Elektron hukumat/Huquqiy asos",
            "",
            "multiple_response",
            "Tub sonlar?",
            "2",
            "3",
            "4",
            "6",
            "",
            "",
            "A,B",
        ],
        "true_false": [
            "Q-003",
            "Elektron hukumat/Huquqiy asos",
            "",
            "true_false",
            "Yer yumaloqmi?",
            "",
            "",
            "",
            "",
            "",
            "",
            "TRUE",
        ],
        "short_answer": [
            "Q-004",
            "Elektron hukumat/Huquqiy asos",
            "",
            "short_answer",
            "Poytaxt?",
            "Toshkent",
            "Tashkent",
            "",
            "",
            "",
            "",
            "",
        ],
        "numerical": [
            "Q-005",
            "Elektron hukumat/Huquqiy asos",
            "",
            "numerical",
            "π (2 xona)?",
            "3.14:0.01",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    }
    rows = [list(COLUMNS)]
    for cells in example.values():
        rows.append([*cells, "", "3", "namuna", "uz", "1"])
    return rows
