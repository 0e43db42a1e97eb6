"""seed_demo (CONTRACTS.md section 6): idempotent, complete, and robust to an empty page tree."""

import io
import re

import pytest
from django.core.management import call_command
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Locale, Page, Revision, Site

from accounts.models import User
from cms.models import ExamPage, HomePage, ModulePage, ProgrammeIndexPage, ProgrammePage, SiteSettings, StandardPage
from exams.models import Exam
from exams.services.attempts import attempt_start
from question_bank.models import Question

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> tuple:
    return (
        User.objects.count(),
        Question.objects.count(),
        Exam.objects.count(),
        Page.objects.count(),
        Revision.objects.count(),
        Redirect.objects.count(),
        SiteSettings.objects.count(),
    )


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
    # Per language: a programme index, two programmes of 3 and 2 modules, rules, FAQ, privacy.
    assert ProgrammeIndexPage.objects.count() == 3 and ProgrammePage.objects.count() == 6
    assert ModulePage.objects.count() == 15 and StandardPage.objects.count() == 9
    for locale in Locale.objects.filter(language_code__in=["uz", "ru", "en"]):
        assert ModulePage.objects.filter(locale=locale).count() == 5
        for module in ModulePage.objects.filter(locale=locale):
            kinds = {block.block_type for block in module.body}
            assert {"heading", "paragraph", "callout", "exam"} <= kinds, module.url_path
        faq = StandardPage.objects.get(locale=locale, slug="faq")
        assert [block.block_type for block in faq.body].count("question") >= 5
    site_settings = SiteSettings.objects.get(site__is_default_site=True)
    assert site_settings.organisation_name_uz and site_settings.organisation_name_ru and site_settings.footer_en

    assert "0 created" in seed()
    assert counts() == first


def test_the_demo_home_page_leads_to_the_exam_page_and_old_addresses_still_work(client):
    seed()
    home = client.get("/uz/").content.decode()
    match = re.search(r'<a href="([^"]+)">Elektron hukumat asoslari</a>', home)
    assert match and match.group(1) == "/uz/dasturlar/elektron-hukumat-asoslari/"
    programme = client.get(match.group(1)).content.decode()
    assert 'href="/uz/dasturlar/elektron-hukumat-asoslari/imtihon/"' in programme
    # The address the programme had before the programme index (bookmarks, older scripts).
    for language in ("uz", "ru", "en"):
        response = client.get(f"/{language}/elektron-hukumat-asoslari/imtihon/")
        assert response.status_code == 301
        assert response["Location"] == f"/{language}/dasturlar/elektron-hukumat-asoslari/imtihon/"


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
