"""Export, import, export: a property test over generated questions of every type.

- Certify JSON carries everything: the two exports are identical.
- Moodle XML carries everything but ``difficulty`` and ``language``.
- GIFT cannot carry ``difficulty``, ``language``, ``default_points``, ``shuffle``,
  ``case_sensitive``, an essay's grader information and word limits, and has no ordering
  type (``question_bank.formats.writers`` says so); the rest comes back identical.
"""

from __future__ import annotations

import html

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from question_bank.formats.gift import parse_gift
from question_bank.formats.json_format import read_json, write_json
from question_bank.formats.moodle_xml import parse_moodle_xml
from question_bank.formats.writers import ExportError, write_gift, write_moodle_xml
from question_bank.services import questions_export, questions_import

pytestmark = pytest.mark.django_db

# Uzbek (with ʻ U+02BB), Russian, digits, and every character GIFT or XML treats specially.
ALPHABET = "abcxyzABCoʻgʻOʻЯщЁжё0123456789 .,?!-_~=#{}:\\<>&\"'%/()[]"
words = st.text(alphabet=ALPHABET, min_size=1, max_size=20).map(str.strip).filter(bool)
# "->" in an answer text would read as a matching pair in GIFT; "%n%" at the start as a weight.
plain = words.filter(lambda text: "->" not in text and not text.startswith("%") and not text.startswith("["))
rich = plain.map(lambda text: f"<p>{html.escape(text, quote=False)}</p>")
fraction = st.sampled_from(["1", "0.5", "0.3333333", "0", "-0.5", "-1", "0.25"])
tags = st.lists(st.text(alphabet="abcoʻЯ0-", min_size=1, max_size=8), max_size=3, unique=True)


def common(qtype: str):
    return st.fixed_dictionaries(
        {
            "idnumber": st.one_of(st.just(""), st.text(alphabet="ABC-0123456789", min_size=1, max_size=8)),
            "category": st.sampled_from(["Huquq", "Huquq/Oʻzbekiston", "Безопасность"]),
            "name": plain,
            "qtype": st.just(qtype),
            "text": rich,
            "general_feedback": st.one_of(st.just(""), rich),
            "default_points": st.sampled_from(["1", "2", "0.5"]),
            "difficulty": st.one_of(st.none(), st.integers(1, 5)),
            "tags": tags,
            "language": st.sampled_from(["uz", "ru", "en"]),
        }
    )


def choices(single: bool):
    def build(entries):
        out = [
            {"id": str(i), "text": text, "fraction": f, "feedback": fb} for i, (text, f, fb) in enumerate(entries, 1)
        ]
        out[0]["fraction"] = "1" if single else "0.5"
        if single:
            for entry in out[1:]:
                if entry["fraction"] == "1":
                    entry["fraction"] = "0"
        return out

    entry = st.tuples(rich, fraction, st.one_of(st.just(""), rich))
    return st.lists(entry, min_size=2, max_size=5).map(build)


TYPE_FIELDS = {
    "single_choice": st.fixed_dictionaries({"choices": choices(True), "shuffle": st.booleans()}),
    "multiple_response": st.fixed_dictionaries({"choices": choices(False), "shuffle": st.booleans()}),
    "true_false": st.fixed_dictionaries(
        {
            "correct": st.booleans(),
            "feedback_true": st.one_of(st.just(""), rich),
            "feedback_false": st.one_of(st.just(""), rich),
        }
    ),
    "short_answer": st.fixed_dictionaries(
        {
            "answers": st.lists(
                st.fixed_dictionaries(
                    {"text": plain, "fraction": st.sampled_from(["1", "0.5"]), "feedback": st.just("")}
                ),
                min_size=1,
                max_size=3,
            ),
            "case_sensitive": st.booleans(),
        }
    ),
    "numerical": st.fixed_dictionaries(
        {
            "answers": st.lists(
                st.fixed_dictionaries(
                    {
                        "value": st.sampled_from(["3.14", "-2", "1822", "0.001", "100"]),
                        "tolerance": st.sampled_from(["0", "0.01", "5"]),
                        "fraction": st.sampled_from(["1", "0.5"]),
                        "feedback": st.one_of(st.just(""), rich),
                    }
                ),
                min_size=1,
                max_size=3,
            )
        }
    ),
    "matching": st.fixed_dictionaries(
        {
            "pairs": st.lists(st.tuples(rich, plain), min_size=2, max_size=4).map(
                lambda pairs: [{"id": str(i), "prompt": p, "answer": a} for i, (p, a) in enumerate(pairs, 1)]
            ),
            "shuffle": st.booleans(),
        }
    ),
    "ordering": st.fixed_dictionaries(
        {
            "items": st.lists(rich, min_size=2, max_size=4).map(
                lambda items: [{"id": str(i), "text": t} for i, t in enumerate(items, 1)]
            ),
            "grading": st.sampled_from(["all_or_nothing", "partial"]),
        }
    ),
    "essay": st.fixed_dictionaries(
        {"grader_info": st.one_of(st.just(""), rich), "min_words": st.none(), "max_words": st.sampled_from([None, 200])}
    ),
    "description": st.just({}),
}


def question():
    return st.sampled_from(sorted(TYPE_FIELDS)).flatmap(
        lambda qtype: st.tuples(common(qtype), TYPE_FIELDS[qtype]).map(lambda parts: {**parts[0], **parts[1]})
    )


def unique_idnumbers(questions):
    seen = set()
    for item in questions:
        if item["idnumber"] in seen:
            item["idnumber"] = ""
        seen.add(item["idnumber"])
        if item["qtype"] == "description":
            item["default_points"] = "0"
            item["general_feedback"] = ""
    return questions


bank = st.lists(question(), min_size=1, max_size=6).map(unique_idnumbers)


def export_after_import(questions) -> list[dict]:
    """Import ``questions`` into an empty bank and export it, leaving the bank empty again."""
    with transaction.atomic():
        questions_import(questions=questions)
        exported = questions_export(category=None)
        transaction.set_rollback(True)
    return exported


def drop(questions, fields_by_type):
    return [
        {key: value for key, value in q.items() if key not in fields_by_type.get(q["qtype"], ()) + fields_by_type["*"]}
        for q in questions
    ]


SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(bank)
def test_json_export_import_export_is_identical(questions):
    first = export_after_import(questions)
    parsed = read_json(write_json(first))
    assert parsed.ok, parsed.errors
    second = export_after_import([q.data for q in parsed.questions])
    assert second == first


@SETTINGS
@given(bank)
def test_moodle_xml_export_import_gives_the_same_questions(questions):
    first = export_after_import(questions)
    parsed = parse_moodle_xml(write_moodle_xml(first))
    assert parsed.ok, parsed.errors
    restored = [
        {**q.data, "language": original["language"]} for q, original in zip(parsed.questions, first, strict=True)
    ]
    second = export_after_import(restored)
    not_carried = {"*": ("difficulty",)}
    assert drop(second, not_carried) == drop(first, not_carried)


@SETTINGS
@given(bank.map(lambda qs: [q for q in qs if q["qtype"] != "ordering"]).filter(bool))
def test_gift_export_import_gives_the_same_questions(questions):
    first = export_after_import(questions)
    parsed = parse_gift(write_gift(first))
    assert parsed.ok, parsed.errors
    restored = [
        {**q.data, "language": original["language"]} for q, original in zip(parsed.questions, first, strict=True)
    ]
    second = export_after_import(restored)
    not_carried = {
        "*": ("difficulty", "default_points"),
        "single_choice": ("shuffle",),
        "multiple_response": ("shuffle",),
        "matching": ("shuffle",),
        "short_answer": ("case_sensitive",),
        "essay": ("grader_info", "min_words", "max_words"),
    }
    assert drop(second, not_carried) == drop(first, not_carried)


def test_gift_refuses_an_ordering_question_by_name():
    item = {"name": "Tartib", "qtype": "ordering", "items": [{"id": "1", "text": "a"}, {"id": "2", "text": "b"}]}
    with pytest.raises(ExportError, match="Tartib"):
        write_gift([{**item, "category": "A", "text": "x"}])
