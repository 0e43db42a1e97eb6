"""Error pages in the user's language, the language menu in endonyms and the favicon (H13)."""

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db

UZ_404 = "Sahifa topilmadi"
RU_404 = "Страница не найдена"


@override_settings(DEBUG=False)
def test_an_unknown_uz_address_gives_the_uz_404_page(client):
    response = client.get("/uz/does-not-exist/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-error="404"' in html
    assert UZ_404 in html
    assert '<html lang="uz">' in html


@override_settings(DEBUG=False)
def test_an_unknown_ru_address_gives_the_ru_404_page(client):
    response = client.get("/ru/does-not-exist/")
    assert response.status_code == 404
    assert RU_404 in response.content.decode()


@override_settings(DEBUG=False)
def test_the_500_page_is_standalone_and_translated():
    request = RequestFactory().get("/ru/x/")
    with translation.override("ru"):
        response = defaults.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert 'data-error="500"' in html
    assert "Ошибка сервера" in html


@override_settings(DEBUG=False)
def test_a_sign_in_form_with_an_expired_csrf_token_says_the_page_expired_and_offers_a_reload():
    client = Client(enforce_csrf_checks=True)
    with translation.override("uz"):
        url = reverse("account_login")
    response = client.post(url, {"login": "a@example.uz", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-error="403-csrf"' in html
    assert "Sahifa eskirdi" in html
    assert f'id="csrf-reload" href="{url}"' in html


@override_settings(DEBUG=False)
def test_the_403_and_400_pages_are_translated():
    request = RequestFactory().get("/uz/x/")
    request.user = None
    with translation.override("uz"):
        forbidden = defaults.permission_denied(request, exception=None).content.decode()
        bad = defaults.bad_request(request, exception=None).content.decode()
    assert 'data-error="403"' in forbidden and "Ruxsat yoʻq" in forbidden
    assert 'data-error="400"' in bad and "Notoʻgʻri soʻrov" in bad


def test_the_language_menu_names_each_language_in_its_own_language(client):
    html = client.get("/uz/accounts/login/").content.decode()
    menu = html.split('id="language-select"')[1].split("</select>")[0]
    assert ">Oʻzbekcha</option>" in menu
    assert ">Русский</option>" in menu
    assert ">English</option>" in menu
    assert "Ingliz" not in menu


def test_pages_link_a_favicon_and_favicon_ico_redirects_to_it(client):
    html = client.get("/uz/accounts/login/").content.decode()
    assert 'rel="icon"' in html and "certify/favicon.svg" in html
    response = client.get("/favicon.ico")
    assert response.status_code in (301, 302)
    assert response["Location"].endswith("certify/favicon.svg")
