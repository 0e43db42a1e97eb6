"""A reader for Moodle XML question files (``<quiz><question type="...">...``).

Source of the rules: Moodle's documentation ("Moodle XML format") and its importer
(``question/format/xml/format.php``). The file is parsed with defusedxml: no DTDs with
entities, no external entities, so a hostile file cannot read the server's files or
exhaust its memory.

Read: ``category`` (switches the category, ``$course$/top/A/B`` -> ``A/B``), ``multichoice``
(``<single>`` true -> single_choice, false -> multiple_response), ``truefalse``,
``shortanswer`` (``<usecase>``), ``numerical`` (``<tolerance>``; units are not supported and
are reported), ``matching``, ``ordering`` (the qtype_ordering plugin; answers in the right
order, ``<gradingtype>`` 0/1 = all or nothing, anything else = partial), ``essay``
(``<graderinfo>``, ``<minwordlimit>``, ``<maxwordlimit>``) and ``description``.
Fractions are percentages as written (``33.33333`` -> ``"0.3333333"``). Texts are
converted from their ``format`` (html, moodle_auto_format, plain_text, markdown) to
sanitized HTML. Files embedded in a text (``<file name="x.png" path="/" encoding="base64">``
beside its ``<text>``, referenced as ``@@PLUGINFILE@@/x.png``) must be PNG, JPEG, GIF or WebP
images (checked here, see :func:`question_bank.images.image_validate`; anything else is an
error naming the file); each reference becomes a ``data:`` URI, which the importer stores as
a Wagtail image. A reference without its file, or a file nobody references, is a warning.
Any other question type is an error naming it (calculated, cloze, drag and drop…).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import contextvars
import re
import xml.etree.ElementTree as ET  # the tree classes only: parsing goes through defusedxml
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from question_bank.formats import ParsedQuestion, ParseResult, default_question_name
from question_bank.formats.gift import category_path
from question_bank.formats.json_format import POINTS_MAX
from question_bank.formats.textformats import to_html
from question_bank.grading import parse_number
from question_bank.images import ImageRefused, data_uri, image_validate

_FORMATS = {"html": "html", "moodle_auto_format": "moodle", "plain_text": "plain", "markdown": "markdown"}
_LINE = "_line"


class _LineTreeBuilder(ET.TreeBuilder):
    """Remembers the source line of every element (as an attribute removed before use)."""

    parser: DefusedXMLParser | None = None

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        if self.parser is not None:
            element.set(_LINE, str(self.parser.parser.CurrentLineNumber))
        return element


class _Problem(Exception):
    pass


def _child_text(element: ET.Element | None, path: str, default: str = "") -> str:
    if element is None:
        return default
    found = element.find(path)
    if found is None or found.text is None:
        return default
    return found.text


# Moodle may add a query (``?time=…``) to the reference; it is dropped with the reference.
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>?#]+)(?:\?[^\"'\s<>#]*)?")
# Warnings about embedded files of the question being read (the text readers take no result).
_file_warnings: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("file_warnings", default=None)


def _embedded_files(element: ET.Element) -> dict[str, str]:
    """The ``<file>`` children of a text element as ``{"path/name": data URI}``."""
    files: dict[str, str] = {}
    for node in element.findall("file"):
        name = (node.get("name") or "").strip()
        path = (node.get("path") or "/").strip("/")
        if not name:
            raise _Problem("an embedded <file> has no name")
        if (node.get("encoding") or "base64").strip().lower() != "base64":
            raise _Problem(f"embedded file {name!r}: only base64 encoding is supported")
        try:
            content = base64.b64decode(re.sub(r"\s+", "", node.text or ""), validate=True)
        except (binascii.Error, ValueError):
            raise _Problem(f"embedded file {name!r}: the base64 data is corrupt") from None
        try:
            checked = image_validate(content, filename=name)
        except ImageRefused as exc:
            raise _Problem(f"embedded file: {exc}") from None
        key = f"{path}/{name}" if path else name
        uri = data_uri(content, checked.mime_type)
        if files.get(key, uri) != uri:  # which one would the text mean?
            raise _Problem(f"embedded file {name!r} appears twice with different content")
        files[key] = uri
    return files


def _rich(element: ET.Element | None, default_format: str = "html") -> str:
    """A Moodle text element (``<questiontext format="html"><text>…</text></...>``) as HTML,
    its ``@@PLUGINFILE@@`` images as ``data:`` URIs (see the module docstring)."""
    if element is None:
        return ""
    fmt = _FORMATS.get(element.get("format", default_format), "html")
    text = _child_text(element, "text").strip()
    files = _embedded_files(element)
    warnings = _file_warnings.get()
    if (files or "@@PLUGINFILE@@" in text) and fmt != "html":
        if warnings is not None:
            warnings.append(f"images are imported from HTML texts only, not from {element.get('format')!r} texts")
    elif files or "@@PLUGINFILE@@" in text:
        used: set[str] = set()

        def resolve(match: re.Match[str]) -> str:
            key = unquote(match.group(1)).strip("/")
            if key in files:
                used.add(key)
                return files[key]
            if warnings is not None:
                warnings.append(f"{key!r} is referenced but not embedded in the file")
            return match.group(0)

        text = _PLUGINFILE.sub(resolve, text)
        if warnings is not None:
            unused = [key for key in files if key not in used]
            warnings.extend(f"embedded file {key!r} is not used in its text; skipped" for key in unused)
    return to_html(text, fmt)


def _fraction(raw: str | None, where: str) -> str:
    try:
        percent = Decimal((raw or "0").strip())
    except InvalidOperation:
        raise _Problem(f"{where}: fraction {raw!r} is not a number") from None
    if not percent.is_finite() or not Decimal(-100) <= percent <= Decimal(100):
        raise _Problem(f"{where}: fraction {raw!r} is outside -100..100")
    text = format(percent.scaleb(-2).normalize(), "f")
    return "0" if text == "-0" else text


def _bool(raw: str, default: bool) -> bool:
    raw = raw.strip().lower()
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    return default


def _choices(question: ET.Element) -> dict:
    choices = []
    for index, answer in enumerate(question.findall("answer"), start=1):
        choices.append(
            {
                "id": str(index),
                "text": _rich(answer),
                "fraction": _fraction(answer.get("fraction"), f"answer {index}"),
                "feedback": _rich(answer.find("feedback")),
            }
        )
    if len(choices) < 2:
        raise _Problem("a choice question needs at least two answers")
    if not any(Decimal(choice["fraction"]) > 0 for choice in choices):
        raise _Problem("has no correct answer")
    single = _bool(_child_text(question, "single", "true"), True)
    return {
        "qtype": "single_choice" if single else "multiple_response",
        "choices": choices,
        "shuffle": _bool(_child_text(question, "shuffleanswers", "true"), True),
    }


def _true_false(question: ET.Element) -> dict:
    feedback = {}
    correct = None
    for answer in question.findall("answer"):
        value = _child_text(answer, "text").strip().lower()
        if value not in ("true", "false"):
            raise _Problem(f"a true/false answer must be 'true' or 'false', not {value!r}")
        feedback[value] = _rich(answer.find("feedback"))
        if Decimal(_fraction(answer.get("fraction"), value)) > 0:
            correct = value == "true"
    if correct is None:
        raise _Problem("has no correct answer")
    return {
        "qtype": "true_false",
        "correct": correct,
        "feedback_true": feedback.get("true", ""),
        "feedback_false": feedback.get("false", ""),
    }


def _short_answer(question: ET.Element) -> dict:
    answers = []
    for index, answer in enumerate(question.findall("answer"), start=1):
        text = _child_text(answer, "text").strip()
        if not text:
            raise _Problem(f"answer {index} is empty")
        answers.append(
            {
                "text": text,
                "fraction": _fraction(answer.get("fraction"), f"answer {index}"),
                "feedback": _rich(answer.find("feedback")),
            }
        )
    if not any(Decimal(answer["fraction"]) > 0 for answer in answers):
        raise _Problem("has no correct answer")
    return {
        "qtype": "short_answer",
        "answers": answers,
        "case_sensitive": _bool(_child_text(question, "usecase", "0"), False),
    }


def _numerical(question: ET.Element, result: ParseResult, line: int, name: str) -> dict:
    if question.find("units/unit") is not None:
        result.warn(line, f"Question '{name}': units are not supported; only the number is graded")
    answers = []
    for index, answer in enumerate(question.findall("answer"), start=1):
        value_text = _child_text(answer, "text").strip()
        tolerance_text = _child_text(answer, "tolerance", "0").strip() or "0"
        if value_text != "*" and parse_number(value_text) is None:
            raise _Problem(f"answer {index}: {value_text!r} is not a number")
        tolerance = parse_number(tolerance_text)
        if tolerance is None or tolerance < 0:
            raise _Problem(f"answer {index}: the tolerance {tolerance_text!r} is not a number >= 0")
        answers.append(
            {
                "value": value_text if value_text == "*" else format(parse_number(value_text), "f"),
                "tolerance": format(tolerance, "f"),
                "fraction": _fraction(answer.get("fraction"), f"answer {index}"),
                "feedback": _rich(answer.find("feedback")),
            }
        )
    if not any(Decimal(answer["fraction"]) > 0 for answer in answers):
        raise _Problem("has no correct answer")
    return {"qtype": "numerical", "answers": answers}


def _matching(question: ET.Element) -> dict:
    pairs = []
    for index, sub in enumerate(question.findall("subquestion"), start=1):
        answer = _child_text(sub, "answer/text").strip()
        if not answer:
            raise _Problem(f"pair {index} has no answer")
        pairs.append({"id": str(index), "prompt": _rich(sub), "answer": answer})
    if sum(1 for pair in pairs if pair["prompt"]) < 2:
        raise _Problem("a matching question needs at least two pairs with a prompt")
    return {
        "qtype": "matching",
        "pairs": pairs,
        "shuffle": _bool(_child_text(question, "shuffleanswers", "true"), True),
    }


def _ordering(question: ET.Element) -> dict:
    answers = question.findall("answer")
    # qtype_ordering stores the right position in the fraction when given; else document order.
    indexed = list(enumerate(answers))
    if all(answer.get("fraction") for answer in answers):
        with contextlib.suppress(InvalidOperation):
            indexed.sort(key=lambda pair: Decimal(pair[1].get("fraction")))
    items = [{"id": str(number), "text": _rich(answer)} for number, (_index, answer) in enumerate(indexed, start=1)]
    if len(items) < 2:
        raise _Problem("an ordering question needs at least two items")
    grading = _child_text(question, "gradingtype", "0").strip()
    return {"qtype": "ordering", "items": items, "grading": "all_or_nothing" if grading in ("", "0") else "partial"}


def _essay(question: ET.Element) -> dict:
    def words(tag: str) -> int | None:
        raw = _child_text(question, tag).strip()
        # ASCII digits only: str.isdigit() is also true for "²", which int() refuses.
        return int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else None

    return {
        "qtype": "essay",
        "grader_info": _rich(question.find("graderinfo")),
        "min_words": words("minwordlimit"),
        "max_words": words("maxwordlimit"),
    }


def parse_moodle_xml(text: str) -> ParseResult:
    """Read a Moodle XML file into questions; result shape as in :func:`~question_bank.formats.gift.parse_gift`.

    Never raises for bad input: an XML syntax error, a forbidden DTD/entity, or a question
    of an unsupported type becomes an error with its line.
    """
    result = ParseResult()
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(text.lstrip("\ufeff"))
        root = parser.close()
    except ET.ParseError as exc:
        result.error(exc.position[0] if exc.position else 1, f"not well-formed XML: {exc}")
        return result
    except DefusedXmlException as exc:
        result.error(1, f"refused XML: {type(exc).__name__} (DTDs and entities are not allowed)")
        return result
    if root.tag != "quiz":
        result.error(int(root.get(_LINE, "1")), f"expected <quiz> as the root element, found <{root.tag}>")
        return result

    category = ""
    seen_ids: dict[str, int] = {}
    for question in root.findall("question"):
        line = int(question.get(_LINE, "1"))
        qtype = question.get("type", "")
        if qtype == "category":
            try:
                category = category_path(_child_text(question, "category/text"))
            except ValueError as exc:
                result.error(line, f"category: {exc}")
            continue
        name = _child_text(question, "name/text").strip()
        file_warnings: list[str] = []
        token = _file_warnings.set(file_warnings)
        try:
            data = _read_question(question, qtype, result, line, name)
        except _Problem as exc:
            message = str(exc)
            label = f"Question '{name}'" if name else f"Question ({qtype})"
            result.error(line, f"{label} {message}" if message.startswith("has ") else f"{label}: {message}")
            continue
        finally:
            _file_warnings.reset(token)
        for message in file_warnings:
            result.warn(line, f"Question '{data['name']}': {message}")
        idnumber = data["idnumber"]
        if idnumber:
            if idnumber in seen_ids:
                result.error(
                    line,
                    f"Question '{data['name']}': idnumber {idnumber!r} is already used at line {seen_ids[idnumber]}",
                )
                continue
            seen_ids[idnumber] = line
        data["category"] = category
        result.questions.append(ParsedQuestion(line=line, data=data))
    if not result.questions and not result.errors:
        result.error(1, "no questions found in the file")
    return result


def _read_question(question: ET.Element, qtype: str, result: ParseResult, line: int, name: str) -> dict:
    text = _rich(question.find("questiontext"))
    if not text:
        raise _Problem("the question has no text")
    readers = {
        "multichoice": _choices,
        "truefalse": _true_false,
        "shortanswer": _short_answer,
        "matching": _matching,
        "ordering": _ordering,
        "essay": _essay,
        "description": lambda element: {"qtype": "description"},
    }
    if qtype == "numerical":
        fields = _numerical(question, result, line, name or default_question_name(text))
    elif qtype in readers:
        fields = readers[qtype](question)
    else:
        raise _Problem(f"the question type {qtype!r} is not supported")
    points = _child_text(question, "defaultgrade", "0" if qtype == "description" else "1").strip()
    points_value = parse_number(points)
    if points_value is None or points_value < 0:
        raise _Problem(f"defaultgrade {points!r} is not a number >= 0")
    if points_value > POINTS_MAX:  # also keeps quantize() below inside the decimal context
        raise _Problem(f"defaultgrade {points!r} is over {POINTS_MAX}")
    tags = []
    for tag in question.findall("tags/tag/text"):
        value = (tag.text or "").strip()
        if value and value not in tags:
            tags.append(value)
    data = {
        "idnumber": _child_text(question, "idnumber").strip(),
        "category": "",
        "name": name or default_question_name(text),
        "qtype": fields.pop("qtype"),
        "text": text,
        "general_feedback": _rich(question.find("generalfeedback")),
        "default_points": format(points_value.quantize(Decimal("0.001")).normalize(), "f"),
        "tags": tags,
    }
    data.update(fields)
    return data
