"""A small page tree in uz, ru and en, built with the ORM (seed_demo is too slow per test).

home -> programmes (index) -> programme -> module (an exam block) / exam page; home -> faq.
Pages of one path share a translation key, as Wagtail's locales expect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from wagtail.models import Locale, Page, Site

from cms.models import ExamPage, HomePage, ModulePage, ProgrammeIndexPage, ProgrammePage, StandardPage
from tests.factories import ExamFactory

LANGUAGES = ("uz", "ru", "en")
MODULE_TEXT = {
    "uz": "Elektron raqamli imzo yopiq kalit bilan qoʻyiladi va ochiq kalit bilan tekshiriladi.",
    "ru": "Электронная цифровая подпись ставится закрытым ключом и проверяется открытым.",
    "en": "A digital signature is made with the private key and checked with the public key.",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and the like live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def paragraph(text: str) -> dict:
    return {"type": "paragraph", "value": f"<p>{text}</p>"}


def exam_block(exam) -> dict:
    return {"type": "exam", "value": {"exam": exam.pk}}


@dataclass
class Tree:
    exam: object
    pages: dict = field(default_factory=dict)  # (language, name) -> page

    def url(self, language: str, name: str) -> str:
        return self.pages[(language, name)].get_url()


def build_tree(exam) -> Tree:
    """The tree for ``exam`` in the three languages; the Uzbek home is the default site's root."""
    root = Page.get_first_root_node()
    if root is None:  # a transactional test's flush leaves no tree root
        locale, _ = Locale.objects.get_or_create(language_code="uz")
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    tree = Tree(exam=exam)
    keys: dict[str, object] = {}

    def add(language: str, name: str, parent: Page, page: Page) -> Page:
        if name in keys:
            page.translation_key = keys[name]
        page = publish(parent, page)
        keys.setdefault(name, page.translation_key)
        tree.pages[(language, name)] = page
        return page

    for language in LANGUAGES:
        locale, _ = Locale.objects.get_or_create(language_code=language)
        home = add(
            language, "home", root, HomePage(title=f"Certify {language}", slug=f"home-{language}", locale=locale)
        )
        if language == "uz":
            Site.objects.update_or_create(
                is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
            )
        index = add(
            language, "index", home, ProgrammeIndexPage(title=f"Programmes {language}", slug="dasturlar", locale=locale)
        )
        programme = add(
            language,
            "programme",
            index,
            ProgrammePage(
                title=f"Programme {language}", slug="dastur", locale=locale, intro=f"Programme intro {language}"
            ),
        )
        add(
            language,
            "module",
            programme,
            ModulePage(
                title=f"Module {language}",
                slug="modul",
                locale=locale,
                body=json.dumps([paragraph(MODULE_TEXT[language]), exam_block(exam)]),
            ),
        )
        add(
            language,
            "exam",
            programme,
            ExamPage(title=f"Exam page {language}", slug="imtihon", locale=locale, exam=exam),
        )
        add(
            language,
            "faq",
            home,
            StandardPage(
                title=f"FAQ {language}",
                slug="faq",
                locale=locale,
                body=json.dumps(
                    [
                        {
                            "type": "question",
                            "value": {"question": f"Question {language}?", "answer": f"<p>Answer {language}.</p>"},
                        }
                    ]
                ),
            ),
        )
    return tree


@pytest.fixture
def exam(db):
    return ExamFactory(code="egov-test", attempts_allowed=2)


@pytest.fixture
def tree(exam) -> Tree:
    return build_tree(exam)
