"""The page types: they render in uz, ru and en, fit only where they belong, escape hostile
text and need no JavaScript."""

import json
import re

import pytest
from django.utils import translation
from wagtail.admin.rich_text import DraftailRichTextArea

from cms.blocks import BodyBlock
from cms.models import ContentPage, ExamPage, HomePage, ModulePage, ProgrammeIndexPage, ProgrammePage, StandardPage

from .conftest import LANGUAGES, MODULE_TEXT, publish

pytestmark = pytest.mark.django_db

PAGE_NAMES = ("home", "index", "programme", "module", "exam", "faq")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_type_renders_in_its_language(client, tree, language):
    for name in PAGE_NAMES:
        page = tree.pages[(language, name)]
        url = page.get_url()
        assert url.startswith(f"/{language}/"), url
        response = client.get(url)
        assert response.status_code == 200, (name, url)
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
        assert f"<h1>{page.title}</h1>" in html or f"{page.title}</h1>" in html
    module_html = client.get(tree.url(language, "module")).content.decode()
    assert MODULE_TEXT[language] in module_html


def test_the_programme_index_lists_its_programmes_and_the_programme_its_modules_and_exams(client, tree):
    index_html = client.get(tree.url("uz", "index")).content.decode()
    assert f'href="{tree.url("uz", "programme")}"' in index_html
    programme_html = client.get(tree.url("uz", "programme")).content.decode()
    assert f'href="{tree.url("uz", "module")}"' in programme_html
    assert f'href="{tree.url("uz", "exam")}"' in programme_html
    # The home page lists the programmes of its own language only.
    home_html = client.get(tree.url("uz", "home")).content.decode()
    assert f'href="{tree.url("uz", "programme")}"' in home_html
    assert tree.url("ru", "programme") not in home_html


def test_the_faq_is_questions_and_answers_that_open_without_javascript(client, tree):
    html = client.get(tree.url("en", "faq")).content.decode()
    assert re.search(r"<details class=\"faq-item\"><summary>Question en\?</summary>.*Answer en\.", html, re.S)


def test_pages_fit_only_where_they_belong(tree):
    home, index, programme, module = (tree.pages[("uz", name)] for name in ("home", "index", "programme", "module"))
    assert ProgrammeIndexPage.can_exist_under(home)
    assert ProgrammePage.can_exist_under(index) and ProgrammePage.can_exist_under(home)
    assert ModulePage.can_exist_under(programme)
    assert ExamPage.can_exist_under(programme)
    assert StandardPage.can_exist_under(home)
    # Nonsense trees are refused.
    assert not ModulePage.can_exist_under(home)
    assert not ModulePage.can_exist_under(index)
    assert not ModulePage.can_exist_under(module)
    assert not ProgrammePage.can_exist_under(module)
    assert not StandardPage.can_exist_under(programme)
    assert not HomePage.can_exist_under(home)
    assert not ExamPage.can_exist_under(module)
    assert not ProgrammeIndexPage.can_create_at(home)  # one index per home, and it exists
    # The older generic page keeps working where it was.
    assert ContentPage.can_exist_under(home)


def test_a_script_in_a_title_is_escaped(client, tree):
    hostile = '<script>alert("x")</script>'
    page = publish(
        tree.pages[("uz", "programme")],
        ModulePage(title=f"Modul {hostile}", slug="hostile", locale=tree.pages[("uz", "home")].locale, body="[]"),
    )
    html = client.get(page.get_url()).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_rich_text_from_the_editor_keeps_no_script_and_no_javascript_link(client, tree):
    """What a trainer types in the editor goes through Wagtail's converter, which whitelists."""
    contentstate = {
        "blocks": [
            {
                "key": "a1",
                "type": "unstyled",
                "text": "<script>alert(1)</script> bosing",
                "depth": 0,
                "inlineStyleRanges": [],
                "entityRanges": [{"offset": 27, "length": 5, "key": 0}],
                "data": {},
            }
        ],
        "entityMap": {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": "javascript:alert(2)"}}},
    }
    widget = BodyBlock().child_blocks["paragraph"].field.widget
    assert isinstance(widget, DraftailRichTextArea)
    stored = widget.value_from_datadict({"body": json.dumps(contentstate)}, {}, "body")
    page = publish(
        tree.pages[("uz", "programme")],
        ModulePage(
            title="Modul",
            slug="editor",
            locale=tree.pages[("uz", "home")].locale,
            body=json.dumps([{"type": "paragraph", "value": stored}]),
        ),
    )
    html = client.get(page.get_url()).content.decode()
    body = html.split('<article class="module">', 1)[1].split("</article>", 1)[0]
    assert "<script" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "javascript:" not in body


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_pages_are_complete_without_javascript(client, tree, name):
    """Server-rendered: no script on the CMS pages, and their content is in the HTML itself."""
    page = tree.pages[("en", name)]
    html = client.get(page.get_url()).content.decode()
    assert "<script" not in html
    assert "<noscript" not in html
    assert page.title in html


def test_a_module_page_links_the_previous_and_next_module(client, tree):
    programme = tree.pages[("uz", "programme")]
    second = publish(programme, ModulePage(title="Ikkinchi modul", slug="modul-2", locale=programme.locale, body="[]"))
    first_html = client.get(tree.url("uz", "module")).content.decode()
    second_html = client.get(second.get_url()).content.decode()
    assert f'rel="next" href="{second.get_url()}"' in first_html
    assert f'rel="prev" href="{tree.url("uz", "module")}"' in second_html


def test_breadcrumbs_are_translated(client, tree):
    with translation.override("ru"):
        label = translation.gettext("Breadcrumb")
    html = client.get(tree.url("ru", "module")).content.decode()
    assert f'aria-label="{label}"' in html
    assert label != "Breadcrumb"
