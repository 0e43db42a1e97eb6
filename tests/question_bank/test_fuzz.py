"""Fuzzing every question importer and the grader with Hypothesis (Certify issue 10, item 4).

The contract under test:

- A reader (``question_bank.formats``: GIFT, Moodle XML, Aiken, Certify JSON, CSV, XLSX, and
  ``read_question_file`` on raw bytes) never raises for bad input: whatever the file, it
  returns a ``ParseResult`` whose problems are ``(line, message)`` pairs and whose questions
  are dicts of a known ``qtype``. No exception type is documented for them, so any is a bug.
- ``question_bank.grading.grade`` returns a ``Decimal`` in [0, 1] for any response to a valid
  question of every type; its only documented exception for a valid question is
  ``ManualGradingRequired`` for a non-empty essay.

Inputs are built from each format's own syntax fragments (so the parsers go deep instead of
stopping at the first character), mixed with arbitrary text and raw bytes.

Examples per test: ``CERTIFY_FUZZ_EXAMPLES`` (default 300, what ``make test`` runs);
``make fuzz`` runs 10,000 each. The profile is registered as ``certify-fuzz`` and applied
to these tests only (the rest of the suite keeps Hypothesis's defaults).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import zipfile
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from question_bank.formats import ParsedQuestion, ParseResult
from question_bank.formats.aiken import parse_aiken
from question_bank.formats.files import FORMATS, read_question_file
from question_bank.formats.gift import parse_gift
from question_bank.formats.json_format import FORMAT_NAME, QTYPES, read_json
from question_bank.formats.moodle_xml import parse_moodle_xml
from question_bank.formats.tabular import COLUMNS, parse_csv, parse_xlsx
from question_bank.grading import ManualGradingRequired, grade

FUZZ_EXAMPLES = int(os.environ.get("CERTIFY_FUZZ_EXAMPLES", "300"))
settings.register_profile(
    "certify-fuzz",
    max_examples=FUZZ_EXAMPLES,
    deadline=None,  # a 2-core machine shared with other work: timing is not the property
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,  # a failure prints the @reproduce_failure blob to replay it
)
fuzz = settings(settings.get_profile("certify-fuzz"))


def assert_well_formed(result: object) -> None:
    """The shape every reader promises, whatever the input."""
    assert isinstance(result, ParseResult)
    for problems in (result.errors, result.warnings):
        for line, message in problems:
            assert isinstance(line, int) and line >= 1, (line, message)
            assert isinstance(message, str) and message
    for question in result.questions:
        assert isinstance(question, ParsedQuestion)
        assert isinstance(question.line, int) and question.line >= 1
        assert isinstance(question.data, dict)
        assert question.data.get("qtype") in QTYPES, question.data


# --- common text pieces ----------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "]]>",
    "<![CDATA[",
    "\x00",
    "\x0b",
    "\ufeff",
    "\u202e",
    "\ud7ff",
    "\U0001f600",
    "oʻzbek gʻalaba",
    "Яблоко ЁЖ",
    "1e999999",
    "-1e-999999",
    "NaN",
    "Infinity",
    "-0",
    "9" * 60,
    "0." + "0" * 40 + "1",
    " ",
    "\t",
    "\r",
    "\r\n",
    "\n",
]
short_text = st.text(max_size=12)
hostile = st.sampled_from(HOSTILE)


def assembled(fragments: list[str], max_size: int = 60) -> st.SearchStrategy[str]:
    """Text made by joining syntax fragments, hostile pieces and arbitrary short text."""
    piece = st.one_of(st.sampled_from(fragments), st.sampled_from(fragments), hostile, short_text)
    return st.lists(piece, max_size=max_size).map("".join)


# --- GIFT ------------------------------------------------------------------------------------

GIFT_FRAGMENTS = [
    "::",
    "::Q1::",
    "::Savol::",
    "{",
    "}",
    "{}",
    "=",
    "~",
    "#",
    "####",
    "->",
    " -> ",
    "%50%",
    "%-100%",
    "%100%",
    "%33.33333%",
    "%",
    "%abc%",
    "$CATEGORY: Huquq/Oʻzbekiston",
    "$CATEGORY:",
    "$CATEGORY: a//b",
    "$CATEGORY: /",
    "$course$/top/",
    "[html]",
    "[markdown]",
    "[plain]",
    "[moodle]",
    "[unknown]",
    "T",
    "F",
    "TRUE",
    "FALSE",
    "{T}",
    "{FALSE#no#yes}",
    "{#3.14:0.01}",
    "{#1..5}",
    "{#..}",
    "{#:}",
    "{#=%50%2:1 =3}",
    "{#",
    ":",
    "..",
    "\\",
    "\\{",
    "\\}",
    "\\=",
    "\\~",
    "\\#",
    "\\:",
    "\\n",
    "\n",
    "\n\n",
    "// comment\n",
    "//",
    "{=a -> b =c -> d}",
    "{=a}",
    "{~a =b}",
    "{=a =b ~c}",
    "{~%50%a ~%50%b}",
    "{=sa* =\\*}",
    "<p>",
    "</p>",
    "Kim?",
    "1",
    "0.5",
]
gift_text = assembled(GIFT_FRAGMENTS)


@fuzz
@given(gift_text)
def test_gift_reader_never_raises(text):
    assert_well_formed(parse_gift(text))


# --- Moodle XML ------------------------------------------------------------------------------

MOODLE_TYPES = [
    "multichoice",
    "truefalse",
    "shortanswer",
    "numerical",
    "matching",
    "ordering",
    "essay",
    "description",
    "category",
    "cloze",
    "calculated",
    "",
]
TEXT_FORMATS = ["html", "moodle_auto_format", "plain_text", "markdown", "bogus", ""]
XML_VALUES = [
    "1",
    "0",
    "true",
    "false",
    "100",
    "-100",
    "33.33333",
    "50",
    "abc",
    "",
    "1e400",
    "NaN",
    "-0",
    "3,14",
    "1..5",
    "$course$/top/Huquq",
    "a//b",
]
xml_safe_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="<&"), max_size=12
)
xml_value = st.one_of(st.sampled_from(XML_VALUES), xml_safe_text)


def _text_element(tag: str, body: str, fmt: str | None) -> str:
    attribute = f' format="{fmt}"' if fmt is not None else ""
    return f"<{tag}{attribute}><text>{body}</text></{tag}>"


@st.composite
def moodle_question(draw) -> str:
    qtype = draw(st.sampled_from(MOODLE_TYPES))
    parts = []
    children = [
        "name",
        "questiontext",
        "generalfeedback",
        "answer",
        "answer",
        "answer",
        "subquestion",
        "subquestion",
        "single",
        "usecase",
        "shuffleanswers",
        "tolerance",
        "defaultgrade",
        "idnumber",
        "tags",
        "unit",
        "units",
        "gradingtype",
        "graderinfo",
        "minwordlimit",
        "maxwordlimit",
        "category",
        "file",
        "correctfeedback",
    ]
    for child in draw(st.lists(st.sampled_from(children), max_size=10)):
        value = draw(xml_value)
        body = draw(st.one_of(xml_value, st.sampled_from(["<![CDATA[<p>x</p>]]>", "&lt;b&gt;", "&amp;", "&#1234;"])))
        fmt = draw(st.one_of(st.none(), st.sampled_from(TEXT_FORMATS)))
        if child == "answer":
            fraction = draw(st.one_of(st.none(), xml_value))
            attribute = f' fraction="{fraction}"' if fraction is not None else ""
            inner = f"<text>{body}</text>" + draw(
                st.sampled_from(["", f"<tolerance>{value}</tolerance>", _text_element("feedback", value, fmt)])
            )
            parts.append(f"<answer{attribute}>{inner}</answer>")
        elif child == "subquestion":
            parts.append(f"<subquestion><text>{body}</text><answer><text>{value}</text></answer></subquestion>")
        elif child in ("name", "questiontext", "generalfeedback", "graderinfo", "category", "correctfeedback"):
            parts.append(_text_element(child, body, fmt))
        elif child == "tags":
            parts.append(f"<tags><tag><text>{value}</text></tag></tags>")
        elif child == "file":
            parts.append(f'<file name="{value}" encoding="base64">{value}</file>')
        else:
            parts.append(f"<{child}>{value}</{child}>")
    return f'<question type="{qtype}">' + "".join(parts) + "</question>"


XML_FRAGMENTS = [
    "<quiz>",
    "</quiz>",
    '<question type="multichoice">',
    "</question>",
    "<text>",
    "</text>",
    '<answer fraction="100">',
    "</answer>",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&lt;",
    "&bogus;",
    "&#0;",
    "&#x110000;",
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">]>',
    '<!DOCTYPE quiz SYSTEM "file:///etc/passwd">',
    "&a;",
    "<!-- c -->",
    "<?php x ?>",
    '<x:y xmlns:x="urn:x">',
    "<",
    ">",
    '"',
    "=",
]


@st.composite
def moodle_document(draw) -> str:
    questions = draw(st.lists(moodle_question(), max_size=5))
    document = "<quiz>" + "".join(questions) + "</quiz>"
    prefix = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>\n', "\ufeff", "<!-- x -->"]))
    return prefix + document


@fuzz
@given(st.one_of(moodle_document(), assembled(XML_FRAGMENTS)))
def test_moodle_xml_reader_never_raises(text):
    assert_well_formed(parse_moodle_xml(text))


# --- Aiken -----------------------------------------------------------------------------------

AIKEN_LINES = [
    "Qaysi organ?",
    "A. Birinchi",
    "B) Ikkinchi",
    "C. ",
    "Z) oxirgi",
    "a. kichik",
    "ANSWER: A",
    "ANSWER: B",
    "answer:c",
    "ANSWER:",
    "ANSWER: AB",
    "ANSWER: Z",
    "",
    " ",
    "<b>html?</b>",
]
aiken_text = st.lists(st.one_of(st.sampled_from(AIKEN_LINES), short_text, hostile), max_size=30).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda newline: newline.join(lines))
)


@fuzz
@given(aiken_text)
def test_aiken_reader_never_raises(text):
    assert_well_formed(parse_aiken(text))


# --- Certify JSON ----------------------------------------------------------------------------

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(QTYPES),
    st.sampled_from(["1", "0.5", "-1", "2", "1..5", "5..1", "*", "abc", "", " ", "1e999", "Huquq/Oʻzbekiston", "a//b"]),
    short_text,
)
json_value = st.recursive(
    json_scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.sampled_from(["id", "text", "x"]), children, max_size=3)
    ),
    max_leaves=12,
)
QUESTION_KEYS = [
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
    "choices",
    "shuffle",
    "correct",
    "feedback_true",
    "feedback_false",
    "answers",
    "case_sensitive",
    "pairs",
    "items",
    "grading",
    "grader_info",
    "min_words",
    "max_words",
    "unknown",
]
entry = st.dictionaries(
    st.sampled_from(["id", "text", "fraction", "feedback", "value", "tolerance", "prompt", "answer", "extra"]),
    json_scalar,
    max_size=5,
)
question_json = st.dictionaries(
    st.sampled_from(QUESTION_KEYS),
    st.one_of(json_scalar, st.lists(entry, max_size=4), st.lists(json_scalar, max_size=3), json_value),
    max_size=12,
)


@st.composite
def json_document(draw) -> str:
    document = {
        "format": draw(st.sampled_from([FORMAT_NAME, FORMAT_NAME, "other", None])),
        "version": draw(st.sampled_from([1, 1, 2, "1", None])),
        "questions": draw(st.one_of(st.lists(question_json, max_size=4), json_value)),
    }
    if draw(st.booleans()):
        document.update(draw(st.dictionaries(st.sampled_from(["extra", "format"]), json_value, max_size=2)))
    return json.dumps(document, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 2])))


JSON_FRAGMENTS = ["{", "}", "[", "]", ",", ":", '"', '"questions"', "1", "true", "null", "1e999", "\\u0000", "\\ud800"]


@fuzz
@given(st.one_of(json_document(), assembled(JSON_FRAGMENTS), st.integers(1, 5000).map(lambda depth: "[" * depth)))
def test_json_reader_never_raises(text):
    assert_well_formed(read_json(text))


# --- CSV and XLSX ----------------------------------------------------------------------------

CELL_VALUES = [
    *QTYPES,
    "",
    "A",
    "B",
    "A,C",
    "A:50, B:50, C:-100",
    "A:abc",
    "A:200",
    "Z",
    "TRUE",
    "FALSE",
    "YOʻQ",
    "ДА",
    "3.14",
    "3.14:0.01",
    "1..5",
    "5..1",
    "*",
    "a -> b",
    " -> ",
    "<p>x</p>",
    "<script>alert(1)</script>",
    "Huquq/Oʻzbekiston",
    "a//b",
    "1",
    "0",
    "6",
    "-1",
    "uz",
    "ru",
    "xx",
    "t1, t2",
]
header = st.lists(st.one_of(st.sampled_from(COLUMNS), st.sampled_from(["bogus", "", "QTYPE", " text "])), max_size=16)
cell = st.one_of(st.sampled_from(CELL_VALUES), short_text)
rows = st.tuples(header, st.lists(st.lists(cell, max_size=18), max_size=6))


def csv_text(table, delimiter: str) -> str:
    head, body = table
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(head)
    writer.writerows(body)
    return out.getvalue()


CSV_FRAGMENTS = [",", ";", '"', '""', "\n", "\r\n", "qtype", "text", "A", "correct", *CELL_VALUES[:12]]


@fuzz
@given(st.one_of(st.builds(csv_text, rows, st.sampled_from([",", ";"])), assembled(CSV_FRAGMENTS)))
def test_csv_reader_never_raises(text):
    assert_well_formed(parse_csv(text))


# openpyxl refuses control characters in a cell when writing: the workbook is built from cells it accepts.
xlsx_cell = st.one_of(
    st.sampled_from(CELL_VALUES),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
xlsx_table = st.tuples(header, st.lists(st.lists(xlsx_cell, max_size=18), max_size=6))


def xlsx_bytes(table) -> bytes:
    from openpyxl import Workbook

    head, body = table
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(head)
    for row in body:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@st.composite
def broken_xlsx(draw) -> bytes:
    """A zip that looks like a workbook from the outside: real member names, arbitrary contents."""
    out = io.BytesIO()
    names = ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/_rels/workbook.xml.rels"]
    with zipfile.ZipFile(out, "w") as archive:
        for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
            archive.writestr(name, draw(st.one_of(st.binary(max_size=64), assembled(XML_FRAGMENTS, max_size=10))))
    return out.getvalue()


@functools.cache
def _base_workbook() -> bytes:
    # Made once: openpyxl stamps the time into the file, and Hypothesis needs the same
    # length on every replay of an example.
    return xlsx_bytes(([*COLUMNS], [["single_choice"]]))


@st.composite
def mutated_xlsx(draw) -> bytes:
    """A real workbook with a few bytes overwritten."""
    raw = bytearray(_base_workbook())
    for _ in range(draw(st.integers(1, 8))):
        raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
    return bytes(raw)


@fuzz
@given(st.one_of(xlsx_table.map(xlsx_bytes), broken_xlsx(), mutated_xlsx(), st.binary(max_size=512)))
def test_xlsx_reader_never_raises(raw):
    assert_well_formed(parse_xlsx(raw))


# Crashes found by the fuzzers, kept as plain regression tests.


def test_regression_a_superscript_digit_as_difficulty_is_a_row_error_not_a_crash():
    """Found by test_csv_reader_never_raises at 10,000 examples: "²".isdigit() is True but
    int("²") raises ValueError (question_bank.formats.tabular)."""
    result = parse_csv("qtype,text,A,B,correct,difficulty\nsingle_choice,Savol,Ha,Yoʻq,A,²\n")
    assert_well_formed(result)
    assert [line for line, _message in result.errors] == [2] and not result.questions


def test_regression_a_superscript_word_limit_in_moodle_xml_is_no_limit_not_a_crash():
    """The same mistake in the Moodle XML essay's <minwordlimit> (question_bank.formats.moodle_xml)."""
    xml = (
        '<quiz><question type="essay"><name><text>Insho</text></name>'
        "<questiontext><text>Yozing</text></questiontext><minwordlimit>²</minwordlimit>"
        "<maxwordlimit>³</maxwordlimit></question></quiz>"
    )
    result = parse_moodle_xml(xml)
    assert_well_formed(result)
    [question] = result.questions
    assert question.data["min_words"] is None and question.data["max_words"] is None


def test_regression_a_huge_defaultgrade_in_moodle_xml_is_an_error_not_a_crash():
    """Found by test_moodle_xml_reader_never_raises at 10,000 examples: <defaultgrade>1e400</defaultgrade>
    made Decimal.quantize raise InvalidOperation (question_bank.formats.moodle_xml)."""
    xml = (
        '<quiz><question type="truefalse"><name><text>Yer</text></name>'
        "<questiontext><text>Yer yumaloqmi?</text></questiontext><defaultgrade>1e400</defaultgrade>"
        '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
        "</question></quiz>"
    )
    result = parse_moodle_xml(xml)
    assert_well_formed(result)
    assert [line for line, _message in result.errors] == [1] and not result.questions


# --- raw bytes through the upload path, every format -----------------------------------------

raw_bytes = st.one_of(
    st.binary(max_size=512),
    gift_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=64).map(lambda junk: b"\xef\xbb\xbf" + junk),  # a BOM, then anything
    st.sampled_from(["cp1251", "utf-16", "latin-1"]).map(lambda codec: "Oʻzbek Яблоко".encode(codec, "replace")),
)


@fuzz
@given(raw_bytes, st.sampled_from(FORMATS))
def test_every_format_takes_raw_bytes_without_raising(raw, file_format):
    assert_well_formed(read_question_file(raw, file_format))


# --- grading ---------------------------------------------------------------------------------

ids = st.text(alphabet="abc123", min_size=1, max_size=3)
fraction = st.sampled_from(["1", "0.5", "0.3333333", "0", "-0.5", "-1", "0.25", "1.0"])
answer_text = st.one_of(st.sampled_from(["*", "\\*", "oʻzbek*", "a*b*c", "", " ", "(", "[", "\\", "**"]), short_text)
number_text = st.sampled_from(["3.14", "0", "-1", "1e5", "1..5", "-2..-1", "*", "99999999999999999999"])


def unique_by_id(entries: list[dict]) -> list[dict]:
    seen = {}
    for value in entries:
        seen.setdefault(value["id"], value)
    return list(seen.values())


def base(qtype: str, **fields) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"qtype": st.just(qtype), "text": st.just("<p>Savol</p>"), **fields})


choice = st.fixed_dictionaries({"id": ids, "text": short_text, "fraction": fraction, "feedback": st.just("")})
questions = st.one_of(
    base("single_choice", choices=st.lists(choice, min_size=2, max_size=5).map(unique_by_id), shuffle=st.booleans()),
    base(
        "multiple_response", choices=st.lists(choice, min_size=2, max_size=5).map(unique_by_id), shuffle=st.booleans()
    ),
    base("true_false", correct=st.booleans()),
    base(
        "short_answer",
        answers=st.lists(st.fixed_dictionaries({"text": answer_text, "fraction": fraction}), min_size=1, max_size=4),
        case_sensitive=st.booleans(),
    ),
    base(
        "numerical",
        answers=st.lists(
            st.fixed_dictionaries(
                {"value": number_text, "tolerance": st.sampled_from(["0", "0.01", "5", "1e3"]), "fraction": fraction}
            ),
            min_size=1,
            max_size=4,
        ),
    ),
    base(
        "matching",
        pairs=st.lists(
            st.fixed_dictionaries({"id": ids, "prompt": st.sampled_from(["", "<p>a</p>", "b"]), "answer": short_text}),
            min_size=2,
            max_size=5,
        ).map(unique_by_id),
        shuffle=st.booleans(),
    ),
    base(
        "ordering",
        items=st.lists(st.fixed_dictionaries({"id": ids, "text": short_text}), min_size=2, max_size=5).map(
            unique_by_id
        ),
        grading=st.sampled_from(["all_or_nothing", "partial"]),
    ),
    base("essay", grader_info=st.just(""), min_words=st.none(), max_words=st.none()),
    base("description"),
)
any_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), short_text, ids),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.one_of(ids, short_text), children)),
    max_leaves=10,
)
responses = st.one_of(
    st.none(),
    any_json,
    st.fixed_dictionaries({"choice": st.one_of(ids, any_json)}),
    st.fixed_dictionaries({"choices": st.one_of(st.lists(ids, max_size=6), any_json)}),
    st.fixed_dictionaries({"value": st.one_of(st.booleans(), number_text, st.sampled_from(["3,14", "1,5e3", "x"]))}),
    st.fixed_dictionaries({"text": st.one_of(answer_text, any_json)}),
    st.fixed_dictionaries({"pairs": st.one_of(st.dictionaries(ids, st.one_of(short_text, any_json)), any_json)}),
    st.fixed_dictionaries({"order": st.one_of(st.lists(ids, max_size=6), any_json)}),
)


@fuzz
@given(questions, responses)
def test_grade_returns_a_fraction_in_0_1_for_any_response(question, response):
    try:
        earned = grade(question, response)
    except ManualGradingRequired:
        assert question["qtype"] == "essay"
        return
    assert isinstance(earned, Decimal)
    assert Decimal(0) <= earned <= Decimal(1), (question, response, earned)
