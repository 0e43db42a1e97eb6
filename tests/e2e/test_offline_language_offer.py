"""The offline verifier offers a Russian or English browser its language version (H13)."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("locale", "offered"), [("ru-RU", "ru"), ("en-GB", "en"), ("uz-UZ", None)])
def test_the_uz_page_shows_a_link_to_the_browser_language(browser, live_server, locale, offered):
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/v/offline/")
        page.wait_for_selector("#offline-verifier")
        offer = page.locator("#offline-language-offer")
        if offered is None:
            page.wait_for_timeout(300)
            assert offer.is_hidden()
            return
        link = page.locator(f"[data-offer-language='{offered}']")
        link.wait_for(state="visible")
        assert offer.is_visible()
        assert link.get_attribute("href") == f"/v/offline/{offered}/"
        others = [code for code in ("ru", "en") if code != offered]
        assert all(page.locator(f"[data-offer-language='{code}']").is_hidden() for code in others)
        assert page.url.endswith("/v/offline/")  # no redirect
    finally:
        context.close()
