"""The CMS pages in real Chromium: axe-core clean, and usable with JavaScript off.

Uses the session's browser (tests/e2e/conftest.py; it lives here because a second import of
that session fixture elsewhere would start a second Playwright inside the first one's loop), the
axe helpers of tests/e2e/test_a11y.py and the small tree of tests/cms/conftest.py.
"""

import pytest

from tests.cms.conftest import exam, tree  # noqa: F401 - the small page tree of the CMS tests
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_a11y import axe, axe_violations, page  # noqa: F401 - fixtures and helper

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

assert CHROMIUM_ARGS  # the same flags as the other browser tests


@pytest.mark.parametrize("language", ["uz", "ru", "en"])
def test_the_cms_pages_have_no_serious_or_critical_axe_violations(page, live_server, axe, tree, language):  # noqa: F811
    base = live_server.url
    found = []
    for name in ("index", "programme", "module", "exam", "faq"):
        page.goto(base + tree.url(language, name))
        found += axe_violations(page, f"{language} {name}")
    page.goto(f"{base}/{language}/search/?q=kalit+подпись+signature")
    found += axe_violations(page, f"{language} search")
    page.goto(f"{base}/{language}/search/")
    found += axe_violations(page, f"{language} empty search")
    assert not found, "\n".join(found)


def test_with_javascript_off_the_faq_opens_and_the_header_search_finds_a_module(browser, live_server, tree):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, locale="uz-UZ", viewport={"width": 360, "height": 740})
    context.set_default_timeout(15_000)
    try:
        tab = context.new_page()
        base = live_server.url
        tab.goto(base + tree.url("uz", "faq"))
        answer = tab.locator(".faq-answer").first
        assert not answer.is_visible()
        tab.click(".faq-item summary")
        assert answer.is_visible()
        # The header's search box, submitted with the Enter key.
        tab.fill("#site-search-q", "kalit")
        tab.press("#site-search-q", "Enter")
        tab.wait_for_url("**/uz/search/?q=kalit")
        tab.click(f"a[href='{tree.url('uz', 'module')}']")
        assert tab.url.endswith(tree.url("uz", "module"))
        # The exam block's sign-in link works without JavaScript too, and comes back here.
        href = tab.get_attribute("[data-exam-state=signed-out] a", "href")
        assert href.endswith(f"?next={tree.url('uz', 'module')}")
    finally:
        context.close()
