"""XLSX and CSV import: one question per row, clear PATH:ROW errors, all or nothing."""

import io

import pytest
from openpyxl import Workbook

from question_bank.formats.tabular import COLUMNS, parse_csv, parse_xlsx
from question_bank.models import Question
from tests.question_bank.test_import_command import run, write

HEADER = list(COLUMNS)


def row(**values):
    return [values.get(column, "") for column in COLUMNS]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for cells in rows:
        workbook.active.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_every_common_type_reads_from_a_workbook():
    rows = [
        HEADER,
        row(
            category="Huquq",
            qtype="single_choice",
            text="Poytaxt?",
            A="Toshkent",
            B="Samarqand",
            correct="A",
            difficulty=2,
        ),
        row(category="Huquq", qtype="multiple_response", text="Tub?", A="2", B="3", C="4", correct="A,B"),
        row(category="Huquq", qtype="multiple_response", text="W?", A="x", B="y", C="z", correct="A:50, B:50, C:-100"),
        row(category="Huquq", qtype="true_false", text="Yer yumaloqmi?", correct="TRUE", language="uz"),
        row(category="Huquq", qtype="short_answer", text="Shahar?", A="Toshkent", B="Tashkent"),
        row(category="Huquq", qtype="numerical", text="π?", A=3.14, correct=""),
        row(category="Huquq", qtype="numerical", text="e?", A="2.718:0.001"),
        row(category="Huquq", qtype="matching", text="Juftla", A="Toshkent -> Oʻzbekiston", B="Olmaota -> Qozogʻiston"),
        row(category="Huquq", qtype="ordering", text="Tartibla", A="bir", B="ikki", C="uch"),
        row(category="Huquq", qtype="essay", text="Yozing", tags="insho, 2026"),
    ]
    result = parse_xlsx(xlsx(rows))
    assert result.ok, result.errors
    by_text = {q.data["text"]: q for q in result.questions}
    assert [c["fraction"] for c in by_text["Tub?"].data["choices"]] == ["0.5", "0.5", "-0.5"]
    assert [c["fraction"] for c in by_text["W?"].data["choices"]] == ["0.5", "0.5", "-1"]
    assert by_text["Poytaxt?"].data["difficulty"] == 2 and by_text["Poytaxt?"].line == 2
    assert by_text["π?"].data["answers"][0]["value"] == "3.14"
    assert by_text["e?"].data["answers"][0]["tolerance"] == "0.001"
    assert by_text["Juftla"].data["pairs"][1] == {"id": "2", "prompt": "Olmaota", "answer": "Qozogʻiston"}
    assert by_text["Yozing"].data["tags"] == ["insho", "2026"]
    assert by_text["Yer yumaloqmi?"].data["correct"] is True


def test_errors_name_the_row_and_everything_wrong_is_reported():
    rows = [
        HEADER,
        row(category="A", text="Ok?", A="x", B="y", correct="A"),
        row(category="A", name="NoRight", text="Q?", A="x", B="y", correct="C"),
        row(category="A", name="BadType", qtype="cloze", text="Q?"),
        row(category="A", name="TF", qtype="true_false", text="Q?", correct="maybe"),
    ]
    result = parse_xlsx(xlsx(rows))
    assert [line for line, _message in result.errors] == [3, 4, 5]
    assert "'C' is not one of the filled columns A, B" in result.errors[0][1]
    assert "Question 'BadType'" in result.errors[1][1]


def test_an_unknown_column_is_an_error_not_ignored():
    result = parse_csv("text,answr\nQ?,x\n")
    assert result.errors == [(1, result.errors[0][1])] and "'answr'" in result.errors[0][1]


def test_csv_with_semicolons_and_a_bom_reads_uzbek_intact():
    text = "\ufefftext;A;B;correct;category\nOʻzbekiston poytaxti?;Toshkent;Buxoro;A;Geografiya\n"
    result = parse_csv(text)
    assert result.ok, result.errors
    assert result.questions[0].data["text"] == "Oʻzbekiston poytaxti?"


@pytest.mark.django_db
def test_the_command_imports_xlsx_all_or_nothing_with_path_row_errors(tmp_path):
    rows = [HEADER, row(category="A", text="Ok?", A="x", B="y", correct="A"), row(category="A", text="Bad?", A="x")]
    path = write(tmp_path, "q.xlsx", xlsx(rows))
    code, _out, err = run("import_questions", str(path), "--format", "xlsx")
    assert code == 1 and f"{path}:3: " in err
    assert Question.objects.count() == 0
    path = write(tmp_path, "ok.xlsx", xlsx(rows[:2]))
    code, out, _err = run("import_questions", str(path), "--format", "xlsx")
    assert code == 0 and "A: 1 created" in out


@pytest.mark.django_db
def test_the_command_imports_csv(tmp_path):
    path = write(tmp_path, "q.csv", "category,text,qtype,correct\nA,Yer yumaloqmi?,true_false,TRUE\n")
    code, _out, err = run("import_questions", str(path), "--format", "csv")
    assert code == 0, err
    assert Question.objects.get().versions.get().data["correct"] is True
