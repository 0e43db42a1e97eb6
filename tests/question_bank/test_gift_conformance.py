"""Our GIFT reader against the conformance pairs of GIFT-grammar-PEG.js (read in place).

Each ``NAME.gift`` in ../shared/real-input/gift-conformance is parsed and compared, field by
field, with that parser's reading in ``NAME.json``, through the mapping of
../shared/real-input/README.md. Texts are compared as the reader sees them (tags dropped,
white space folded), because we store sanitized HTML where that parser keeps the source.

Where we deliberately read differently, Moodle's importer being the reference:

- True/false feedback: Moodle reads the first ``#`` text as the feedback for a *wrong*
  response and the second as the one for a *right* response; the PEG parser calls them
  ``trueFeedback``/``falseFeedback`` in order. We follow Moodle and map accordingly.
- "Answer inside the sentence": the PEG parser writes ``"pi? _____ ."`` with spaces around
  the blank; Moodle (and we) replace the block in place (``"pi? _____."``). Spaces around the
  blank are ignored in the comparison.
- Numerical ranges ``a..b`` are stored as Moodle stores them, the middle value and half
  the width as tolerance; we check that value ± tolerance gives back ``a`` and ``b``.
- A question without a title gets a name made from its text (Moodle does the same); where
  the PEG parser has ``title: null`` we check the name is the start of the visible text.
"""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from question_bank.formats.gift import category_path, parse_gift
from question_bank.formats.json_format import question_validate
from question_bank.formats.textformats import to_html
from question_bank.sanitize import visible_text

CONFORMANCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "real-input" / "gift-conformance"
GIFT_FILES = sorted(CONFORMANCE.glob("*.gift"))
TYPES = {
    "TF": "true_false",
    "Short": "short_answer",
    "Numerical": "numerical",
    "Matching": "matching",
    "Essay": "essay",
    "Description": "description",
}


def _seen(text: str) -> str:
    """Visible text, with the spaces around a blank ignored."""
    return re.sub(r"\s*_____\s*", " _____ ", visible_text(text)).strip()


def _expected_seen(text_object: dict | None) -> str:
    if not text_object:
        return ""
    return _seen(to_html(text_object["text"], text_object.get("format", "moodle")))


def _weight(choice: dict, *, default: str) -> Decimal:
    if choice.get("weight") is None:
        return Decimal(default)
    return Decimal(str(choice["weight"])) / 100


def _check_numerical_answer(ours: dict, theirs: dict) -> None:
    value, tolerance = Decimal(ours["value"]), Decimal(ours["tolerance"])
    if theirs["type"] == "simple":
        assert value == Decimal(str(theirs["number"]))
        assert tolerance == 0
    elif theirs["type"] == "range":
        assert value == Decimal(str(theirs["number"]))
        assert tolerance == Decimal(str(theirs["range"]))
    else:
        assert theirs["type"] == "high-low"
        assert value - tolerance == Decimal(str(theirs["numberLow"]))
        assert value + tolerance == Decimal(str(theirs["numberHigh"]))


def _check_question(ours: dict, theirs: dict, category: str) -> None:
    kind = theirs["type"]
    if kind == "MC":
        single = any(choice["isCorrect"] for choice in theirs["choices"])
        assert ours["qtype"] == ("single_choice" if single else "multiple_response")
    else:
        assert ours["qtype"] == TYPES[kind]
    assert ours["category"] == category

    if theirs.get("title") is not None:
        assert ours["name"] == theirs["title"]
    else:
        assert ours["name"]
        assert visible_text(ours["text"]).startswith(ours["name"].rstrip("…"))
    assert _seen(ours["text"]) == _expected_seen(theirs["stem"])
    assert ("_____" in ours["text"]) == bool(theirs.get("hasEmbeddedAnswers"))
    assert ours["idnumber"] == (theirs.get("id") or "")
    assert ours["tags"] == (theirs.get("tags") or [])
    if kind != "Description":
        assert _seen(ours["general_feedback"]) == _expected_seen(theirs.get("globalFeedback"))

    if kind == "MC":
        assert len(ours["choices"]) == len(theirs["choices"])
        for number, (mine, expected) in enumerate(zip(ours["choices"], theirs["choices"], strict=True), start=1):
            assert mine["id"] == str(number)
            assert _seen(mine["text"]) == _expected_seen(expected["text"])
            assert _seen(mine["feedback"]) == _expected_seen(expected["feedback"])
            assert Decimal(mine["fraction"]) == _weight(expected, default="1" if expected["isCorrect"] else "0")
    elif kind == "Short":
        assert [answer["text"] for answer in ours["answers"]] == [c["text"]["text"] for c in theirs["choices"]]
        for mine, expected in zip(ours["answers"], theirs["choices"], strict=True):
            assert Decimal(mine["fraction"]) == _weight(expected, default="1")
            assert _seen(mine["feedback"]) == _expected_seen(expected["feedback"])
    elif kind == "TF":
        assert ours["correct"] is theirs["isTrue"]
        # Moodle's order (see the module docstring): first text = feedback for a wrong response.
        wrong, right = _expected_seen(theirs["trueFeedback"]), _expected_seen(theirs["falseFeedback"])
        if theirs["isTrue"]:
            assert (_seen(ours["feedback_true"]), _seen(ours["feedback_false"])) == (right, wrong)
        else:
            assert (_seen(ours["feedback_true"]), _seen(ours["feedback_false"])) == (wrong, right)
    elif kind == "Numerical":
        expected_answers = theirs["choices"]
        if isinstance(expected_answers, dict):
            assert len(ours["answers"]) == 1
            _check_numerical_answer(ours["answers"][0], expected_answers)
            assert ours["answers"][0]["fraction"] == "1"
        else:
            assert len(ours["answers"]) == len(expected_answers)
            for mine, expected in zip(ours["answers"], expected_answers, strict=True):
                _check_numerical_answer(mine, expected["text"])
                assert Decimal(mine["fraction"]) == _weight(expected, default="1")
                assert _seen(mine["feedback"]) == _expected_seen(expected["feedback"])
    elif kind == "Matching":
        assert [(_seen(pair["prompt"]), pair["answer"]) for pair in ours["pairs"]] == [
            (_expected_seen(pair["subquestion"]), pair["subanswer"]) for pair in theirs["matchPairs"]
        ]
        assert [pair["id"] for pair in ours["pairs"]] == [str(n) for n in range(1, len(ours["pairs"]) + 1)]


def test_the_conformance_files_are_there():
    assert len(GIFT_FILES) >= 20, f"expected the GIFT conformance pairs in {CONFORMANCE}"


@pytest.mark.parametrize("gift_path", GIFT_FILES, ids=[path.stem for path in GIFT_FILES])
def test_gift_file_reads_as_the_reference_parser_does(gift_path):
    source = gift_path.read_text(encoding="utf-8")
    expected = json.loads(gift_path.with_suffix(".json").read_text(encoding="utf-8"))
    if expected and expected[-1]["type"] == "Category":
        # A category with nothing after it: add a question to see the switch take effect.
        source += "\n\nProbe question {T}\n"
        expected = [*expected, {"type": "Probe"}]

    result = parse_gift(source)

    assert result.errors == []
    category = ""
    questions = iter(result.questions)
    for item in expected:
        if item["type"] == "Category":
            category = category_path(item["title"])
            continue
        ours = next(questions).data
        if item["type"] == "Probe":
            assert ours["category"] == category
            continue
        _check_question(ours, item, category)
        canonical, problems = question_validate(ours)
        assert problems == []
        assert {key: canonical[key] for key in ours} == ours  # the reader's output is already canonical
    assert next(questions, None) is None, "more questions than the reference parser found"


def test_category_paths_drop_moodle_context_and_top():
    assert category_path("$course$/top/Default for LING-373-2194-B") == "Default for LING-373-2194-B"
    assert category_path("$course$/top/A/B") == "A/B"
    assert category_path("$course$/A/B") == "A/B"
    assert category_path("$system$/top") == ""
