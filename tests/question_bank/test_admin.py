"""The question bank in the Wagtail admin: every page answers, every action goes through the
services, and a forged POST is refused on the server."""

import io
import json

import pytest
from django.urls import reverse
from django.utils import translation

from question_bank.models import Category, Question, QuestionVersion, VersionStatus
from question_bank.services import question_create, version_submit_for_review
from tests.question_bank.conftest import true_false

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_no_mfa(settings):
    # Staff MFA has its own tests (tests/accounts); here the question bank's pages are under test.
    settings.CERTIFY_REQUIRE_STAFF_MFA = False
    with translation.override("en"):
        yield


def url(name, *args):
    return reverse(f"question_bank_admin:{name}", args=args)


def form_data(category=None, **overrides):
    data = {
        "name": "Yer yumaloqmi?",
        "qtype": "true_false",
        "language": "uz",
        "difficulty": "2",
        "default_points": "1",
        "tags": "geo, oʻquv",
        "text": "<p>Yer yumaloqmi?</p><script>alert(1)</script>",
        "general_feedback": "",
        "type_fields": json.dumps({"correct": True, "feedback_true": "", "feedback_false": ""}),
    }
    if category is not None:
        data["category"] = category.pk
    data.update(overrides)
    return data


def test_every_page_answers_for_a_trainer(client, trainer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    client.force_login(trainer)
    pk = version.question_id
    for page in (
        url("questions"),
        url("question_add") + "?qtype=matching",
        url("question", pk),
        url("question_edit", pk),
        url("question_preview", pk) + "?lang=ru&key=1",
        url("question_diff", pk),
        url("categories"),
        url("category_add"),
        url("import"),
    ):
        response = client.get(page)
        assert response.status_code == 200, page


def test_someone_without_a_part_in_the_bank_is_refused(client, django_user_model, tree):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user(email="staff@example.uz", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    response = client.get(url("questions"))
    # Wagtail turns PermissionDenied into a redirect to the dashboard with a message.
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_the_admin_menu_shows_the_question_bank_to_a_trainer(client, trainer):
    client.force_login(trainer)
    response = client.get("/admin/")
    assert b"question-bank" in response.content


def test_creating_a_question_through_the_form_sanitizes_and_makes_a_draft(client, trainer, tree):
    client.force_login(trainer)
    response = client.post(url("question_add"), form_data(tree["law"]))
    assert response.status_code == 302
    version = QuestionVersion.objects.get()
    assert version.status == VersionStatus.DRAFT and version.created_by == trainer
    assert "<script>" not in version.data["text"]
    assert version.data["tags"] == ["geo", "oʻquv"]


def test_a_forged_post_for_another_category_is_refused(client, trainer, tree):
    client.force_login(trainer)
    response = client.post(url("question_add"), form_data(tree["security"]))
    assert response.status_code == 200  # the form again, with the error
    assert Question.objects.count() == 0


def test_a_forged_status_field_does_not_approve(client, trainer, tree):
    client.force_login(trainer)
    client.post(url("question_add"), form_data(tree["law"], status="approved"))
    version = QuestionVersion.objects.get()
    assert version.status == VersionStatus.DRAFT
    assert version.question.approved_version is None


def test_type_fields_with_a_status_key_are_refused(client, trainer, tree):
    client.force_login(trainer)
    fields = json.dumps({"correct": True, "status": "approved"})
    response = client.post(url("question_add"), form_data(tree["law"], type_fields=fields))
    assert response.status_code == 200 and Question.objects.count() == 0


def test_editing_saves_a_new_version(client, trainer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    client.force_login(trainer)
    fields = json.dumps({"correct": False})
    response = client.post(url("question_edit", version.question_id), form_data(type_fields=fields))
    assert response.status_code == 302
    assert list(version.question.versions.values_list("number", "data__correct")) == [(1, True), (2, False)]


def test_a_trainer_cannot_edit_a_question_of_another_category_by_url(client, trainer, other_trainer, tree):
    version = question_create(category=tree["security"], data=true_false(), by=other_trainer)
    client.force_login(trainer)
    # Not found for them (the locale middleware turns a 404 into a redirect to /uz/..., which is a 404 too).
    assert client.get(url("question", version.question_id), follow=True).status_code == 404
    response = client.post(url("question_edit", version.question_id), form_data())
    assert response.status_code in (302, 404) and b"question-form" not in response.content
    assert QuestionVersion.objects.count() == 1


def test_submit_review_and_approve_through_the_admin(client, trainer, reviewer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    client.force_login(trainer)
    client.post(url("version_submit", version.pk))
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    client.force_login(reviewer)
    queue = client.get(url("review_queue"))
    assert f'data-version-id="{version.pk}"'.encode() in queue.content
    client.post(url("review", version.pk), {"decision": "approve", "comment": "OK"})
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert Question.objects.get().approved_version_id == version.pk


def test_the_author_cannot_approve_by_posting_the_review_form(client, reviewer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=reviewer)
    version_submit_for_review(version=version, by=reviewer)
    client.force_login(reviewer)
    client.post(url("review", version.pk), {"decision": "approve", "comment": ""})
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW


def test_a_trainer_cannot_open_the_review_queue(client, trainer):
    client.force_login(trainer)
    response = client.get(url("review_queue"))
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_reject_needs_a_comment_in_the_admin_too(client, trainer, reviewer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    version_submit_for_review(version=version, by=trainer)
    client.force_login(reviewer)
    client.post(url("review", version.pk), {"decision": "reject", "comment": ""})
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    client.post(url("review", version.pk), {"decision": "reject", "comment": "Javob notoʻgʻri"})
    version.refresh_from_db()
    assert version.status == VersionStatus.REJECTED


def test_the_diff_shows_what_changed(client, trainer, tree):
    from question_bank.services import version_create

    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    version_create(question=version.question, data=true_false(correct=False), by=trainer)
    client.force_login(trainer)
    response = client.get(url("question_diff", version.question_id) + "?a=1&b=2")
    content = response.content.decode()
    assert '<div class="del">-   &quot;correct&quot;: true,</div>' in content
    assert '<div class="add">+   &quot;correct&quot;: false,</div>' in content


def test_the_preview_shows_the_options_but_no_fractions(client, trainer, tree):
    data = {
        "name": "Poytaxt",
        "qtype": "single_choice",
        "text": "<p>Poytaxt?</p>",
        "choices": [
            {"id": "1", "text": "Toshkent", "fraction": "1", "feedback": "Toʻgʻri!"},
            {"id": "2", "text": "Samarqand", "fraction": "0", "feedback": "Yoʻq"},
        ],
    }
    version = question_create(category=tree["law"], data=data, by=trainer)
    client.force_login(trainer)
    response = client.get(url("question_preview", version.question_id) + "?lang=ru")
    content = response.content.decode()
    assert 'lang="ru"' in content and 'type="radio" name="choice" value="1"' in content
    assert "Toʻgʻri!" not in content and "fraction" not in content


def test_duplicate_move_and_retire_from_the_detail_page(client, trainer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    client.force_login(trainer)
    client.post(url("question_duplicate", version.question_id))
    assert Question.objects.count() == 2
    client.post(url("question_move", version.question_id), {"category": tree["security"].pk})
    assert Question.objects.get(pk=version.question_id).category == tree["law"]  # not granted: refused
    client.post(url("question_move", version.question_id), {"category": tree["law_uz"].pk})
    assert Question.objects.get(pk=version.question_id).category == tree["law_uz"]
    client.post(url("question_retire", version.question_id), {"reason": "Eskirgan"})
    assert Question.objects.get(pk=version.question_id).is_retired


def test_bulk_tag_and_filters(client, trainer, tree):
    a = question_create(category=tree["law"], data=true_false("Alpha"), by=trainer).question
    b = question_create(category=tree["law_uz"], data=true_false("Beta", language="ru"), by=trainer).question
    client.force_login(trainer)
    client.post(url("bulk"), {"action": "tag", "questions": [a.pk, b.pk], "tags": "imtihon-2026"})
    assert a.latest_version.data["tags"] == ["imtihon-2026"]
    response = client.get(url("questions") + "?tag=imtihon-2026&language=ru")
    assert f'data-question-id="{b.pk}"'.encode() in response.content
    assert f'data-question-id="{a.pk}"'.encode() not in response.content
    response = client.get(url("questions") + f"?category={tree['law_uz'].pk}&q=Bet")
    assert f'data-question-id="{b.pk}"'.encode() in response.content
    assert f'data-question-id="{a.pk}"'.encode() not in response.content


def test_category_tree_create_and_forged_parent(client, trainer, tree):
    client.force_login(trainer)
    client.post(url("category_add"), {"name": "Yangi boʻlim", "parent": tree["law"].pk})
    assert Category.objects.filter(path="Law/Yangi boʻlim").exists()
    client.post(url("category_add"), {"name": "Hack", "parent": tree["security"].pk})
    assert not Category.objects.filter(name="Hack").exists()
    response = client.get(url("categories"))
    assert b'data-path="Law/Yangi bo\xca\xbblim"' in response.content


GIFT = """$CATEGORY: Law/Import
::A:: Birinchi? {T}

::B:: Ikkinchi? {=Ha ~Yoʻq}
"""


def test_import_dry_run_then_confirm(client, trainer, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(trainer)
    upload = SimpleUploadedFile("q.gift", GIFT.encode(), content_type="text/plain")
    response = client.post(url("import"), {"file": upload, "file_format": "gift", "language": "uz"})
    assert response.content.count(b'data-action="created"') == 2
    assert Question.objects.count() == 0  # a dry run writes nothing
    client.post(url("import"), {"confirm": "1"})
    assert Question.objects.count() == 2
    assert set(QuestionVersion.objects.values_list("status", flat=True)) == {VersionStatus.DRAFT}


def test_import_into_a_category_not_granted_shows_problems_and_imports_nothing(client, trainer, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(trainer)
    upload = SimpleUploadedFile("q.gift", GIFT.replace("Law/Import", "Security").encode())
    response = client.post(url("import"), {"file": upload, "file_format": "gift", "language": "uz"})
    assert b"q.gift:2: Question &#x27;A&#x27;: you may not edit" in response.content
    client.post(url("import"), {"confirm": "1"})
    assert Question.objects.count() == 0


def test_import_refuses_a_wrong_extension(client, trainer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(trainer)
    upload = SimpleUploadedFile("q.exe", b"MZ")
    response = client.post(url("import"), {"file": upload, "file_format": "gift", "language": "uz"})
    # The admin speaks the user's language: assert on the field error and that nothing was checked.
    assert b'class="error-message"' in response.content and b".exe" in response.content
    assert b'id="import-preview"' not in response.content


def test_the_templates_download_and_import_back(client, trainer, tree, tmp_path):
    from openpyxl import load_workbook

    from question_bank.formats.tabular import COLUMNS, parse_csv, parse_xlsx

    client.force_login(trainer)
    xlsx = client.get(url("import_template", "xlsx"))
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert next(workbook.worksheets[0].iter_rows(values_only=True)) == COLUMNS
    assert parse_xlsx(xlsx.content).ok and len(parse_xlsx(xlsx.content).questions) == 5
    csv_response = client.get(url("import_template", "csv"))
    assert parse_csv(csv_response.content.decode("utf-8")).ok
