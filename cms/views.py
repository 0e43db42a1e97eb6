"""The site search: ``/<language>/search/?q=...&page=N`` over the live, public pages of the
current language, through Wagtail search (the database backend, WAGTAILSEARCH_BACKENDS)."""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from wagtail.models import Locale, Page

QUERY_MAX_LENGTH = 100  # characters; a longer query is refused with a message, not cut
RESULTS_PER_PAGE = 10
# Everything but letters, digits and the Uzbek apostrophes (ʻ U+02BB, ʼ U+02BC) becomes a
# space before the backend sees it: quotes, brackets and operators of the full-text syntax
# (SQLite FTS5 fails on an unterminated quote) are not search terms.
NOT_A_TERM = re.compile(r"[^\w\u02bb\u02bc]+")


def search(request: HttpRequest) -> HttpResponse:
    """Render ``cms/search.html``: ``query`` (str, white space folded), ``error`` (int |
    None: the length limit, when the query is longer), ``results`` (a paginator page of
    specific pages, or None when the query holds no search term). Only pages of the active
    locale (the URL's language prefix), live and public (no drafts, no private pages), every
    term required, in the search backend's relevance order.
    """
    query = " ".join(request.GET.get("q", "").split())
    # Lower case: "OR", "AND", "NOT" typed by a visitor are words, not operators.
    terms = " ".join(NOT_A_TERM.sub(" ", query).split()).lower()
    error = None
    results = None
    if len(query) > QUERY_MAX_LENGTH:
        error = QUERY_MAX_LENGTH
    elif terms:
        pages = (
            Page.objects.live().public().filter(locale=Locale.get_active(), depth__gt=1).search(terms, operator="and")
        )
        results = Paginator(pages, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        # One query for the specific pages of this result page (intro, search description), in the same order.
        specific = Page.objects.filter(pk__in=[page.pk for page in results.object_list]).specific().in_bulk()
        results.object_list = [specific[page.pk] for page in results.object_list if page.pk in specific]
    return render(
        request,
        "cms/search.html",
        {"query": query, "error": error, "results": results, "query_max_length": QUERY_MAX_LENGTH},
    )
