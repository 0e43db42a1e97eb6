"""Exam managers in the Wagtail admin: the blueprint editor, publishing with its checks and
sample form, the content lock once an attempt exists, and new versions."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from exams.models import DrawRule, Exam, FixedQuestion, Section
from exams.services import attempts as attempt_services
from exams.services import exams as exam_services
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def manager(django_user_model):
    return django_user_model.objects.create_superuser(email="manager@example.uz", password="Parol-2026!")


@pytest.fixture
def bank():
    """Two categories: "Legal" with 3 questions tagged law, "Legal/Sub" with 2 (tag law too)."""
    legal = CategoryFactory(name="Legal")
    sub = CategoryFactory(name="Sub", parent=legal)
    questions = []
    for n, category in enumerate([legal, legal, legal, sub, sub]):
        data = single_choice(f"Savol {n}")
        data["tags"] = ["law"] if n != 2 else ["ethics"]
        questions.append(approved_question(category=category, data=data))
    return legal, sub, questions


def test_overlapping_rules_that_cannot_both_be_filled_are_reported_with_pool_and_shortfall(bank, manager):
    legal, sub, _questions = bank
    exam = ExamFactory(is_published=False)
    section = Section.objects.create(exam=exam, position=1, title_uz="Boʻlim")
    broad = DrawRule.objects.create(section=section, category=legal, count=3)  # pool of 5
    narrow = DrawRule.objects.create(section=section, category=sub, count=2, include_subcategories=False)  # pool 2
    report = exam_services.exam_check(exam=exam, seed=1)
    assert report.fillable
    assert {r.rule_id: r.pool for r in report.rules} == {broad.pk: 5, narrow.pk: 2}
    assert report.max_score == 5 and len({item.question_id for item in report.sample}) == 5

    narrow.count = 3  # 3 + 3 from 5 questions: the matching finds no form
    narrow.save()
    report = exam_services.exam_publish(exam=exam, by=manager)
    assert not report.fillable
    assert sum(r.missing for r in report.rules) == 1
    exam.refresh_from_db()
    assert exam.is_published is False


def test_a_fillable_exam_is_published_and_the_page_shows_the_sample_and_maximum_score(bank, manager, client):
    legal, _sub, _questions = bank
    exam = ExamFactory(is_published=False)
    blueprint(exam, [(legal, 4)], points="2.5")
    client.force_login(manager)
    url = reverse("exams_admin:publish", args=[exam.pk])
    response = client.get(url)
    assert response.status_code == 200, response
    html = response.content.decode()
    assert 'data-max-score="10.0' in html and html.count("data-question=") == 4
    assert client.post(url, {"action": "publish"}).status_code == 200  # no confirmation box: nothing
    exam.refresh_from_db()
    assert not exam.is_published
    assert client.post(url, {"action": "publish", "confirm": "1"}).status_code == 200
    exam.refresh_from_db()
    assert exam.is_published


def test_tags_and_fixed_questions_are_drawn(bank, candidate):
    legal, _sub, questions = bank
    exam = ExamFactory()
    section = Section.objects.create(exam=exam, position=1, title_uz="Boʻlim")
    DrawRule.objects.create(section=section, category=legal, count=3, tags=["law"])
    FixedQuestion.objects.create(section=section, question=questions[2])  # the only "ethics" one
    attempt = attempt_services.attempt_start(exam=exam, candidate=candidate)
    drawn = set(attempt.items.values_list("question_id", flat=True))
    assert questions[2].pk in drawn and len(drawn) == 4


def test_a_rule_needing_more_tagged_questions_than_exist_is_unfillable(bank):
    legal, _sub, _questions = bank
    exam = ExamFactory()
    section = Section.objects.create(exam=exam, position=1, title_uz="Boʻlim")
    DrawRule.objects.create(section=section, category=legal, count=2, tags=["ethics"])
    report = exam_services.exam_check(exam=exam)
    assert not report.fillable and report.rules[0].pool == 1


def test_the_content_of_an_exam_with_an_attempt_cannot_change_but_its_window_can(bank, candidate):
    legal, sub, _questions = bank
    exam = ExamFactory()
    (rule,) = blueprint(exam, [(legal, 2)])
    attempt_services.attempt_start(exam=exam, candidate=candidate)
    exam.cut_score = 50
    with pytest.raises(exam_services.ExamLocked, match="new version"):
        exam.save()
    exam.refresh_from_db()
    rule.count = 3
    with pytest.raises(exam_services.ExamLocked):
        rule.save()
    with pytest.raises(exam_services.ExamLocked):
        DrawRule.objects.create(section=rule.section, category=sub, count=1)
    with pytest.raises(exam_services.ExamLocked), transaction.atomic():
        rule.section.delete()
    exam.refresh_from_db()
    exam.closes_at = None
    exam.title_en = "Renamed"
    exam.save()  # the window and titles are not content
    assert DrawRule.objects.get(pk=rule.pk).count == 2


def test_the_admin_editor_refuses_a_content_change_with_a_clear_message(bank, candidate, manager, client):
    legal, _sub, _questions = bank
    exam = ExamFactory(code="locked")
    blueprint(exam, [(legal, 2)])
    attempt_services.attempt_start(exam=exam, candidate=candidate)
    client.force_login(manager)
    edit_url = reverse("wagtailsnippets_exams_exam:edit", args=[exam.pk])
    response = client.get(edit_url)
    assert response.status_code == 200
    form = response.context["form"]
    data = _form_data(form)
    data["cut_score"] = "55"
    response = client.post(edit_url, data)
    assert response.status_code == 200
    assert [error.code for error in response.context["form"].non_field_errors().as_data()] == ["exam_locked"]
    exam.refresh_from_db()
    assert exam.cut_score == 70


def test_the_admin_editor_saves_sections_with_rules_on_an_exam_without_attempts(bank, manager, client):
    legal, _sub, _questions = bank
    exam = ExamFactory(code="fresh")
    client.force_login(manager)
    edit_url = reverse("wagtailsnippets_exams_exam:edit", args=[exam.pk])
    data = _form_data(client.get(edit_url).context["form"])
    data.update(
        {
            "sections-TOTAL_FORMS": "1",
            "sections-0-id": "",
            "sections-0-ORDER": "1",
            "sections-0-DELETE": "",
            "sections-0-title_uz": "Huquqiy asos",
            "sections-0-title_ru": "",
            "sections-0-title_en": "",
            "sections-0-draw_rules-TOTAL_FORMS": "1",
            "sections-0-draw_rules-INITIAL_FORMS": "0",
            "sections-0-draw_rules-MIN_NUM_FORMS": "0",
            "sections-0-draw_rules-MAX_NUM_FORMS": "1000",
            "sections-0-draw_rules-0-id": "",
            "sections-0-draw_rules-0-ORDER": "1",
            "sections-0-draw_rules-0-DELETE": "",
            "sections-0-draw_rules-0-category": str(legal.pk),
            "sections-0-draw_rules-0-include_subcategories": "on",
            "sections-0-draw_rules-0-count": "2",
            "sections-0-draw_rules-0-points": "1.5",
            "sections-0-draw_rules-0-difficulty_min": "1",
            "sections-0-draw_rules-0-difficulty_max": "5",
            "sections-0-draw_rules-0-qtypes": ["single_choice"],
            "sections-0-draw_rules-0-tags": "law, eGov",
            "sections-0-fixed_questions-TOTAL_FORMS": "0",
            "sections-0-fixed_questions-INITIAL_FORMS": "0",
            "sections-0-fixed_questions-MIN_NUM_FORMS": "0",
            "sections-0-fixed_questions-MAX_NUM_FORMS": "1000",
        }
    )
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = DrawRule.objects.get(section__exam=exam)
    assert rule.qtypes == ["single_choice"] and rule.tags == ["law", "eGov"] and rule.count == 2
    assert rule.section.title_uz == "Huquqiy asos"


def _form_data(form) -> dict:
    """The POST body an unchanged submit of ``form`` (and its nested formsets) would send."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[form.add_prefix(name)] = "on"
        elif isinstance(value, list | tuple):
            data[form.add_prefix(name)] = [str(v) for v in value]
        else:
            data[form.add_prefix(name)] = (
                field.widget.format_value(value)
                if hasattr(field.widget, "format_value") and name in ("opens_at", "closes_at")
                else str(value)
            )
    for formset in getattr(form, "formsets", {}).values():
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        for child in formset.forms:
            data.update(_form_data(child))
            if formset.can_order:
                data[child.add_prefix("ORDER")] = str(child["ORDER"].value() or "")
    return data


def test_a_new_version_copies_the_blueprint_and_can_be_edited(bank, candidate, manager):
    legal, _sub, questions = bank
    exam = ExamFactory(code="egov")
    exam.eligible_cohorts.create(name="Guruh").members.add(candidate)
    (rule,) = blueprint(exam, [(legal, 2)])
    FixedQuestion.objects.create(section=rule.section, question=questions[0])
    attempt_services.attempt_start(exam=exam, candidate=candidate)
    copy = exam_services.exam_new_version(exam=exam, by=manager, code="egov-2")
    assert copy.version == 2 and copy.previous_version_id == exam.pk and not copy.is_published
    assert copy.eligible_cohorts.count() == 1
    assert DrawRule.objects.filter(section__exam=copy).count() == 1
    assert FixedQuestion.objects.filter(section__exam=copy).count() == 1
    copy.cut_score = 60
    copy.save()  # the new version has no attempts: it can change
    assert Exam.objects.get(pk=exam.pk).cut_score == 70
    assert exam_services.exam_new_version(exam=copy, by=manager, code="egov-3").version == 3
    with pytest.raises(Exception, match="already exists"):
        exam_services.exam_new_version(exam=exam, by=manager, code="egov-2")


def test_a_candidate_cannot_publish_or_reach_the_admin_views(bank, candidate, client):
    legal, _sub, _questions = bank
    exam = ExamFactory(is_published=False)
    blueprint(exam, [(legal, 1)])
    with pytest.raises(PermissionDenied):
        exam_services.exam_publish(exam=exam, by=candidate)
    client.force_login(candidate)
    assert client.get(reverse("exams_admin:publish", args=[exam.pk])).status_code in (302, 403)
    exam.refresh_from_db()
    assert not exam.is_published
