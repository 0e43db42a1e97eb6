"""Exporting questions from the question list in the admin (H14): the selected questions or
the current filter, as Certify JSON, GIFT or Moodle XML, within the user's categories."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation

from question_bank.services import question_create
from tests.question_bank.conftest import true_false

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_no_mfa(settings):
    settings.CERTIFY_REQUIRE_STAFF_MFA = False
    with translation.override("en"):
        yield


@pytest.fixture
def questions(trainer, other_trainer, tree):
    """Two questions in Law (the trainer's), one in Security (the other trainer's)."""
    law_one = question_create(category=tree["law"], data=true_false("Law one"), by=trainer).question
    law_two = question_create(category=tree["law_uz"], data=true_false("Law two"), by=trainer).question
    security = question_create(category=tree["security"], data=true_false("Security one"), by=other_trainer).question
    return law_one, law_two, security


def _export_url(file_format: str) -> str:
    return reverse("question_bank_admin:export", args=[file_format])


def test_the_selected_questions_download_as_json(client, trainer, questions):
    law_one, _law_two, _security = questions
    client.force_login(trainer)
    response = client.post(_export_url("json"), {"questions": [law_one.pk]})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and response["Content-Disposition"].endswith('.json"')
    payload = json.loads(response.content)
    assert [q["name"] for q in payload["questions"]] == ["Law one"]


def test_the_current_filter_exports_only_the_trainers_categories(client, trainer, questions):
    client.force_login(trainer)
    response = client.get(_export_url("json"))
    names = sorted(q["name"] for q in json.loads(response.content)["questions"])
    assert names == ["Law one", "Law two"]  # not "Security one": another trainer's category
    response = client.get(_export_url("json"), {"q": "two"})
    assert [q["name"] for q in json.loads(response.content)["questions"]] == ["Law two"]


def test_selecting_a_question_of_another_category_is_refused(client, trainer, questions):
    law_one, _law_two, security = questions
    client.force_login(trainer)
    # Wagtail turns PermissionDenied into a redirect to the dashboard with a message: no file.
    for data in ({"questions": [law_one.pk, security.pk]}, {"questions": ["1 OR 1=1"]}):
        response = client.post(_export_url("json"), data)
        assert response.status_code in (302, 403) and "Content-Disposition" not in response
        if response.status_code == 302:
            assert response["Location"] == reverse("wagtailadmin_home")


@pytest.mark.parametrize(("file_format", "marker"), [("gift", "::Law one::"), ("moodle_xml", "<quiz>")])
def test_gift_and_moodle_xml_exports(client, trainer, questions, file_format, marker):
    law_one, _law_two, _security = questions
    client.force_login(trainer)
    response = client.post(_export_url(file_format), {"questions": [law_one.pk]})
    assert response.status_code == 200
    assert marker in response.content.decode()


def test_an_empty_selection_or_an_unknown_format_exports_nothing(client, trainer, questions):
    client.force_login(trainer)
    response = client.post(_export_url("json"), {})
    assert response.status_code == 302 and response["Location"] == reverse("question_bank_admin:questions")
    assert client.get(_export_url("csv")).status_code == 404


def test_the_list_page_offers_the_export_buttons(client, trainer, questions):
    client.force_login(trainer)
    html = client.get(reverse("question_bank_admin:questions")).content.decode()
    for file_format in ("json", "gift", "moodle_xml"):
        assert _export_url(file_format) in html


def test_someone_outside_the_bank_cannot_export(client, django_user_model, questions):
    user = django_user_model.objects.create_user(email="nobody@example.uz", password="Parol-2026!")
    client.force_login(user)
    response = client.get(_export_url("json"))
    assert response.status_code in (302, 403)
