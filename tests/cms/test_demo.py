"""seed_demo (CONTRACTS.md section 6): idempotent, complete, and robust to an empty page tree."""

import io

import pytest
from django.core.management import call_command
from wagtail.models import Locale, Page, Site

from accounts.models import User
from cms.models import ExamPage, HomePage
from exams.models import Exam
from exams.services.attempts import attempt_start
from question_bank.models import Question

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> tuple:
    return (User.objects.count(), Question.objects.count(), Exam.objects.count(), Page.objects.count())


def test_seed_demo_creates_every_role_the_bank_exams_and_pages_and_a_second_run_changes_nothing():
    output = seed()
    for role in ("candidate", "trainer", "reviewer", "examiner", "certification officer", "analyst", "administrator"):
        assert role in output
    first = counts()
    assert first[1] >= 60  # the team's own demo bank, imported through the real importer
    assert Question.objects.filter(approved_version__isnull=False).count() == first[1]
    assert {loc.language_code for loc in Locale.objects.all()} >= {"uz", "ru", "en"}
    assert HomePage.objects.count() == 3 and ExamPage.objects.count() == 3
    assert Site.objects.get(is_default_site=True).root_page.specific.__class__ is HomePage

    assert "0 created" in seed()
    assert counts() == first


def test_the_demo_exams_draw_from_at_least_two_categories_and_can_be_started():
    seed()
    candidate = User.objects.get(email="candidate@certify.uz")
    for exam in Exam.objects.filter(is_published=True):
        categories = {rule.category_id for section in exam.sections.all() for rule in section.draw_rules.all()}
        assert len(categories) >= 2
        attempt = attempt_start(exam=exam, candidate=candidate)
        languages = {item.question_version.language for item in attempt.items.select_related("question_version")}
        assert languages == {exam.item_language}


def test_seed_demo_builds_the_page_tree_when_the_database_has_none():
    Site.objects.all().delete()
    Page.objects.all().delete()
    Locale.objects.all().delete()
    seed()
    assert Site.objects.get(is_default_site=True).root_page.specific.__class__ is HomePage
