"""The GIFT reader on small inputs: the examples of issue 3, Moodle's edge cases and errors."""

from pathlib import Path

import pytest

from question_bank.formats.gift import parse_gift
from question_bank.formats.json_format import question_validate
from question_bank.sanitize import visible_text

REPO = Path(__file__).resolve().parents[2]


def only(source: str) -> dict:
    result = parse_gift(source)
    assert result.errors == []
    assert len(result.questions) == 1
    return result.questions[0].data


def test_issue_3_category_and_escaped_equals_and_colon():
    source = (
        "$CATEGORY: $course$/top/Xavfsizlik: 1-modul\n"
        "::Q1:: 1+1\\=2 {T}\n"
        "\n"
        "::Q2:: Soat 10\\:30 da boshlanadimi? {=Ha ~Yoʻq}\n"
    )
    result = parse_gift(source)
    assert result.errors == []
    q1, q2 = (question.data for question in result.questions)
    assert {q1["category"], q2["category"]} == {"Xavfsizlik: 1-modul"}
    assert (q1["name"], q1["qtype"], q1["text"], q1["correct"]) == ("Q1", "true_false", "1+1=2", True)
    assert (q2["name"], q2["qtype"], q2["text"]) == ("Q2", "single_choice", "Soat 10:30 da boshlanadimi?")
    assert [(c["text"], c["fraction"]) for c in q2["choices"]] == [("Ha", "1"), ("Yoʻq", "0")]


def test_issue_3_weights_are_kept_exactly_as_written():
    question = only("::W1:: Tub sonlar? {~%50%2 ~%50%3 ~%-33%4 ~%-33%6 ~%-34%9}")
    assert question["qtype"] == "multiple_response"
    assert [choice["fraction"] for choice in question["choices"]] == ["0.5", "0.5", "-0.33", "-0.33", "-0.34"]


def test_issue_3_positive_weights_not_adding_to_100_warn_naming_the_question():
    result = parse_gift("::W3:: Juft? {~%50%2 ~%40%4 ~%-100%5}")
    assert result.errors == []
    assert len(result.questions) == 1
    assert len(result.warnings) == 1
    line, message = result.warnings[0]
    assert line == 1
    assert "W3" in message
    assert "90 %" in message


def test_multiple_response_without_a_negative_weight_warns():
    result = parse_gift("::W2:: Juft? {~%50%2 ~%50%4 ~5}")
    assert result.errors == []
    assert any("W2" in message and "negative" in message for _line, message in result.warnings)


def test_fractional_percentages_are_exact_decimals():
    question = only("::F:: x {~%33.33333%a ~%33.33333%b ~%33.33334%c ~%-100%d}")
    assert [choice["fraction"] for choice in question["choices"]] == ["0.3333333", "0.3333333", "0.3333334", "-1"]


def test_true_false_feedback_follows_moodle_order():
    true_question = only("T? {T#wrong answer given#right answer given}")
    assert true_question["correct"] is True
    assert true_question["feedback_true"] == "right answer given"
    assert true_question["feedback_false"] == "wrong answer given"
    false_question = only("F? {FALSE#wrong answer given#right answer given}")
    assert false_question["correct"] is False
    assert false_question["feedback_true"] == "wrong answer given"
    assert false_question["feedback_false"] == "right answer given"


def test_short_answer_keeps_uzbek_apostrophe_and_plain_text():
    question = only("Poytaxt? {=Toshkent =%50%Tashkent#Almost =Oʻzbekiston <b>x</b>}")
    assert question["qtype"] == "short_answer"
    assert [(a["text"], a["fraction"]) for a in question["answers"]] == [
        ("Toshkent", "1"),
        ("Tashkent", "0.5"),
        ("Oʻzbekiston <b>x</b>", "1"),
    ]
    assert question["answers"][1]["feedback"] == "Almost"


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("{#3.14:0.01}", [("3.14", "0.01", "1")]),
        ("{#1..5}", [("3", "2", "1")]),
        ("{#-5..5}", [("0", "5", "1")]),
        ("{#2}", [("2", "0", "1")]),
        ("{#3,14:0,01}", [("3.14", "0.01", "1")]),
        ("{# =3:0 =%50%3.1:0.1}", [("3", "0", "1"), ("3.1", "0.1", "0.5")]),
        ("{#4 ~#Not even close}", [("4", "0", "1"), ("*", "0", "0")]),
    ],
)
def test_numerical_forms(block, expected):
    question = only(f"Number? {block}")
    assert question["qtype"] == "numerical"
    assert [(a["value"], a["tolerance"], a["fraction"]) for a in question["answers"]] == expected


def test_matching_with_a_distractor_answer():
    question = only("Juftlang {=Toshkent -> Oʻzbekiston =Ostona -> Qozogʻiston = -> Tojikiston}")
    assert question["qtype"] == "matching"
    assert question["pairs"] == [
        {"id": "1", "prompt": "Toshkent", "answer": "Oʻzbekiston"},
        {"id": "2", "prompt": "Ostona", "answer": "Qozogʻiston"},
        {"id": "3", "prompt": "", "answer": "Tojikiston"},
    ]


def test_essay_description_and_answer_inside_the_sentence():
    assert only("Write about it. {}")["qtype"] == "essay"
    description = only("::Info:: Read this first.")
    assert (description["qtype"], description["default_points"]) == ("description", "0")
    embedded = only("The {=sun ~moon} rises in the east.")
    assert embedded["text"] == "The _____ rises in the east."


def test_multi_line_question_crlf_bom_comments_id_and_tags():
    source = (
        "\ufeff// header comment\r\n\r\n"
        "// [id:LAW-017] [tag:law] [tag:open data]\r\n"
        "::Open data law::\r\n"
        "Which law\r\n"
        "governs open data? {\r\n"
        "  =The open data law #Right.\r\n"
        "  ~The tax code #No.\r\n"
        "  ####See the course notes.\r\n"
        "}\r\n"
    )
    result = parse_gift(source)
    assert result.errors == []
    (parsed,) = result.questions
    question = parsed.data
    assert parsed.line == 4
    assert question["idnumber"] == "LAW-017"
    assert question["tags"] == ["law", "open data"]
    assert question["text"] == "Which law<br>governs open data?"
    assert question["general_feedback"] == "See the course notes."
    assert [choice["feedback"] for choice in question["choices"]] == ["Right.", "No."]


def test_every_escape_and_line_break_escape():
    question = only("Escapes \\~ \\= \\# \\{ \\} \\: \\\\ and\\nnew line {=a\\=b ~c}")
    assert question["text"] == "Escapes ~ = # { } : \\ and<br>new line"
    assert question["choices"][0]["text"] == "a=b"


def test_latex_is_kept_as_text():
    question = only("Solve \\(x^2 = 4\\) {#2}")
    assert "\\(x^2 = 4\\)" in question["text"]


def test_html_is_sanitized_and_plain_text_is_escaped():
    html_question = only(
        '[html]<p onclick="steal()">Hi <script>alert(1)</script><a href="javascript:x()">link</a></p> {T}'
    )
    assert "script" not in html_question["text"]
    assert "onclick" not in html_question["text"]
    assert "javascript" not in html_question["text"]
    assert visible_text(html_question["text"]) == "Hi link"
    plain_question = only("Is 1 < 2 & <b>bold</b>? {T}")
    assert plain_question["text"] == "Is 1 &lt; 2 &amp; &lt;b&gt;bold&lt;/b&gt;?"


def test_markdown_renders_a_small_subset():
    question = only("[markdown]Grant is **buried** in _his_ tomb.{FALSE}")
    assert question["text"] == "<p>Grant is <strong>buried</strong> in <em>his</em> tomb.</p>"


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("::E1:: No correct answer {~a ~b}", 1, "Question 'E1' has no correct answer"),
        ("\n\n::E2:: unclosed {=a ~b", 3, "not closed"),
        ("::E3:: odd {foo}", 1, "unknown answer syntax"),
        ("::E4:: lowercase {true}", 1, "capitals"),
        ("::E5:: Number? {#abc}", 1, "not a number"),
        ("::E6:: Range? {#5..1}", 1, "high to low"),
        ("::E7:: one {T}\n::E8:: two {F}", 1, "blank line"),
        ("::E9 no end {T}", 1, "title"),
        ("::E10:: weight {~%abc%x =y}", 1, "bad weight"),
        ("::E11:: weight {~%150%x =y}", 1, "outside"),
        ("::E12:: Match {=a -> 1}", 1, "two pairs"),
        ("::E13:: Match {=a -> 1 =b}", 1, "prompt -> answer"),
        ("::E14:: closing } first {T}", 1, "without an opening"),
        ("::E15:: only one {=a}  x {~b}", 1, "more than one answer block"),
        ("// [id:X]\nA {T}\n\n// [id:X]\nB {T}", 5, "already used"),
        ("::E16:: {T}", 1, "no text"),
        ("::E17:: stray {text ~a =b}", 1, "before the first answer"),
    ],
)
def test_bad_input_gives_a_line_and_a_clear_message(source, line, words):
    result = parse_gift(source)
    assert len(result.errors) >= 1
    assert result.errors[0][0] == line
    assert words in result.errors[0][1]


def test_errors_are_all_reported_with_the_good_questions_kept_apart():
    result = parse_gift("Good {T}\n\n::Bad1:: {~a ~b}\n\nGood too {F}\n\n::Bad2:: x {#y}\n")
    assert [line for line, _message in result.errors] == [3, 7]
    assert [question.line for question in result.questions] == [1, 5]


def test_category_switches_apply_to_the_following_questions():
    source = "Before {T}\n\n$CATEGORY: $course$/A/B\n\nIn B {T}\n\n$CATEGORY: top/C\n\nIn C {T}\n"
    result = parse_gift(source)
    assert [question.data["category"] for question in result.questions] == ["", "A/B", "C"]


def test_every_question_the_reader_produces_is_valid_interchange():
    sample = parse_gift(
        "A {T}\n\nB {=x ~y}\n\nC {~%50%x ~%50%y ~%-100%z}\n\nD {=x =y}\n\nE {#1..2}\n\n"
        "F {=a -> b =c -> d}\n\nG {}\n\nH\n"
    )
    assert sample.errors == []
    assert len(sample.questions) == 8
    for question in sample.questions:
        assert question_validate(question.data)[1] == []


@pytest.mark.parametrize("path", sorted((REPO / "fixtures" / "questions").glob("*/*.gift")), ids=str)
def test_the_demo_bank_reads_without_errors(path):
    result = parse_gift(path.read_text(encoding="utf-8"))
    assert result.errors == []
    assert result.questions
    assert all(question.data["category"] for question in result.questions)
