"""The offline verifier page: one "last synchronised" line, and a visible offer of the page in
the browser's language without a redirect (the page stays identical for everyone) (H13)."""

import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def _offers(html: str) -> dict[str, str]:
    block = html.split('id="offline-language-offer"')[1].split("</p>")[0]
    return {language: href for href, language in re.findall(r'<a href="([^"]+)" lang="(\w+)"', block)}


def test_the_page_is_the_same_whatever_the_accept_language_and_never_redirects(client):
    plain = client.get("/v/offline/")
    russian = client.get("/v/offline/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")
    english = client.get("/v/offline/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8")
    assert plain.status_code == russian.status_code == english.status_code == 200
    assert plain.content == russian.content == english.content


def test_the_uz_page_carries_hidden_links_to_ru_and_en_each_in_its_own_language(client):
    html = client.get("/v/offline/").content.decode()
    assert _offers(html) == {"ru": "/v/offline/ru/", "en": "/v/offline/en/"}
    block = html.split('id="offline-language-offer"')[1].split("</p>")[0]
    assert "Открыть эту страницу на вашем языке" in block
    assert "Open this page in your language" in block  # the English link, in English
    assert 'id="offline-language-offer" class="message" hidden' in html


def test_the_ru_page_offers_uz_and_en_but_not_itself(client):
    html = client.get("/v/offline/ru/").content.decode()
    assert _offers(html) == {settings.LANGUAGE_CODE: "/v/offline/", "en": "/v/offline/en/"}
    assert "Bu sahifani oʻz tilingizda ochish" in html


def test_the_script_shows_the_offer_from_navigator_languages_and_prints_the_sync_line_once():
    script = (settings.BASE_DIR / "certificates/static/certificates/offline-verifier.js").read_text()
    assert "navigator.languages" in script and "data-offer-language" in script
    # The sync time is written only into #offline-sync, never appended again under a result.
    uses = [line for line in script.splitlines() if "syncedText()" in line and "function syncedText" not in line]
    assert uses and all("syncLine.textContent = syncedText()" in line for line in uses)
