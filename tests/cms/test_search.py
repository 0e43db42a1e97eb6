"""Site search: the current language's live, public pages only, paginated, bounded input."""

import json
import re

import pytest
from wagtail.models import PageViewRestriction

from cms.models import ModulePage
from cms.views import QUERY_MAX_LENGTH, RESULTS_PER_PAGE

from .conftest import paragraph, publish

pytestmark = pytest.mark.django_db


def found(client, url: str) -> list[int]:
    """The page ids listed on a search result page."""
    response = client.get(url)
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'data-page-id="(\d+)"', response.content.decode())]


def test_a_word_of_a_module_body_finds_the_module_in_its_language_only(client, tree):
    uz_module, ru_module = tree.pages[("uz", "module")], tree.pages[("ru", "module")]
    assert uz_module.pk in found(client, "/uz/search/?q=kalit")
    # The Uzbek word is in no Russian page; the Russian word finds the Russian module only.
    assert found(client, "/ru/search/?q=kalit") == []
    assert ru_module.pk in found(client, "/ru/search/?q=подпись")
    assert uz_module.pk not in found(client, "/ru/search/?q=подпись")
    assert found(client, "/uz/search/?q=подпись") == []


def test_drafts_and_private_pages_are_not_found(client, tree):
    programme = tree.pages[("uz", "programme")]
    draft = ModulePage(
        title="Qoralama",
        slug="qoralama",
        locale=programme.locale,
        live=False,
        body=json.dumps([paragraph("maxfiysoʻz")]),
    )
    programme.add_child(instance=draft)
    draft.save_revision()  # saved, never published
    private = publish(
        programme,
        ModulePage(title="Yopiq", slug="yopiq", locale=programme.locale, body=json.dumps([paragraph("maxfiysoʻz")])),
    )
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    public = publish(
        programme,
        ModulePage(title="Ochiq", slug="ochiq", locale=programme.locale, body=json.dumps([paragraph("maxfiysoʻz")])),
    )
    assert found(client, "/uz/search/?q=maxfiysoʻz") == [public.pk]


def test_an_empty_query_gives_a_friendly_page_and_a_long_one_is_refused(client, tree):
    html = client.get("/uz/search/?q=%20%20").content.decode()
    assert 'data-search="empty"' in html and "data-page-id" not in html
    html = client.get("/uz/search/").content.decode()
    assert 'data-search="empty"' in html
    too_long = "kalit " * (QUERY_MAX_LENGTH // 5)
    html = client.get("/uz/search/", {"q": too_long}).content.decode()
    assert 'data-search="too-long"' in html and "data-page-id" not in html


def test_hostile_queries_are_shown_escaped_and_do_not_fail(client, tree):
    for query in ["<script>alert(1)</script>", "' OR 1=1 --", "%", '"unterminated', "AND OR NOT", "\x00"]:
        response = client.get("/uz/search/", {"q": query})
        assert response.status_code == 200, query
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_results_are_paginated(client, tree):
    programme = tree.pages[("en", "programme")]
    for number in range(RESULTS_PER_PAGE + 2):
        publish(
            programme,
            ModulePage(title=f"Lesson {number}", slug=f"lesson-{number}", locale=programme.locale, body=json.dumps([])),
        )
    first = found(client, "/en/search/?q=lesson")
    second = found(client, "/en/search/?q=lesson&page=2")
    assert len(first) == RESULTS_PER_PAGE and len(second) == 2
    assert not set(first) & set(second)
    assert found(client, "/en/search/?q=lesson&page=999") == second  # out of range: the last page
    assert found(client, "/en/search/?q=lesson&page=abc") == first
    html = client.get("/en/search/?q=lesson").content.decode()
    assert 'rel="next" href="?q=lesson&amp;page=2"' in html


def test_the_header_has_a_search_box_on_every_page(client, tree):
    html = client.get(tree.url("ru", "module")).content.decode()
    assert re.search(r'<form class="site-search" role="search" method="get" action="/ru/search/">', html)
    assert 'name="q"' in html
