"""The demo data set (CONTRACTS.md section 6), created idempotently by ``seed_demo``.

Creates the demo accounts, imports and approves the project's own question bank from
``fixtures/questions/<language>/*.gift`` through the real importer, publishes two exams
(Uzbek and Russian items) whose blueprints draw from several categories, and builds the
page tree in Uzbek, Russian and English: home -> programme index (``dasturlar``) -> two
programmes ("Elektron hukumat asoslari" with three training modules and the exam page,
"Axborot xavfsizligi" with two modules) and the rules, FAQ and privacy pages, and fills the
site settings. The texts are in ``fixtures/demo_pages.json`` and ``cms/demo_site.json``.
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
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Locale, Page, Site

from accounts.models import Organisation, OrganisationKind, RoleAssignment, User
from accounts.roles import role_group, roles_setup
from exams.models import DrawRule, Exam, ReviewPolicy, Section
from question_bank.models import Category, CategoryPermission

from .models import ExamPage, HomePage, ModulePage, ProgrammeIndexPage, ProgrammePage, SiteSettings, StandardPage

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
DEMO_SITE = Path(__file__).with_name("demo_site.json")  # the programme index, more modules, FAQ, site settings
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

# The titles are the qualification printed on certificates and Open Badges: the language of the
# items is not part of it, it goes into the description (ITEM_LANGUAGE_NOTE).
# (code, item language, titles, sections: (titles, [(category key, count)]))
DEMO_EXAMS = [
    (
        "egov-basics",
        "uz",
        {
            "uz": "Elektron hukumat asoslari",
            "ru": "Основы электронного правительства",
            "en": "E-Government Fundamentals",
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
            "uz": "Elektron hukumat asoslari",
            "ru": "Основы электронного правительства",
            "en": "E-Government Fundamentals",
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
    _certificate_template()
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


# Titles of earlier demo data that named the item language: replaced on the next seed_demo, but
# only while a row still has exactly this value (a title edited by an exam manager is kept).
OLD_DEMO_EXAM_TITLES = {
    "egov-basics": {
        "ru": "Основы электронного правительства (узбекский язык)",
        "en": "E-Government Fundamentals (in Uzbek)",
    },
    "egov-basics-ru": {"uz": "Elektron hukumat asoslari (rus tilida)", "en": "E-Government Fundamentals (in Russian)"},
}
DEMO_EXAM_DESCRIPTION = {
    "uz": "Elektron hukumat boʻyicha mutaxassislar uchun asosiy sertifikatlash imtihoni.",
    "ru": "Базовый сертификационный экзамен для специалистов электронного правительства.",
    "en": "The basic certification exam for e-Government specialists.",
}
# {item language: {interface language: note}}: appended to the description.
ITEM_LANGUAGE_NOTE = {
    "uz": {"uz": "Savollar oʻzbek tilida.", "ru": "Вопросы на узбекском языке.", "en": "Items in Uzbek."},
    "ru": {"uz": "Savollar rus tilida.", "ru": "Вопросы на русском языке.", "en": "Items in Russian."},
}


def _exams() -> dict[str, Exam]:
    exams = {}
    for code, language, titles, sections in DEMO_EXAMS:
        descriptions = {
            lang: f"{DEMO_EXAM_DESCRIPTION[lang]} {ITEM_LANGUAGE_NOTE[language][lang]}" for lang in ("uz", "ru", "en")
        }
        settings_defaults = {
            "time_limit_minutes": 20,
            "cut_score": Decimal("70"),
            "attempts_allowed": 3,
            "grace_seconds": 30,
            "review_policy": ReviewPolicy.CORRECTNESS,
            "validity_months": 24,
            "item_language": language,
            "is_published": True,
        }
        exam, created = Exam.objects.update_or_create(
            code=code,
            create_defaults={
                **settings_defaults,
                **{f"title_{lang}": titles[lang] for lang in ("uz", "ru", "en")},
                **{f"description_{lang}": descriptions[lang] for lang in ("uz", "ru", "en")},
            },
            defaults=settings_defaults,
        )
        if not created:
            # Texts of an existing row change only while they still hold an earlier demo value.
            changed = []
            for lang in ("uz", "ru", "en"):
                if getattr(exam, f"title_{lang}") == OLD_DEMO_EXAM_TITLES.get(code, {}).get(lang):
                    setattr(exam, f"title_{lang}", titles[lang])
                    changed.append(f"title_{lang}")
                if getattr(exam, f"description_{lang}") == DEMO_EXAM_DESCRIPTION[lang]:
                    setattr(exam, f"description_{lang}", descriptions[lang])
                    changed.append(f"description_{lang}")
            if changed:
                exam.save(update_fields=changed)
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


def _faq_body(paragraphs: list[str]) -> str:
    """The FAQ's paragraphs ("Question? Answer.") as question and answer blocks."""
    blocks = []
    for paragraph in paragraphs:
        question, mark, answer = paragraph.partition("?")
        if mark and answer.strip():
            blocks.append(
                {"type": "question", "value": {"question": question + "?", "answer": _rich([answer.strip()])}}
            )
        else:
            blocks.append({"type": "paragraph", "value": _rich([paragraph])})
    return json.dumps(blocks)


def _module_body(paragraphs: list[str], extras: dict, code: str, exam: Exam) -> str:
    """A module of the original demo text with its headings, a callout and an exam block."""
    blocks = []
    for position, paragraph in enumerate(paragraphs):
        heading = extras.get("headings", {}).get(str(position))
        if heading:
            blocks.append({"type": "heading", "value": heading[code]})
        blocks.append({"type": "paragraph", "value": _rich([paragraph])})
    if "callout" in extras:
        callout = extras["callout"]
        blocks.append(
            {"type": "callout", "value": {"title": callout["title"][code], "text": _rich([callout["text"][code]])}}
        )
    blocks.append({"type": "exam", "value": {"exam": exam.pk}})
    return json.dumps(blocks)


def _stream(spec: list[dict], code: str, exam: Exam) -> str:
    """``[{"heading": {lang: text}} | {"paragraph": ...} | {"callout": {...}} | {"exam": true}]``
    (cms/demo_site.json) as StreamField JSON in language ``code``."""
    blocks = []
    for item in spec:
        ((kind, value),) = item.items()
        if kind == "heading":
            blocks.append({"type": "heading", "value": value[code]})
        elif kind == "paragraph":
            blocks.append({"type": "paragraph", "value": _rich([value[code]])})
        elif kind == "callout":
            blocks.append(
                {"type": "callout", "value": {"title": value["title"][code], "text": _rich([value["text"][code]])}}
            )
        elif kind == "exam":
            blocks.append({"type": "exam", "value": {"exam": exam.pk}})
    return json.dumps(blocks)


def _child(parent: Page, model, slug: str, locale: Locale, keys: dict, **fields) -> Page:
    """Create and publish the child page ``slug`` of ``parent`` unless a page with that slug
    is already there (of any type: an existing page is left as it is, with any edit made in
    the admin, so a second run creates nothing).

    ``keys`` maps the page's slug path under the home page to the translation key of the
    page in the default language, so that the pages of one path in uz, ru and en are
    translations of each other (Wagtail finds a page's translation, and the localized site
    root, through that key).
    """
    key = f"{keys.get(parent.pk, '')}/{slug}"
    page = Page.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, locale=locale, **fields)
        if key in keys:
            page.translation_key = keys[key]
        parent.add_child(instance=page)
        page.save_revision().publish()
    else:
        page = page.specific
    keys.setdefault(key, page.translation_key)
    keys[page.pk] = key
    return page


def _pages(exams: dict[str, Exam]) -> None:
    content = json.loads((FIXTURES / "demo_pages.json").read_text(encoding="utf-8"))
    site_content = json.loads(DEMO_SITE.read_text(encoding="utf-8"))
    root = Page.get_first_root_node()
    if root is None:
        # Wagtail's migration creates the tree root; a flushed database (tests) has none.
        default_locale, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=default_locale))
    site = Site.objects.filter(is_default_site=True).first()
    keys: dict = {}
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
        keys[home.pk] = ""
        if code == settings.LANGUAGE_CODE:
            if site is None:
                site = Site.objects.create(
                    hostname="localhost", root_page=home, is_default_site=True, site_name="Certify"
                )
            elif site.root_page_id != home.pk:
                old_root = site.root_page
                site.root_page = home
                site.site_name = "Certify"
                site.save()
                if not isinstance(old_root.specific, HomePage) and old_root.depth == 2:
                    old_root.delete()  # Wagtail's "Welcome" page

        exam = exams["ru" if code == "ru" else "uz"]
        index_content = site_content["programme_index"]
        index = _child(
            home,
            ProgrammeIndexPage,
            index_content["slug"],
            locale,
            keys,
            title=index_content["title"][code],
            intro=_rich([index_content["intro"][code]]),
        )
        programmes = {
            "elektron-hukumat-asoslari": _child(
                index,
                ProgrammePage,
                "elektron-hukumat-asoslari",
                locale,
                keys,
                title=content["programme"]["title"][code],
                intro=content["programme"]["intro"][code],
            )
        }
        for module in content["modules"]:
            extras = site_content["module_extras"].get(module["slug"], {})
            _child(
                programmes["elektron-hukumat-asoslari"],
                ModulePage,
                module["slug"],
                locale,
                keys,
                title=module["title"][code],
                intro=extras.get("intro", {}).get(code, ""),
                body=_module_body(module["body"][code], extras, code, exam),
            )
        security = site_content["programme_security"]
        programmes[security["slug"]] = _child(
            index,
            ProgrammePage,
            security["slug"],
            locale,
            keys,
            title=security["title"][code],
            intro=security["intro"][code],
        )
        for module in site_content["new_modules"]:
            _child(
                programmes[module["programme"]],
                ModulePage,
                module["slug"],
                locale,
                keys,
                title=module["title"][code],
                intro=module["intro"][code],
                body=_stream(module["body"], code, exam),
            )
        # After the modules, so that the programme page lists its modules before its exam.
        exam_page = _child(
            programmes["elektron-hukumat-asoslari"],
            ExamPage,
            "imtihon",
            locale,
            keys,
            title=content["exam_page"]["title"][code],
            intro=content["exam_page"]["intro"][code],
            exam=exam,
        )
        for standard in content["standard_pages"]:
            is_faq = standard["slug"] == "faq"
            _child(
                home,
                StandardPage,
                standard["slug"],
                locale,
                keys,
                title=standard["title"][code],
                intro=site_content["faq_intro"][code] if is_faq else "",
                body=_faq_body(standard["body"][code]) if is_faq else _body(standard["body"][code]),
            )
        _old_addresses(home=home, code=code, programme=programmes["elektron-hukumat-asoslari"], exam_page=exam_page)
    if site is not None:
        _site_settings(site=site, values=site_content["site_settings"])


def _old_addresses(*, home: HomePage, code: str, programme: Page, exam_page: Page) -> None:
    """Before the programme index, the programme lived at ``/<lang>/elektron-hukumat-asoslari/``:
    bookmarks, printed links and scripts keep working through Wagtail redirects (only
    where no page holds the old address, as in a database seeded by an older version)."""
    if Page.objects.child_of(home).filter(slug="elektron-hukumat-asoslari").exists():
        return
    targets = [("", programme), ("imtihon/", exam_page)]
    targets += [(f"{module.slug}/", module) for module in programme.get_children().type(ModulePage)]
    for suffix, page in targets:
        old_path = Redirect.normalise_path(f"/{code}/elektron-hukumat-asoslari/{suffix}")
        Redirect.objects.get_or_create(
            old_path=old_path, site=None, defaults={"redirect_page": page, "is_permanent": True}
        )


def _site_settings(*, site: Site, values: dict) -> None:
    """Fill the site settings once: fields already set (in the admin) are left alone."""
    site_settings, _ = SiteSettings.objects.get_or_create(site=site)
    changed = []
    for field in ("organisation_name", "address", "footer"):
        for code, _name in settings.LANGUAGES:
            name = f"{field}_{code}"
            if not getattr(site_settings, name) and values[field].get(code):
                setattr(site_settings, name, values[field][code])
                changed.append(name)
    for name in ("phone", "email", "telegram_url"):
        if not getattr(site_settings, name) and values.get(name):
            setattr(site_settings, name, values[name])
            changed.append(name)
    if changed:
        site_settings.save(update_fields=changed)


def _certificate_template() -> None:
    """A certificate template for the officer to open and preview (not the default: the demo's
    certificates keep the built-in texts until an officer marks a template as default)."""
    from certificates.models import CertificateTemplate

    CertificateTemplate.objects.get_or_create(
        name="Demo: e-Gov Center",
        defaults={
            "title_uz": "MALAKA SERTIFIKATI",
            "title_ru": "СЕРТИФИКАТ О КВАЛИФИКАЦИИ",
            "title_en": "QUALIFICATION CERTIFICATE",
            "body_uz": "malaka imtihonini muvaffaqiyatli topshirdi",
            "body_ru": "успешно сдал(а) квалификационный экзамен",
            "body_en": "has successfully passed the qualification examination",
            "issuer_name_uz": "Elektron hukumat markazi",
            "issuer_name_ru": "Центр электронного правительства",
            "issuer_name_en": "e-Gov Center",
            "signatory_name_uz": "Gʻayrat Oʻroqov",
            "signatory_title_uz": "Direktor",
            "signatory_title_ru": "Директор",
            "signatory_title_en": "Director",
            "second_language": "ru",
            "primary_colour": "#0B5CAD",
            "accent_colour": "#C9A227",
        },
    )
