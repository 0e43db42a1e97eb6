"""Bad input gets a clear error and imports nothing: XML bombs and external entities,
legacy encodings, oversized and malformed files; hostile HTML comes out sanitized."""

import pytest

from question_bank.models import Category, Question
from tests.question_bank.test_import_command import run, write

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<quiz><question type="truefalse"><name><text>&lol9;</text></name>
<questiontext format="html"><text>Bomb</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
</question></quiz>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><name><text>XXE</text></name>
<questiontext format="html"><text>&secret;</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
</question></quiz>
"""


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_hostile_xml_is_refused_and_imports_nothing(tmp_path, content):
    path = write(tmp_path, "hostile.xml", content)
    code, _out, err = run("import_questions", str(path), "--format", "moodle_xml", "--category", "X")
    assert code == 1
    assert f"{path}:1: refused XML" in err and "DTDs and entities are not allowed" in err
    assert "root:" not in err  # nothing of /etc/passwd leaks into the message
    assert Question.objects.count() == 0 and Category.objects.count() == 0


def test_a_windows_1251_russian_file_gets_a_clear_error(tmp_path):
    gift = "$CATEGORY: Безопасность\n::Вопрос:: Пароль можно сообщать коллегам? {F}\n"
    path = write(tmp_path, "ru.gift", gift, encoding="cp1251")
    code, _out, err = run("import_questions", str(path), "--format", "gift")
    assert code == 1
    assert "not UTF-8 text" in err and "Windows-1251" in err
    assert Question.objects.count() == 0
    # The same text saved as UTF-8 imports, Cyrillic intact.
    path = write(tmp_path, "ru-utf8.gift", gift)
    code, _out, _err = run("import_questions", str(path), "--format", "gift", "--language", "ru")
    assert code == 0 and Category.objects.get().path == "Безопасность"


def test_a_file_over_50_mb_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024 + 1)
    code, _out, err = run("import_questions", str(path), "--format", "csv")
    assert code == 1 and "over the 50 MB limit" in err
    assert Question.objects.count() == 0


def test_a_malformed_xlsx_and_a_zip_that_is_no_workbook_are_refused(tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    for name, content in (("truncated.xlsx", b"PK\x03\x04\x14\x00"), ("zip.xlsx", buffer.getvalue())):
        path = write(tmp_path, name, content)
        code, _out, err = run("import_questions", str(path), "--format", "xlsx", "--category", "X")
        assert code == 1, name
        assert f"{path}:1: not a readable XLSX workbook" in err
    assert Question.objects.count() == 0


HOSTILE_GIFT = """$CATEGORY: Xavfsizlik
::H1::[html]<p onclick="steal()">Formula \\\\( x^2 \\\\) <img src="x.png" onerror="alert(1)">
<script>alert(2)</script><a href="javascript:alert(3)">havola</a></p> {T}
"""


def test_hostile_html_comes_out_sanitized_and_latex_is_kept(tmp_path):
    path = write(tmp_path, "h.gift", HOSTILE_GIFT)
    code, _out, err = run("import_questions", str(path), "--format", "gift")
    assert code == 0, err
    text = Question.objects.get().versions.get().data["text"]
    for hostile in ("onclick", "onerror", "<script", "alert(2)", "javascript:"):
        assert hostile not in text
    assert "\\( x^2 \\)" in text
    assert '<img src="x.png">' in text and ">havola</a>" in text
