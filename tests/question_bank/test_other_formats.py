"""Aiken and Moodle XML readers: questions, line numbers, and refusals of bad or hostile files."""

import io

import pytest
from django.core.management import call_command

from question_bank.formats.aiken import parse_aiken
from question_bank.formats.json_format import question_validate
from question_bank.formats.moodle_xml import parse_moodle_xml
from question_bank.models import Question

AIKEN = """Qaysi organ elektron hukumatni muvofiqlashtiradi?
A. Raqamli texnologiyalar vazirligi
B) Sogʻliqni saqlash vazirligi
C. Madaniyat vazirligi
ANSWER: A

Ikki qatorli
savol matni
A. <b>bir</b>
B. ikki
ANSWER: B
"""

MOODLE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category">
    <category><text>$course$/top/Huquq/Asos</text></category>
  </question>
  <question type="multichoice">
    <name><text>Tub sonlar</text></name>
    <questiontext format="html">
      <text><![CDATA[<p onclick="x()">Tub <b>sonlar</b><script>x()</script></p>]]></text>
    </questiontext>
    <generalfeedback format="html"><text>2 va 3</text></generalfeedback>
    <defaultgrade>2.0000000</defaultgrade>
    <idnumber>MR-1</idnumber>
    <single>false</single>
    <answer fraction="50" format="html"><text>2</text><feedback format="html"><text>Ha</text></feedback></answer>
    <answer fraction="50" format="html"><text>3</text></answer>
    <answer fraction="-33.33333" format="html"><text>4</text></answer>
    <tags><tag><text>math</text></tag></tags>
  </question>
  <question type="truefalse">
    <name><text>TF</text></name>
    <questiontext format="moodle_auto_format"><text>Yer yumaloqmi?</text></questiontext>
    <answer fraction="100"><text>true</text><feedback><text>Toʻgʻri</text></feedback></answer>
    <answer fraction="0"><text>false</text><feedback><text>Yoʻq</text></feedback></answer>
  </question>
  <question type="numerical">
    <name><text>Pi</text></name>
    <questiontext format="html"><text>Pi?</text></questiontext>
    <answer fraction="100"><text>3.14</text><tolerance>0.01</tolerance></answer>
  </question>
  <question type="matching">
    <name><text>Juftlash</text></name>
    <questiontext format="html"><text>Juftlang</text></questiontext>
    <subquestion format="html"><text>a</text><answer><text>1</text></answer></subquestion>
    <subquestion format="html"><text>b</text><answer><text>2</text></answer></subquestion>
    <subquestion format="html"><text></text><answer><text>3</text></answer></subquestion>
  </question>
  <question type="shortanswer">
    <name><text>Poytaxt</text></name>
    <questiontext format="html"><text>Poytaxt?</text></questiontext>
    <usecase>0</usecase>
    <answer fraction="100"><text>Toshkent</text></answer>
  </question>
  <question type="essay">
    <name><text>Insho</text></name>
    <questiontext format="html"><text>Yozing</text></questiontext>
    <graderinfo format="html"><text>Reja bormi?</text></graderinfo>
    <minwordlimit>50</minwordlimit><maxwordlimit></maxwordlimit>
  </question>
</quiz>
"""


def test_aiken_reads_single_choice_questions_with_their_lines():
    result = parse_aiken(AIKEN)
    assert result.errors == []
    first, second = result.questions
    assert (first.line, second.line) == (1, 7)
    assert first.data["qtype"] == "single_choice"
    assert [(c["text"], c["fraction"]) for c in first.data["choices"]] == [
        ("Raqamli texnologiyalar vazirligi", "1"),
        ("Sogʻliqni saqlash vazirligi", "0"),
        ("Madaniyat vazirligi", "0"),
    ]
    assert second.data["text"] == "Ikki qatorli<br>savol matni"
    assert second.data["choices"][0]["text"] == "&lt;b&gt;bir&lt;/b&gt;"  # Aiken is plain text
    assert all(question_validate(q.data)[1] == [] for q in result.questions)


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("Q?\nA. x\nB. y\nANSWER: C\n", 1, "not one of the options"),
        ("Q?\nA. x\nANSWER: A\n", 1, "at least two options"),
        ("Q?\nA. x\nB. y\n\nNext?\n", 1, "no 'ANSWER"),
        ("Ok?\nA. x\nB. y\nANSWER: A\n\nQ?\nA. x\nB. y", 6, "without an 'ANSWER"),
    ],
)
def test_aiken_errors_name_the_line(source, line, words):
    result = parse_aiken(source)
    assert result.errors[0][0] == line
    assert words in result.errors[0][1]


def test_moodle_xml_reads_each_supported_type():
    result = parse_moodle_xml(MOODLE_XML)
    assert result.errors == []
    by_name = {q.data["name"]: q for q in result.questions}
    assert [q.data["qtype"] for q in result.questions] == [
        "multiple_response",
        "true_false",
        "numerical",
        "matching",
        "short_answer",
        "essay",
    ]
    mr = by_name["Tub sonlar"]
    assert mr.line == 6
    assert mr.data["category"] == "Huquq/Asos"
    assert mr.data["idnumber"] == "MR-1"
    assert mr.data["tags"] == ["math"]
    assert mr.data["default_points"] == "2"
    assert mr.data["text"] == "<p>Tub <b>sonlar</b></p>"
    assert [c["fraction"] for c in mr.data["choices"]] == ["0.5", "0.5", "-0.3333333"]
    tf = by_name["TF"].data
    assert (tf["correct"], tf["feedback_true"], tf["feedback_false"]) == (True, "Toʻgʻri", "Yoʻq")
    assert by_name["Pi"].data["answers"][0]["tolerance"] == "0.01"
    assert by_name["Juftlash"].data["pairs"][2] == {"id": "3", "prompt": "", "answer": "3"}
    assert by_name["Insho"].data["min_words"] == 50
    assert all(question_validate(q.data)[1] == [] for q in result.questions)


def test_moodle_xml_refuses_entities_and_reports_bad_xml_and_unknown_types():
    bomb = '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaaaaaa">]><quiz>&a;</quiz>'
    assert "DTD" in parse_moodle_xml(bomb).errors[0][1]
    broken = parse_moodle_xml("<quiz>\n<question type='truefalse'>\n</quiz>")
    assert broken.errors[0][0] == 3
    assert "not well-formed" in broken.errors[0][1]
    calculated = parse_moodle_xml(
        "<quiz>\n<question type='calculated'><name><text>C</text></name>"
        "<questiontext><text>x</text></questiontext></question>\n</quiz>"
    )
    assert calculated.errors == [(2, "Question 'C': the question type 'calculated' is not supported")]


@pytest.mark.django_db
def test_import_command_reads_moodle_xml_and_aiken(tmp_path):
    xml_path = tmp_path / "q.xml"
    xml_path.write_text(MOODLE_XML, encoding="utf-8")
    aiken_path = tmp_path / "q.txt"
    aiken_path.write_text(AIKEN, encoding="utf-8")
    out = io.StringIO()
    call_command("import_questions", str(xml_path), "--format", "moodle_xml", stdout=out, stderr=io.StringIO())
    err = io.StringIO()
    options = {"stdout": out, "stderr": err}
    call_command("import_questions", str(aiken_path), "--format", "aiken", "--category", "Aiken", **options)
    assert out.getvalue().splitlines() == [
        "Huquq/Asos: 6 created, 0 updated, 0 unchanged",
        "Aiken: 2 created, 0 updated, 0 unchanged",
    ]
    assert Question.objects.count() == 8
