"""Images in questions are stored as Wagtail images (issue 3, items 4 and 5).

Moodle XML's embedded base64 files (``@@PLUGINFILE@@``) and ``data:`` URIs in GIFT or JSON
become Wagtail images, one per distinct content; a bad image refuses the whole import and
leaves no image rows and no files; a dry run writes nothing; exports carry the images back.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from PIL import Image as PillowImage
from wagtail.images.models import Image

from question_bank.formats.files import read_question_file
from question_bank.formats.json_format import write_json
from question_bank.formats.writers import write_gift, write_moodle_xml
from question_bank.images import (
    COLLECTION_NAME,
    MAX_IMAGE_BYTES,
    ImageRefused,
    image_store,
    image_validate,
)
from question_bank.models import QuestionVersion
from question_bank.sanitize import clean_html
from question_bank.services import QuestionImportError, question_create, questions_export, questions_import

pytestmark = pytest.mark.django_db


def png(color=(200, 30, 30), size=(4, 3)) -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


def moodle_xml(text_png: bytes, feedback_png: bytes | None = None, *, name="Rasm") -> str:
    feedback = ""
    if feedback_png is not None:
        feedback = (
            '<feedback format="html"><text><![CDATA[<p>Ha <img src="@@PLUGINFILE@@/tick%20mark.png"></p>]]></text>'
            f'<file name="tick mark.png" path="/" encoding="base64">{b64(feedback_png)}</file></feedback>'
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Rasmlar</text></category></question>
  <question type="multichoice">
    <name><text>{name}</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>Bu qaysi rang? <img src="@@PLUGINFILE@@/rang.png" alt="rang" onerror="alert(1)"></p>]]></text>
      <file name="rang.png" path="/" encoding="base64">
{b64(text_png)}
      </file>
    </questiontext>
    <single>true</single>
    <answer fraction="100" format="html"><text>Qizil</text>{feedback}</answer>
    <answer fraction="0" format="html"><text>Yashil</text></answer>
  </question>
</quiz>
"""


def import_file(text: str, file_format: str = "moodle_xml", *, dry_run=False):
    """Read and import like ``manage.py import_questions`` does (one transaction)."""
    result = read_question_file(text.encode("utf-8"), file_format)
    assert result.ok, result.errors
    with transaction.atomic():
        summary = questions_import(questions=[question.data for question in result.questions])
        if dry_run:
            transaction.set_rollback(True)
    return summary


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def latest_text(name: str) -> str:
    return QuestionVersion.objects.filter(name=name).order_by("-number").first().data["text"]


def test_an_embedded_png_is_stored_and_the_html_points_at_it(settings, django_capture_on_commit_callbacks):
    red, green = png((200, 30, 30)), png((30, 200, 30))
    with django_capture_on_commit_callbacks(execute=True):
        import_file(moodle_xml(red, green))

    assert Image.objects.count() == 2
    image = Image.objects.get(file_hash=hashlib.sha1(red).hexdigest())
    assert image.collection.name == COLLECTION_NAME
    assert (image.width, image.height, image.file_size) == (4, 3, len(red))
    text = latest_text("Rasm")
    assert f'src="{image.file.url}" data-image-id="{image.pk}"' in text
    assert "@@PLUGINFILE@@" not in text and "onerror" not in text and 'alt="rang"' in text
    with image.open_file() as handle:
        assert handle.read() == red
    feedback = QuestionVersion.objects.get(name="Rasm").data["choices"][0]["feedback"]
    assert f'data-image-id="{Image.objects.get(file_hash=hashlib.sha1(green).hexdigest()).pk}"' in feedback
    assert len(media_files(settings)) == 2


def test_the_same_file_twice_gives_one_image(django_capture_on_commit_callbacks):
    content = png()
    with django_capture_on_commit_callbacks(execute=True):
        import_file(moodle_xml(content, content))
        first = latest_text("Rasm")
        summary = import_file(moodle_xml(content, content))
    assert Image.objects.count() == 1
    assert summary.unchanged == 1 and summary.created == 0
    assert latest_text("Rasm") == first


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("iVBORw0KGgo***not-base64***", "base64 data is corrupt"),
        (b64(b"just some text, not a picture"), "is not an image"),
        (b64(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), "SVG"),
        (b64(png()[:40]), "corrupt or truncated"),
    ],
)
def test_a_bad_embedded_file_is_a_clear_error_and_nothing_is_imported(payload, expected, settings):
    text = moodle_xml(png()).replace(b64(png()), payload)
    result = read_question_file(text.encode("utf-8"), "moodle_xml")
    assert not result.ok and not result.questions
    (line, message), *_rest = result.errors
    assert expected in message and "rang.png" in message and "Rasm" in message
    assert line == 4
    assert Image.objects.count() == 0 and media_files(settings) == []


def test_one_bad_image_refuses_the_whole_import(settings, django_capture_on_commit_callbacks):
    good = {"name": "Yaxshi", "qtype": "essay", "text": f'<p><img src="data:image/png;base64,{b64(png())}"></p>'}
    bad = {"name": "Yomon", "qtype": "essay", "text": f'<p><img src="data:image/png;base64,{b64(b"GIF89a-no")}"></p>'}
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(QuestionImportError) as error:
        questions_import(questions=[good, bad], default_category="Rasmlar")
    assert error.value.problems[0][0] == 1 and "Yomon" in error.value.problems[0][1]
    assert "not an image" in error.value.problems[0][1]
    assert Image.objects.count() == 0 and QuestionVersion.objects.count() == 0
    assert media_files(settings) == []


def test_a_dry_run_creates_no_image_rows_and_no_files(settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        summary = import_file(moodle_xml(png(), png((0, 0, 255))), dry_run=True)
    assert summary.created == 1
    assert callbacks == []
    assert Image.objects.count() == 0 and QuestionVersion.objects.count() == 0
    assert media_files(settings) == []


def test_the_import_command_dry_run_writes_nothing(settings, tmp_path):
    path = tmp_path / "rasm.xml"
    path.write_text(moodle_xml(png(), png((0, 0, 255))), encoding="utf-8")
    out = io.StringIO()
    call_command("import_questions", str(path), "--format", "moodle_xml", "--dry-run", stdout=out, stderr=io.StringIO())
    assert "Rasmlar: 1 created" in out.getvalue()
    assert Image.objects.count() == 0 and media_files(settings) == []


def test_a_data_uri_in_json_is_stored(django_capture_on_commit_callbacks):
    content = png((1, 2, 3), (7, 5))
    document = {
        "format": "certify-questions",
        "version": 1,
        "questions": [
            {
                "category": "Rasmlar",
                "name": "JSON rasm",
                "qtype": "true_false",
                "text": f'<p>Rasmda <img alt="nuqta" src="data:image/png;base64,{b64(content)}"> bormi?</p>',
                "correct": True,
            }
        ],
    }
    with django_capture_on_commit_callbacks(execute=True):
        import_file(json.dumps(document), "json")
    image = Image.objects.get()
    assert image.file_hash == hashlib.sha1(content).hexdigest()
    assert (image.width, image.height) == (7, 5)
    text = latest_text("JSON rasm")
    assert "data:" not in text and f'data-image-id="{image.pk}"' in text and 'alt="nuqta"' in text


def test_a_data_uri_in_gift_is_stored(django_capture_on_commit_callbacks):
    content = png((9, 9, 9))
    gift = '$CATEGORY: $course$/top/Rasmlar\n::GIFT rasm::[html]<p><img src\\="data\\:image/png;base64,{}"></p> {{T}}\n'
    with django_capture_on_commit_callbacks(execute=True):
        import_file(gift.format(b64(content).replace("=", "\\=")), "gift")
    image = Image.objects.get()
    assert f'data-image-id="{image.pk}"' in latest_text("GIFT rasm")


def test_moodle_xml_export_embeds_the_file_and_reimports_to_the_same_image(django_capture_on_commit_callbacks):
    content = png((10, 20, 30), (6, 6))
    with django_capture_on_commit_callbacks(execute=True):
        import_file(moodle_xml(content))
    image = Image.objects.get()

    exported = write_moodle_xml(questions_export(category=None))
    files = re.findall(r'<file name="([^"]+)" path="/" encoding="base64">([^<]+)</file>', exported)
    assert len(files) == 1
    name, payload = files[0]
    assert base64.b64decode(payload) == content
    assert f"@@PLUGINFILE@@/{name}" in exported and "data-image-id" not in exported

    with django_capture_on_commit_callbacks(execute=True):
        summary = import_file(exported)
    assert Image.objects.count() == 1 and Image.objects.get().pk == image.pk
    assert summary.unchanged == 1
    assert write_moodle_xml(questions_export(category=None)) == exported


def test_json_and_gift_exports_carry_a_data_uri_and_round_trip(django_capture_on_commit_callbacks):
    content = png((50, 60, 70))
    with django_capture_on_commit_callbacks(execute=True):
        import_file(moodle_xml(content))
    exported = write_json(questions_export(category=None))
    assert f"data:image/png;base64,{b64(content)}" in exported and "data-image-id" not in exported
    gift = write_gift(questions_export(category=None))
    assert "data\\:image/png;base64," in gift

    with django_capture_on_commit_callbacks(execute=True):
        summary = import_file(exported, "json")
    assert summary.unchanged == 1 and Image.objects.count() == 1
    assert write_json(questions_export(category=None)) == exported


def test_a_stored_image_reference_must_name_a_question_bank_image(trainer, tree):
    data = {"name": "Soxta", "qtype": "essay", "text": '<p><img src="/media/x.png" data-image-id="999999"></p>'}
    with pytest.raises(Exception, match="999999"):
        question_create(category=tree["law"], data=data, by=trainer)
    assert QuestionVersion.objects.count() == 0


def test_an_image_pasted_in_the_admin_content_is_stored_on_save(trainer, tree, django_capture_on_commit_callbacks):
    content = png((1, 1, 1))
    data = {"name": "Qoʻlda", "qtype": "essay", "text": f'<p><img src="data:image/png;base64,{b64(content)}"></p>'}
    with django_capture_on_commit_callbacks(execute=True):
        version = question_create(category=tree["law"], data=data, by=trainer)
    image = Image.objects.get()
    assert image.uploaded_by_user == trainer
    assert f'data-image-id="{image.pk}"' in version.data["text"] and "data:" not in version.data["text"]


def test_the_admin_preview_shows_the_image(client, settings, trainer, tree, django_capture_on_commit_callbacks):
    settings.CERTIFY_REQUIRE_STAFF_MFA = False
    data = {"name": "Koʻrinish", "qtype": "essay", "text": f'<p><img src="data:image/png;base64,{b64(png())}"></p>'}
    with django_capture_on_commit_callbacks(execute=True):
        version = question_create(category=tree["law"], data=data, by=trainer)
    image = Image.objects.get()
    client.force_login(trainer)
    response = client.get(reverse("question_bank_admin:question_preview", args=[version.question_id]))
    assert response.status_code == 200
    assert f'<img src="{image.file.url}" data-image-id="{image.pk}">' in response.content.decode()


@pytest.mark.parametrize(
    ("hostile", "forbidden"),
    [
        ("<img src=javascript:alert(1)>", "javascript"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "svg"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
        ('<img src="/media/a.png" data-image-id="1 onload=x">', "onload"),
        ('<img src="/en/accounts/logout/">', "logout"),
        ('<img src="/media/../en/accounts/logout/">', "logout"),
        ('<img src="/media/%2e%2e/en/me/">', "/me/"),
        ('<img src="//tracker.example/p.png">', "tracker"),
        ('<image src="/en/accounts/logout/">', "logout"),
        ('<IMAGE SRC="https://tracker.example/p.png">', "<img"),
    ],
)
def test_hostile_images_are_stripped(hostile, forbidden):
    cleaned = clean_html(hostile)
    assert forbidden not in cleaned.lower()
    assert clean_html(cleaned) == cleaned


def test_a_remote_image_becomes_a_link_and_is_never_fetched():
    cleaned = clean_html('<p><img src="https://tracker.example/p.png" alt="<b>xarita</b>"></p>')
    assert "<img" not in cleaned
    assert '<a href="https://tracker.example/p.png" rel="noopener noreferrer">&lt;b&gt;xarita&lt;/b&gt;</a>' in cleaned


def test_image_validation_refuses_huge_files_and_pixel_bombs():
    with pytest.raises(ImageRefused, match="over the 5 MB limit"):
        image_validate(b"\x89PNG" + b"\0" * MAX_IMAGE_BYTES)
    buffer = io.BytesIO()
    PillowImage.new("1", (6000, 5000)).save(buffer, format="PNG")  # 30 million pixels in a few KB
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(ImageRefused, match="pixels"):
        image_validate(buffer.getvalue(), filename="bomb.png")
    with pytest.raises(ImageRefused, match="empty"):
        image_validate(b"")


def test_image_store_deduplicates_by_content_hash(django_capture_on_commit_callbacks):
    content = png((3, 4, 5))
    with django_capture_on_commit_callbacks(execute=True):
        first = image_store(content=content, filename="a.png")
        second = image_store(content=content, filename="b.png")
        third = image_store(content=png((5, 4, 3)), filename="c.png")
    assert first.pk == second.pk != third.pk
    assert first.file_hash == hashlib.sha1(content).hexdigest()


def test_the_candidate_attempt_page_shows_the_image_and_the_csp_allows_it(client, candidate):
    """The exam page renders the stored ``<img>`` as is, from our own origin (``img-src 'self'``)."""
    from exams.models import Attempt
    from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

    image = image_store(content=png((90, 90, 90)), filename="sxema.png")
    data = single_choice("Sxema")
    data["text"] = f'<p>Sxemaga qarang: <img src="{image.file.url}" data-image-id="{image.pk}" alt="sxema"></p>'
    category = CategoryFactory(name="Rasmlar")
    approved_question(category=category, data=data)
    exam = ExamFactory()
    blueprint(exam, [(category, 1)])
    client.force_login(candidate)
    client.post(reverse("exams:start", args=[exam.code]))
    attempt = Attempt.objects.get()
    response = client.get(reverse("exams:take", args=[attempt.pk]), {"page": 1})
    assert response.status_code == 200
    assert f'<img src="{image.file.url}" data-image-id="{image.pk}" alt="sxema">' in response.content.decode()
    assert image.file.url.startswith("/")  # same origin
    img_src = re.search(r"img-src ([^;]+)", response["Content-Security-Policy"]).group(1).split()
    assert "'self'" in img_src


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_files_are_written_on_commit_and_never_on_rollback(settings, tmp_path):
    """No test transaction around it: the import command commits (file written) or rolls back
    (a refused file, a dry run: no rows, no files)."""
    content = png((11, 22, 33))
    good = tmp_path / "good.xml"
    good.write_text(moodle_xml(content), encoding="utf-8")
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}

    call_command("import_questions", str(good), "--format", "moodle_xml", "--dry-run", **quiet)
    assert Image.objects.count() == 0 and media_files(settings) == []

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "format": "certify-questions",
                "version": 1,
                "questions": [
                    {"name": "A", "qtype": "essay", "text": f'<img src="data:image/png;base64,{b64(png())}">'},
                    {"name": "B", "qtype": "essay", "text": f'<img src="data:image/png;base64,{b64(b"no")}">'},
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(SystemExit):
        call_command("import_questions", str(bad), "--format", "json", "--category", "Rasmlar", **quiet)
    assert Image.objects.count() == 0 and QuestionVersion.objects.count() == 0 and media_files(settings) == []

    call_command("import_questions", str(good), "--format", "moodle_xml", **quiet)
    image = Image.objects.get()
    assert [path.read_bytes() for path in media_files(settings)] == [content]
    assert Path(settings.MEDIA_ROOT, image.file.name).read_bytes() == content


def test_moodle_references_with_a_query_missing_files_and_unused_files():
    text = moodle_xml(png()).replace("@@PLUGINFILE@@/rang.png", "@@PLUGINFILE@@/rang.png?time=1700000000")
    text = text.replace(
        '<answer fraction="0" format="html"><text>Yashil</text>',
        (
            '<answer fraction="0" format="html"><text><![CDATA[<img src="@@PLUGINFILE@@/yoq.png">]]></text>'
            f'<file name="ortiqcha.png" path="/" encoding="base64">{b64(png((0, 0, 1)))}</file>'
        ),
    )
    result = read_question_file(text.encode("utf-8"), "moodle_xml")
    assert result.ok, result.errors
    data = result.questions[0].data
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="rang">', data["text"])
    assert "?time" not in data["text"]
    messages = " | ".join(message for _line, message in result.warnings)
    assert "'yoq.png' is referenced but not embedded" in messages
    assert "'ortiqcha.png' is not used" in messages
