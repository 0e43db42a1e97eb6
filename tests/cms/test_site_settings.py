"""Site settings: organisation, contacts, footer and social links in every page's footer."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Site

from cms.models import SiteSettings

pytestmark = pytest.mark.django_db


def footer(client, url: str) -> str:
    html = client.get(url).content.decode()
    return html.split('<footer class="site-footer">', 1)[1].split("</footer>", 1)[0]


def test_settings_appear_in_the_footer_in_the_page_language_with_uzbek_as_fallback(client, tree):
    SiteSettings.objects.create(
        site=Site.objects.get(is_default_site=True),
        organisation_name_uz="Raqamli texnologiyalar vazirligi",
        organisation_name_ru="Министерство цифровых технологий",
        address_uz="Toshkent sh., Amir Temur koʻchasi, 4",
        phone="+998 71 200 00 00",
        email="info@example.uz",
        footer_ru="<p>Платформа <b>Certify</b></p>",
        telegram_url="https://t.me/example",
    )
    ru = footer(client, tree.url("ru", "module"))
    assert "Министерство цифровых технологий" in ru
    assert "<p>Платформа <b>Certify</b></p>" in ru
    assert 'href="tel:+998712000000"' in ru and 'href="mailto:info@example.uz"' in ru
    assert 'href="https://t.me/example"' in ru
    en = footer(client, tree.url("en", "home"))
    assert "Raqamli texnologiyalar vazirligi" in en  # no English name: the Uzbek one
    assert "Toshkent sh., Amir Temur koʻchasi, 4" in en
    with translation.override("en"):
        assert translation.gettext("Certify: certification of e-Government specialists") in en  # no footer text


def test_without_settings_the_built_in_footer_is_shown(client, tree):
    html = footer(client, tree.url("ru", "home"))
    with translation.override("ru"):
        expected = translation.gettext("Certify: certification of e-Government specialists")
    assert expected in html
    assert "<address" not in html
    assert not SiteSettings.objects.exists()  # showing a page writes nothing


def test_a_hostile_footer_is_cleaned_before_it_reaches_a_page(client, tree):
    SiteSettings.objects.create(
        site=Site.objects.get(is_default_site=True),
        footer_uz='<p onclick="x()">Salom<script>alert(1)</script> <a href="javascript:alert(2)">bu</a></p>',
    )
    html = footer(client, tree.url("uz", "home"))
    assert "Salom" in html
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html


def test_the_settings_are_read_once_per_page(client, tree):
    SiteSettings.objects.create(site=Site.objects.get(is_default_site=True), organisation_name_uz="Vazirlik")
    client.get(tree.url("uz", "faq"))
    with CaptureQueriesContext(connection) as queries:
        html = client.get(tree.url("uz", "faq")).content.decode()
    assert "Vazirlik" in html
    assert len([q for q in queries.captured_queries if "cms_sitesettings" in q["sql"]]) == 1


def test_the_logo_appears_in_the_header(client, tree):
    logo = Image.objects.create(title="Logo", file=get_test_image_file(size=(120, 80)))
    SiteSettings.objects.create(site=Site.objects.get(is_default_site=True), logo=logo)
    html = client.get(tree.url("uz", "home")).content.decode()
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    assert re.search(r'<a class="brand" href="/uz/"><img alt="" class="brand-logo" [^>]*height="40"', header), header
