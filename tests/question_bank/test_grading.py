"""grade(question, response): the fraction earned, as Decimal in [0, 1] (CONTRACTS.md section 3, issue 3)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from question_bank.grading import ManualGradingRequired, grade

D = Decimal

# The 2-point multiple response: A +50 %, B +50 %, C -100 %, D -100 %.
MULTIPLE = {
    "qtype": "multiple_response",
    "default_points": "2",
    "choices": [
        {"id": "A", "text": "A", "fraction": "0.5", "feedback": ""},
        {"id": "B", "text": "B", "fraction": "0.5", "feedback": ""},
        {"id": "C", "text": "C", "fraction": "-1", "feedback": ""},
        {"id": "D", "text": "D", "fraction": "-1", "feedback": ""},
    ],
}
SINGLE = {
    "qtype": "single_choice",
    "choices": [
        {"id": "1", "text": "right", "fraction": "1", "feedback": ""},
        {"id": "2", "text": "half", "fraction": "0.5", "feedback": ""},
        {"id": "3", "text": "penalised", "fraction": "-0.5", "feedback": ""},
    ],
}
TRUE_FALSE = {"qtype": "true_false", "correct": False, "feedback_true": "", "feedback_false": ""}
SHORT = {
    "qtype": "short_answer",
    "case_sensitive": False,
    "answers": [
        {"text": "Oʻzbekiston", "fraction": "1", "feedback": ""},
        {"text": "Ozbekiston", "fraction": "0.5", "feedback": ""},
    ],
}
NUMERICAL = {"qtype": "numerical", "answers": [{"value": "1.0", "tolerance": "0.1", "fraction": "1", "feedback": ""}]}
MATCHING = {
    "qtype": "matching",
    "pairs": [
        {"id": "1", "prompt": "Canada", "answer": "Ottawa"},
        {"id": "2", "prompt": "Italy", "answer": "Rome"},
        {"id": "3", "prompt": "Japan", "answer": "Tokyo"},
        {"id": "4", "prompt": "", "answer": "Paris"},
    ],
}
ORDERING = {
    "qtype": "ordering",
    "items": [{"id": "a", "text": "first"}, {"id": "b", "text": "second"}, {"id": "c", "text": "third"}],
}
ESSAY = {"qtype": "essay", "grader_info": "", "min_words": None, "max_words": None}
DESCRIPTION = {"qtype": "description"}


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (["A", "B"], D("1")),
        (["A"], D("0.5")),
        (["A", "C"], D("0")),
        (["A", "B", "C", "D"], D("0")),
        ([], D("0")),
    ],
)
def test_multiple_response_sums_the_chosen_fractions_clamped_to_0_1(chosen, expected):
    assert grade(MULTIPLE, {"choices": chosen}) == expected


def test_multiple_response_full_marks_are_the_question_points():
    points = D(MULTIPLE["default_points"])
    assert grade(MULTIPLE, {"choices": ["A", "B"]}) * points == D("2")
    assert grade(MULTIPLE, {"choices": ["A"]}) * points == D("1")


def test_multiple_response_counts_an_id_chosen_twice_once():
    assert grade(MULTIPLE, {"choices": ["A", "A"]}) == D("0.5")


def test_multiple_response_with_an_unknown_id_earns_nothing():
    assert grade(MULTIPLE, {"choices": ["A", "B", "Z"]}) == D("0")


def test_multiple_response_above_one_is_clamped():
    generous = {**MULTIPLE, "choices": [{**choice, "fraction": "0.75"} for choice in MULTIPLE["choices"]]}
    assert grade(generous, {"choices": ["A", "B"]}) == D("1")


def test_single_choice_earns_the_chosen_fraction_and_never_below_zero():
    assert grade(SINGLE, {"choice": "1"}) == D("1")
    assert grade(SINGLE, {"choice": "2"}) == D("0.5")
    assert grade(SINGLE, {"choice": "3"}) == D("0")
    assert grade(SINGLE, {"choice": "9"}) == D("0")


def test_true_false_needs_a_boolean_equal_to_the_correct_value():
    assert grade(TRUE_FALSE, {"value": False}) == D("1")
    assert grade(TRUE_FALSE, {"value": True}) == D("0")
    assert grade(TRUE_FALSE, {"value": "false"}) == D("0")
    assert grade(TRUE_FALSE, {"value": 0}) == D("0")


@pytest.mark.parametrize("apostrophe", ["\u02bb", "\u02bc", "\u2018", "\u2019", "'", "`"])
def test_short_answer_reads_every_apostrophe_variant_as_one(apostrophe):
    assert grade(SHORT, {"text": f"O{apostrophe}zbekiston"}) == D("1")


def test_short_answer_trims_folds_white_space_ignores_case_and_normalises_unicode():
    assert grade(SHORT, {"text": "  oʻzbekiston \n"}) == D("1")
    decomposed = {"qtype": "short_answer", "answers": [{"text": "café", "fraction": "1"}]}
    assert grade(decomposed, {"text": "cafe\u0301"}) == D("1")
    spaced = {"qtype": "short_answer", "answers": [{"text": "no one", "fraction": "1"}]}
    assert grade(spaced, {"text": "No   one"}) == D("1")


def test_short_answer_best_matching_answer_wins():
    assert grade(SHORT, {"text": "Ozbekiston"}) == D("0.5")
    both = {
        "qtype": "short_answer",
        "answers": [{"text": "*ston", "fraction": "0.25"}, {"text": "Toshkent", "fraction": "1"}],
    }
    assert grade(both, {"text": "Toshkent"}) == D("1")
    assert grade(both, {"text": "Samarqandiston"}) == D("0.25")


def test_short_answer_case_sensitive_when_asked():
    strict = {**SHORT, "case_sensitive": True}
    assert grade(strict, {"text": "Oʻzbekiston"}) == D("1")
    assert grade(strict, {"text": "oʻzbekiston"}) == D("0")


def test_short_answer_star_is_a_wildcard_and_backslash_star_a_literal_star():
    wildcard = {"qtype": "short_answer", "answers": [{"text": "elektron *", "fraction": "1"}]}
    assert grade(wildcard, {"text": "Elektron hukumat"}) == D("1")
    assert grade(wildcard, {"text": "hukumat"}) == D("0")
    literal = {"qtype": "short_answer", "answers": [{"text": "a\\*b", "fraction": "1"}]}
    assert grade(literal, {"text": "a*b"}) == D("1")
    assert grade(literal, {"text": "axxb"}) == D("0")


def test_short_answer_empty_text_earns_nothing():
    anything = {"qtype": "short_answer", "answers": [{"text": "*", "fraction": "1"}]}
    assert grade(anything, {"text": "   "}) == D("0")
    assert grade(anything, {"text": "x"}) == D("1")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1,1", D("1")), ("0.9", D("1")), ("1", D("1")), ("1.11", D("0")), ("0,89", D("0")), (" 1.05 ", D("1"))],
)
def test_numerical_tolerance_is_inclusive_and_accepts_comma_or_point(value, expected):
    assert grade(NUMERICAL, {"value": value}) == expected


def test_numerical_ranges_wildcard_and_best_fraction():
    question = {
        "qtype": "numerical",
        "answers": [
            {"value": "1822", "tolerance": "0", "fraction": "1"},
            {"value": "1822", "tolerance": "2", "fraction": "0.5"},
            {"value": "1..5", "tolerance": "0", "fraction": "0.25"},
            {"value": "*", "tolerance": "", "fraction": "0"},
        ],
    }
    assert grade(question, {"value": "1822"}) == D("1")
    assert grade(question, {"value": "1820"}) == D("0.5")
    assert grade(question, {"value": "5"}) == D("0.25")
    assert grade(question, {"value": "6"}) == D("0")
    anything = {"qtype": "numerical", "answers": [{"value": "*", "tolerance": "0", "fraction": "1"}]}
    assert grade(anything, {"value": "-12,5"}) == D("1")
    assert grade(anything, {"value": "abc"}) == D("0")


def test_numerical_rejects_text_that_is_not_one_number():
    for value in ["1.0.0", "1,0,0", "1 000", "NaN", "Infinity", "", "1e", True]:
        assert grade(NUMERICAL, {"value": value}) == D("0"), value


def test_matching_gives_one_nth_per_right_pair_ignoring_distractors():
    right = {"1": "Ottawa", "2": "Rome", "3": "Tokyo"}
    assert grade(MATCHING, {"pairs": right}) == D("1")
    assert grade(MATCHING, {"pairs": {"1": "Ottawa", "2": "Paris", "3": "Tokyo"}}) == D(2) / D(3)
    assert grade(MATCHING, {"pairs": {"1": "Ottawa"}}) == D(1) / D(3)
    assert grade(MATCHING, {"pairs": {"1": "Ottawa", "4": "Paris"}}) == D("0")  # "4" is a distractor, not a pair


def test_ordering_is_all_or_nothing_by_default():
    assert grade(ORDERING, {"order": ["a", "b", "c"]}) == D("1")
    assert grade(ORDERING, {"order": ["a", "c", "b"]}) == D("0")


def test_ordering_partial_gives_a_share_per_item_in_its_place():
    partial = {**ORDERING, "grading": "partial"}
    assert grade(partial, {"order": ["a", "c", "b"]}) == D(1) / D(3)
    assert grade(partial, {"order": ["a", "b", "c"]}) == D("1")
    assert grade(partial, {"order": ["a", "b"]}) == D("0")  # not a permutation
    assert grade(partial, {"order": ["a", "a", "b"]}) == D("0")


def test_essay_needs_an_examiner_unless_empty():
    with pytest.raises(ManualGradingRequired):
        grade(ESSAY, {"text": "Mening fikrimcha…"})
    assert grade(ESSAY, {"text": "   "}) == D("0")
    assert grade(ESSAY, None) == D("0")


def test_description_is_never_graded():
    assert grade(DESCRIPTION, None) == D("0")
    assert grade(DESCRIPTION, {"text": "x"}) == D("0")


def test_unknown_question_type_is_a_broken_question_not_a_zero():
    with pytest.raises(ValueError, match="cannot grade"):
        grade({"qtype": "cloze"}, {"text": "x"})


@pytest.mark.parametrize(
    ("question", "response"),
    [
        (SINGLE, None),
        (SINGLE, {}),
        (SINGLE, "1"),
        (SINGLE, {"choice": ["1"]}),
        (SINGLE, {"choice": 1}),
        (MULTIPLE, {"choices": "AB"}),
        (MULTIPLE, {"choices": [["A"]]}),
        (MULTIPLE, {"choices": {"A": True}}),
        (SHORT, {"text": 5}),
        (SHORT, {"answer": "Oʻzbekiston"}),
        (NUMERICAL, {"value": None}),
        (NUMERICAL, {"value": [1]}),
        (MATCHING, {"pairs": [["1", "Ottawa"]]}),
        (MATCHING, {"pairs": {"1": 5, "2": "Rome"}}),
        (MATCHING, {"pairs": {"9": "Ottawa"}}),
        (ORDERING, {"order": "abc"}),
        (ORDERING, {"order": ["a", "b", "z"]}),
        (TRUE_FALSE, {"value": None}),
    ],
)
def test_malformed_responses_earn_zero(question, response):
    assert grade(question, response) == D("0")


QUESTIONS = [SINGLE, MULTIPLE, TRUE_FALSE, SHORT, NUMERICAL, MATCHING, ORDERING, {**ORDERING, "grading": "partial"}]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=20,
)
ids = st.sampled_from(["1", "2", "3", "A", "B", "C", "D", "a", "b", "c", "4", "Z", ""])
plausible = st.one_of(
    st.fixed_dictionaries({"choice": ids | json_values}),
    st.fixed_dictionaries({"choices": st.lists(ids, max_size=6) | json_values}),
    st.fixed_dictionaries({"value": st.booleans() | st.text(max_size=10) | json_values}),
    st.fixed_dictionaries({"text": st.text(max_size=30) | json_values}),
    st.fixed_dictionaries({"pairs": st.dictionaries(ids, st.text(max_size=8) | json_values, max_size=5) | json_values}),
    st.fixed_dictionaries({"order": st.lists(ids, max_size=4) | json_values}),
)


@settings(max_examples=400, deadline=None)
@given(question=st.sampled_from(QUESTIONS), response=plausible | json_values)
def test_any_response_grades_to_a_decimal_in_0_1_without_raising(question, response):
    fraction = grade(question, response)
    assert isinstance(fraction, Decimal)
    assert D("0") <= fraction <= D("1")


@settings(max_examples=100, deadline=None)
@given(response=plausible | json_values)
def test_any_essay_response_is_zero_or_needs_manual_grading(response):
    try:
        fraction = grade(ESSAY, response)
    except ManualGradingRequired:
        return
    assert fraction == D("0")
