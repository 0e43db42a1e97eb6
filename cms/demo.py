"""The demo data set (CONTRACTS.md section 6), created idempotently by ``seed_demo``.

Creates the demo accounts, imports and approves the project's own question bank from
``fixtures/questions/<language>/*.gift`` through the real importer, publishes two exams
(Uzbek and Russian items) whose blueprints draw from several categories, and builds the
page tree that leads from the home page to the exams, in Uzbek, Russian and English.
Running it again changes nothing that is already there (passwords are reset to the
printed ones so the demo always signs in).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils.html import escape
from wagtail.models import Locale, Page, Site

from accounts.models import Organisation, OrganisationKind, RoleAssignment, User
from accounts.roles import role_group, roles_setup
from exams.models import DrawRule, Exam, ReviewPolicy, Section
from question_bank.models import Category, CategoryPermission

from .models import ContentPage, ExamPage, HomePage

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
DEMO_PASSWORD = "Certify-demo-2026"  # noqa: S105 - printed on purpose: demo accounts only


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    full_name: str
    staff: bool = False
    superuser: bool = False


DEMO_ACCOUNTS = [
    DemoAccount("candidate@certify.uz", "candidate", "Oʻgʻiloy Toʻxtayeva"),
    DemoAccount("candidate2@certify.uz", "candidate", "Дилноза Рахимова"),
    DemoAccount("trainer@certify.uz", "trainer", "Jasur Qodirov", staff=True),
    DemoAccount("reviewer@certify.uz", "reviewer", "Malika Saidova", staff=True),
    DemoAccount("manager@certify.uz", "exam manager", "Bobur Aliyev", staff=True),
    DemoAccount("examiner@certify.uz", "examiner", "Nodira Yusupova", staff=True),
    DemoAccount("officer@certify.uz", "certification officer", "Sardor Karimov", staff=True),
    DemoAccount("analyst@certify.uz", "analyst", "Gulnora Ergasheva", staff=True),
    DemoAccount("admin@certify.uz", "administrator", "Certify Admin", staff=True, superuser=True),
]

CATEGORY_ROOT = "Elektron hukumat"
CATEGORIES = {
    "legal": f"{CATEGORY_ROOT}/Huquqiy asos",
    "signature": f"{CATEGORY_ROOT}/Elektron raqamli imzo",
    "security": f"{CATEGORY_ROOT}/Axborot xavfsizligi",
    "opendata": f"{CATEGORY_ROOT}/Ochiq maʼlumotlar",
    "services": f"{CATEGORY_ROOT}/Davlat xizmatlari",
    "projects": f"{CATEGORY_ROOT}/AKT loyihalarini boshqarish",
}

# (code, item language, titles, sections: (titles, [(category key, count)]))
DEMO_EXAMS = [
    (
        "egov-basics",
        "uz",
        {
            "uz": "Elektron hukumat asoslari",
            "ru": "Основы электронного правительства (узбекский язык)",
            "en": "E-Government Fundamentals (in Uzbek)",
        },
        [
            (
                {"uz": "Huquqiy asos va elektron imzo", "ru": "Правовая основа и ЭЦП", "en": "Law and e-signature"},
                [("legal", 3), ("signature", 2)],
            ),
            (
                {
                    "uz": "Xavfsizlik, ochiq maʼlumotlar va xizmatlar",
                    "ru": "Безопасность, открытые данные и услуги",
                    "en": "Security, open data and services",
                },
                [("security", 2), ("opendata", 1), ("services", 1), ("projects", 1)],
            ),
        ],
    ),
    (
        "egov-basics-ru",
        "ru",
        {
            "uz": "Elektron hukumat asoslari (rus tilida)",
            "ru": "Основы электронного правительства",
            "en": "E-Government Fundamentals (in Russian)",
        },
        [
            (
                {"uz": "Huquqiy asos va elektron imzo", "ru": "Правовая основа и ЭЦП", "en": "Law and e-signature"},
                [("legal", 3), ("signature", 2)],
            ),
            (
                {
                    "uz": "Xavfsizlik, ochiq maʼlumotlar va xizmatlar",
                    "ru": "Безопасность, открытые данные и услуги",
                    "en": "Security, open data and services",
                },
                [("security", 2), ("opendata", 1), ("services", 1), ("projects", 1)],
            ),
        ],
    ),
]


def seed_demo(*, stdout=None) -> list[DemoAccount]:
    """Create or refresh the demo data; returns the demo accounts (for printing)."""
    with transaction.atomic():
        _accounts()
    _question_bank(stdout=stdout)
    with transaction.atomic():
        _trainer_grants()
    with transaction.atomic():
        exams = _exams()
        _pages(exams)
    return DEMO_ACCOUNTS


def _accounts() -> None:
    # The role groups and their permissions (accounts.roles); each demo account gets its role.
    roles_setup()
    organisation, _ = Organisation.objects.get_or_create(name="Raqamli texnologiyalar vazirligi", parent=None)
    if not organisation.kind:
        organisation.kind = OrganisationKind.MINISTRY
        organisation.save(update_fields=["kind"])
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first() or User(email=account.email)
        user.full_name = account.full_name
        user.is_staff = account.staff
        user.is_superuser = account.superuser
        user.organisation = organisation
        user.set_password(DEMO_PASSWORD)
        user.save()
        # The demo addresses count as confirmed, so the accounts sign in where confirmation is mandatory.
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        RoleAssignment.objects.get_or_create(
            user=user, group=role_group(account.role.replace(" ", "_")), organisation=None
        )


def _question_bank(*, stdout=None) -> None:
    for language_dir in sorted((FIXTURES / "questions").iterdir()):
        if not language_dir.is_dir():
            continue
        for path in sorted(language_dir.glob("*.gift")):
            # Through the command line, as a trainer would: the real importer, all or nothing per file.
            call_command(
                "import_questions",
                str(path),
                "--format=gift",
                f"--language={language_dir.name}",
                "--approve",
                stdout=stdout,
            )


def _trainer_grants() -> None:
    """The demo trainer writes in the whole demo bank (trainers edit only the categories granted to them)."""
    CategoryPermission.objects.get_or_create(
        user=User.objects.get(email="trainer@certify.uz"),
        category=Category.objects.get(path=CATEGORY_ROOT),
        defaults={"include_subcategories": True},
    )


def _exams() -> dict[str, Exam]:
    exams = {}
    for code, language, titles, sections in DEMO_EXAMS:
        exam, _created = Exam.objects.update_or_create(
            code=code,
            defaults={
                "title_uz": titles["uz"],
                "title_ru": titles["ru"],
                "title_en": titles["en"],
                "description_uz": "Elektron hukumat boʻyicha mutaxassislar uchun asosiy sertifikatlash imtihoni.",
                "description_ru": "Базовый сертификационный экзамен для специалистов электронного правительства.",
                "description_en": "The basic certification exam for e-Government specialists.",
                "time_limit_minutes": 20,
                "cut_score": Decimal("70"),
                "attempts_allowed": 3,
                "grace_seconds": 30,
                "review_policy": ReviewPolicy.CORRECTNESS,
                "validity_months": 24,
                "item_language": language,
                "is_published": True,
            },
        )
        if not exam.attempts.exists():
            # The blueprint is rebuilt only while no attempt exists (content is frozen after that).
            exam.sections.all().delete()
            for position, (section_titles, rules) in enumerate(sections, start=1):
                section = Section.objects.create(
                    exam=exam,
                    position=position,
                    title_uz=section_titles["uz"],
                    title_ru=section_titles["ru"],
                    title_en=section_titles["en"],
                )
                for rule_position, (key, count) in enumerate(rules, start=1):
                    DrawRule.objects.create(
                        section=section,
                        position=rule_position,
                        category=Category.objects.get(path=CATEGORIES[key]),
                        count=count,
                        points=Decimal("1"),
                    )
        exams[language] = exam
    return exams


def _rich(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)


def _body(paragraphs: list[str]) -> str:
    return json.dumps([{"type": "paragraph", "value": _rich([paragraph])} for paragraph in paragraphs])


def _child(parent: Page, model, slug: str, locale: Locale, keys: dict, **fields) -> Page:
    """Create and publish the child page ``slug`` of ``parent`` unless it exists (an
    existing page is left as it is, with any edit made in the admin).

    ``keys`` maps a slug to the translation key of the page in the default language, so
    that the pages of one slug in uz, ru and en are translations of each other (Wagtail
    finds a page's translation, and the localized site root, through that key).
    """
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, locale=locale, **fields)
        if slug in keys:
            page.translation_key = keys[slug]
        parent.add_child(instance=page)
        page.save_revision().publish()
    keys.setdefault(slug, page.translation_key)
    return page


def _pages(exams: dict[str, Exam]) -> None:
    content = json.loads((FIXTURES / "demo_pages.json").read_text(encoding="utf-8"))
    root = Page.get_first_root_node()
    if root is None:
        # Wagtail's migration creates the tree root; a flushed database (tests) has none.
        default_locale, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=default_locale))
    site = Site.objects.filter(is_default_site=True).first()
    keys: dict[str, object] = {}
    languages = sorted(settings.LANGUAGES, key=lambda language: language[0] != settings.LANGUAGE_CODE)
    for code, _name in languages:
        locale, _ = Locale.objects.get_or_create(language_code=code)
        home_fields = {
            "title": content["home"]["title"][code],
            "intro": _rich([content["home"]["intro"][code]]),
            "how_it_works": json.dumps(
                [{"type": "step", "value": _rich([step])} for step in content["home"]["how_it_works"][code]]
            ),
        }
        home = HomePage.objects.filter(locale=locale).first()
        if home is None:
            home = HomePage(slug=f"home-{code}", locale=locale, **home_fields)
            if "home" in keys:
                home.translation_key = keys["home"]
            root.add_child(instance=home)
            home.save_revision().publish()
        keys.setdefault("home", home.translation_key)
        if code == settings.LANGUAGE_CODE:
            if site is None:
                Site.objects.create(hostname="localhost", root_page=home, is_default_site=True, site_name="Certify")
            elif site.root_page_id != home.pk:
                old_root = site.root_page
                site.root_page = home
                site.site_name = "Certify"
                site.save()
                if not isinstance(old_root.specific, HomePage) and old_root.depth == 2:
                    old_root.delete()  # Wagtail's "Welcome" page

        programme = _child(
            home,
            ContentPage,
            "elektron-hukumat-asoslari",
            locale,
            keys,
            title=content["programme"]["title"][code],
            intro=content["programme"]["intro"][code],
        )
        for module in content["modules"]:
            _child(
                programme,
                ContentPage,
                module["slug"],
                locale,
                keys,
                title=module["title"][code],
                body=_body(module["body"][code]),
            )
        exam = exams["ru" if code == "ru" else "uz"]
        _child(
            programme,
            ExamPage,
            "imtihon",
            locale,
            keys,
            title=content["exam_page"]["title"][code],
            intro=content["exam_page"]["intro"][code],
            exam=exam,
        )
        for standard in content["standard_pages"]:
            _child(
                home,
                ContentPage,
                standard["slug"],
                locale,
                keys,
                title=standard["title"][code],
                body=_body(standard["body"][code]),
            )
