"""import_questions / export_questions (CONTRACTS.md sections 2 and 4) and the services behind them."""

import io
import json

import pytest
from django.core.management import call_command

from question_bank.models import Category, Question, QuestionVersion, VersionStatus
from question_bank.services import QuestionImportError, questions_export, questions_import

pytestmark = pytest.mark.django_db

GOOD = """$CATEGORY: $course$/top/Xavfsizlik/Parollar

// [id:SEC-1] [tag:passwords]
::Parol:: Eng ishonchli parol qaysi? {
=uzun-tasodifiy-ibora-91 #Toʻgʻri.
~Qwerty123 #Notoʻgʻri.
}

::Q1:: 1+1\\=2 {T}

$CATEGORY: $course$/Xavfsizlik/Fishing

::Fishing:: Shoshilinch parol soʻralsa, bu fishing belgisimi? {T}
"""

BAD = """$CATEGORY: Xavfsizlik

::Ok:: Good question {T}

::NoCorrect:: Which? {~a ~b}

::Unclosed:: Which? {=a ~b
"""


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def test_a_malformed_file_imports_nothing_and_reports_path_line_message(tmp_path):
    path = write(tmp_path, "bad.gift", BAD)
    code, out, err = run("import_questions", str(path), "--format", "gift")
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert lines == [
        f"{path}:5: Question 'NoCorrect' has no correct answer",
        f"{path}:7: Question 'Unclosed': '{{' is not closed with '}}' "
        "(a blank line ends a question; write \\{ for a literal brace)",
    ]
    assert Question.objects.count() == 0
    assert Category.objects.count() == 0


def test_a_good_file_prints_one_line_per_category_and_writes_rows(tmp_path):
    path = write(tmp_path, "good.gift", GOOD)
    code, out, err = run("import_questions", str(path), "--format", "gift", "--language", "uz")
    assert code == 0, err
    assert out.strip().splitlines() == [
        "Xavfsizlik/Fishing: 1 created, 0 updated, 0 unchanged",
        "Xavfsizlik/Parollar: 2 created, 0 updated, 0 unchanged",
    ]
    assert Question.objects.count() == 3
    question = Question.objects.get(idnumber="SEC-1")
    assert question.category.path == "Xavfsizlik/Parollar"
    version = question.versions.get()
    assert (version.number, version.name, version.qtype, version.status) == (1, "Parol", "single_choice", "draft")
    assert version.data["choices"][0]["feedback"] == "Toʻgʻri."
    assert "category" not in version.data and "idnumber" not in version.data
    assert version.data["language"] == "uz"
    assert question.approved_version is None


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = write(tmp_path, "good.gift", GOOD)
    assert run("import_questions", str(path), "--format", "gift")[0] == 0
    code, out, _err = run("import_questions", str(path), "--format", "gift")
    assert code == 0
    assert "Xavfsizlik/Parollar: 0 created, 0 updated, 2 unchanged" in out
    assert Question.objects.count() == 3
    assert QuestionVersion.objects.count() == 3


def test_reimporting_a_changed_question_with_an_idnumber_creates_a_new_version(tmp_path):
    path = write(tmp_path, "good.gift", GOOD)
    run("import_questions", str(path), "--format", "gift")
    changed = write(tmp_path, "changed.gift", GOOD.replace("~Qwerty123", "~P@ssw0rd"))
    code, out, _err = run("import_questions", str(changed), "--format", "gift")
    assert code == 0
    assert "Xavfsizlik/Parollar: 0 created, 1 updated, 1 unchanged" in out
    question = Question.objects.get(idnumber="SEC-1")
    assert list(question.versions.values_list("number", flat=True)) == [1, 2]
    assert question.versions.get(number=2).data["choices"][1]["text"] == "P@ssw0rd"
    assert question.versions.get(number=1).data["choices"][1]["text"] == "Qwerty123"  # old version untouched
    assert Question.objects.count() == 3


def test_a_file_that_is_not_utf8_gets_a_clear_error(tmp_path):
    path = write(tmp_path, "cp1251.gift", "Вопрос? {T}\n", encoding="cp1251")
    code, _out, err = run("import_questions", str(path), "--format", "gift", "--category", "X")
    assert code == 1
    assert err.startswith(f"{path}:1: not UTF-8 text (")
    assert "save it as UTF-8" in err
    assert Question.objects.count() == 0


def test_a_file_over_50_mb_is_refused(tmp_path):
    path = tmp_path / "huge.gift"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024 + 1)
    code, _out, err = run("import_questions", str(path), "--format", "gift")
    assert code == 1
    assert "over the 50 MB limit" in err


def test_bom_and_crlf_are_read(tmp_path):
    path = write(tmp_path, "bom.gift", "\ufeff" + GOOD.replace("\n", "\r\n"))
    code, _out, err = run("import_questions", str(path), "--format", "gift")
    assert code == 0, err
    assert Question.objects.count() == 3


def test_warnings_go_to_stderr_and_do_not_stop_the_import(tmp_path):
    path = write(tmp_path, "warn.gift", "::W3:: Juft? {~%50%2 ~%40%4 ~%-100%5}\n")
    code, out, err = run("import_questions", str(path), "--format", "gift", "--category", "Matematika")
    assert code == 0
    assert err.startswith(f"{path}:1: warning: Question 'W3'")
    assert out.strip() == "Matematika: 1 created, 0 updated, 0 unchanged"


def test_questions_without_a_category_need_a_default(tmp_path):
    path = write(tmp_path, "nocat.gift", "Q? {T}\n")
    code, _out, err = run("import_questions", str(path), "--format", "gift")
    assert code == 1
    assert f"{path}:1:" in err and "no category" in err
    assert run("import_questions", str(path), "--format", "gift", "--category", "A/B")[0] == 0
    assert Question.objects.get().category.path == "A/B"


def test_dry_run_counts_but_writes_nothing(tmp_path):
    path = write(tmp_path, "good.gift", GOOD)
    code, out, _err = run("import_questions", str(path), "--format", "gift", "--dry-run")
    assert code == 0
    assert "2 created" in out and "dry run" in out
    assert Question.objects.count() == 0 and Category.objects.count() == 0


def test_a_malformed_xlsx_gets_a_clear_error_and_imports_nothing(tmp_path):
    path = write(tmp_path, "q.xlsx", b"PK\x03\x04 not really a workbook")
    code, _out, err = run("import_questions", str(path), "--format", "xlsx")
    assert code == 1
    assert f"{path}:1: not a readable XLSX workbook" in err
    assert Question.objects.count() == 0


def test_approve_makes_the_version_drawable_and_is_idempotent(tmp_path, django_user_model):
    reviewer = django_user_model.objects.create_user(email="reviewer@example.uz", password="x")
    questions = [
        {"category": "Demo", "name": "Q", "qtype": "true_false", "text": "Yer yumaloqmi?", "correct": True},
    ]
    questions_import(questions=questions, by=reviewer, approve=True)
    summary = questions_import(questions=questions, by=reviewer, approve=True)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    question = Question.objects.get()
    version = question.versions.get()
    assert question.approved_version == version
    assert version.status == VersionStatus.APPROVED
    assert version.reviewed_by == reviewer
    assert version.reviewed_at is not None


def test_questions_without_idnumber_are_matched_on_category_name_and_text():
    same_text = {"category": "A", "name": "Same", "qtype": "true_false", "text": "Twice?", "correct": True}
    questions_import(questions=[same_text, {**same_text, "correct": False}])
    assert Question.objects.count() == 2  # two identical-looking questions in one file stay two
    summary = questions_import(questions=[same_text, {**same_text, "correct": False}])
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 2)
    assert QuestionVersion.objects.count() == 2


def test_the_service_refuses_the_whole_import_on_one_bad_question():
    good = {"category": "A", "name": "Good", "qtype": "true_false", "text": "Ok?", "correct": True}
    bad = {"category": "A", "name": "Bad", "qtype": "single_choice", "text": "?", "choices": []}
    with pytest.raises(QuestionImportError) as caught:
        questions_import(questions=[good, bad])
    assert caught.value.problems[0][0] == 1
    assert "choices" in caught.value.problems[0][1]
    assert Question.objects.count() == 0


def test_json_export_import_export_is_identical(tmp_path):
    gift = write(tmp_path, "good.gift", GOOD)
    run("import_questions", str(gift), "--format", "gift")
    questions_import(
        questions=[
            {
                "idnumber": "ORD-1",
                "category": "Tartib",
                "name": "Bosqichlar",
                "qtype": "ordering",
                "text": "<p>Tartiblang</p>",
                "items": [{"id": "a", "text": "Ariza"}, {"id": "b", "text": "Koʻrib chiqish"}],
                "grading": "partial",
                "difficulty": 2,
                "language": "ru",
            }
        ]
    )
    first = tmp_path / "first.json"
    assert run("export_questions", "--format", "json", "-o", str(first))[0] == 0
    document = json.loads(first.read_text(encoding="utf-8"))
    assert document["format"] == "certify-questions" and document["version"] == 1
    assert len(document["questions"]) == 4

    Question.objects.update(approved_version=None)
    QuestionVersion.objects.all().delete()
    Question.objects.all().delete()
    for category in Category.objects.order_by("-path"):  # children before parents (PROTECT)
        category.delete()

    code, _out, err = run("import_questions", str(first), "--format", "json")
    assert code == 0, err
    second = tmp_path / "second.json"
    run("export_questions", "--format", "json", "-o", str(second))
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")

    code, out, _err = run("import_questions", str(first), "--format", "json")
    assert code == 0
    assert out.strip().splitlines() == [
        "Tartib: 0 created, 0 updated, 1 unchanged",
        "Xavfsizlik/Fishing: 0 created, 0 updated, 1 unchanged",
        "Xavfsizlik/Parollar: 0 created, 0 updated, 2 unchanged",
    ]
    assert QuestionVersion.objects.count() == 4


def test_export_by_category_includes_subcategories():
    questions_import(
        questions=[
            {"category": "A", "name": "a", "qtype": "true_false", "text": "a?", "correct": True},
            {"category": "A/B", "name": "b", "qtype": "true_false", "text": "b?", "correct": True},
            {"category": "C", "name": "c", "qtype": "true_false", "text": "c?", "correct": True},
        ]
    )
    assert [question["name"] for question in questions_export(category="A")] == ["a", "b"]
    with pytest.raises(ValueError, match="no category"):
        questions_export(category="Nowhere")


def test_json_import_reports_the_line_of_the_bad_question(tmp_path):
    document = (
        '{"format": "certify-questions", "version": 1, "questions": [\n'
        '  {"category": "A", "name": "ok", "qtype": "true_false", "text": "x", "correct": true},\n'
        '  {"category": "A", "name": "bad", "qtype": "true_false", "text": "y", "correct": "yes"}\n'
        "]}\n"
    )
    path = write(tmp_path, "q.json", document)
    code, _out, err = run("import_questions", str(path), "--format", "json")
    assert code == 1
    assert err.strip() == f"{path}:3: Question 'bad': correct: expected true or false, got \"yes\""
    assert Question.objects.count() == 0
