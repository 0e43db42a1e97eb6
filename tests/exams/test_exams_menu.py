"""Exams have their own main menu item in the Wagtail admin (not hidden under "Snippets"),
for exam managers only, and the snippet URLs keep working (H14)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import RoleAssignment
from accounts.roles import role_group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.CERTIFY_REQUIRE_STAFF_MFA = False


def _user(django_user_model, role: str):
    user = django_user_model.objects.create_user(
        email=f"menu-{role}@example.uz", password="Parol-2026!", full_name=f"Staff {role}"
    )
    RoleAssignment.objects.create(user=user, group=role_group(role))
    return user


def _menu_urls(html: str) -> set[str]:
    return set(re.findall(r'(?:&quot;|")url(?:&quot;|"): (?:&quot;|")([^&"]+)', html))


def test_an_exam_manager_sees_exams_in_the_main_menu_and_the_list_opens(client, django_user_model):
    index = reverse("wagtailsnippets_exams_exam:list")
    assert index == "/admin/snippets/exams/exam/"
    client.force_login(_user(django_user_model, "exam_manager"))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert index in _menu_urls(response.content.decode())
    assert client.get(index).status_code == 200


def test_a_certification_officer_has_no_exams_menu_item(client, django_user_model):
    client.force_login(_user(django_user_model, "certification_officer"))
    response = client.get("/admin/")
    urls = _menu_urls(response.content.decode())
    assert urls  # the menu is there
    assert reverse("wagtailsnippets_exams_exam:list") not in urls


# --- publishing: a confirmation step, an audited unpublish, translated question types


@pytest.fixture
def published_exam(django_user_model):
    from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

    category = CategoryFactory(name="Legal")
    for n in range(3):
        approved_question(category=category, data=single_choice(f"Savol {n}"))
    exam = ExamFactory(is_published=True)
    blueprint(exam, [(category, 2)], points="1")
    return exam


def test_unpublishing_needs_a_reason_and_is_audited(client, django_user_model, published_exam):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from exams.models import Exam

    manager = _user(django_user_model, "exam_manager")
    client.force_login(manager)
    url = reverse("exams_admin:publish", args=[published_exam.pk])
    assert 'id="unpublish-form"' in client.get(url).content.decode()
    client.post(url, {"action": "unpublish", "reason": "   "})
    assert Exam.objects.get(pk=published_exam.pk).is_published  # no reason: nothing changes
    client.post(url, {"action": "unpublish", "reason": "x" * 501})
    assert Exam.objects.get(pk=published_exam.pk).is_published
    client.post(url, {"action": "unpublish", "reason": "Wrong  cut score"})
    assert not Exam.objects.get(pk=published_exam.pk).is_published
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Exam), object_pk=str(published_exam.pk), actor=manager
    )
    assert entry.additional_data == {"unpublished": True, "reason": "Wrong cut score"}


def test_a_new_version_needs_the_confirmation_box(client, django_user_model, published_exam):
    from exams.models import Exam

    client.force_login(_user(django_user_model, "exam_manager"))
    url = reverse("exams_admin:version", args=[published_exam.pk])
    before = Exam.objects.count()
    client.post(url, {"code": "copy-one"})
    assert Exam.objects.count() == before
    client.post(url, {"code": "copy-one", "confirm": "1"})
    assert Exam.objects.filter(code="copy-one").exists()


def test_the_sample_form_shows_the_translated_question_type(client, django_user_model, published_exam):
    from django.utils import translation

    from question_bank.models import QType

    client.force_login(_user(django_user_model, "exam_manager"))
    html = client.get(reverse("exams_admin:publish", args=[published_exam.pk])).content.decode()
    cells = re.findall(r'data-qtype="single_choice">([^<]*)<', html)
    assert cells, html[:500]
    assert all(cell.strip() and cell.strip() != "single_choice" for cell in cells)
    labels = set()
    for language in ("uz", "ru", "en"):
        with translation.override(language):
            labels.add(str(QType("single_choice").label))
    assert {cell.strip() for cell in cells} <= labels
