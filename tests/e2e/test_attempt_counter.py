"""The attempt page in Chromium (H13): "Answered N of M" follows the answers across pages, and
"All answers saved" appears only after a save."""

import pytest
from django.utils import translation

from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _progress(page) -> str:
    return page.text_content("#progress").strip()


def test_the_answered_counter_updates_while_answering_and_saved_shows_only_after_a_save(
    page, live_server, django_user_model
):
    first, second = CategoryFactory(name="Huquqiy asos"), CategoryFactory(name="Xavfsizlik")
    for n in range(2):
        approved_question(category=first, data=single_choice(f"Qonun {n}"))
        approved_question(category=second, data=single_choice(f"Xavfsizlik {n}"))
    exam = ExamFactory(code="counter", shuffle_items=False)
    blueprint(exam, [(first, 2), (second, 2)])
    django_user_model.objects.create_user(
        email="sanoq@example.uz", password="Kuchli-Parol-2026", full_name="Gʻayrat Oʻrinboyev"
    )
    base = live_server.url
    with translation.override("uz"):
        template = translation.gettext("Answered %(answered)s of %(total)s")
        saved = translation.gettext("All answers saved")
    page.goto(f"{base}/uz/accounts/login/?next=/uz/exams/counter/")
    page.fill("input[name=login]", "sanoq@example.uz")
    page.fill("input[name=password]", "Kuchli-Parol-2026")
    page.click("form [type=submit]")
    page.wait_for_url("**/exams/counter/")
    page.click("form[action$='/start/'] button")
    page.wait_for_selector("#attempt-form")

    assert _progress(page) == template % {"answered": 0, "total": 4}
    page.wait_for_timeout(500)
    assert page.text_content("#save-status").strip() == ""  # nothing saved yet: no "all saved"

    page.check("input[name='item-1-choice'][value='1']")
    page.wait_for_function(f"() => document.getElementById('save-status').textContent === {saved!r}")
    assert _progress(page) == template % {"answered": 1, "total": 4}
    page.check("input[name='item-2-choice'][value='2']")
    page.wait_for_function("() => document.getElementById('progress').dataset.answered === '2'")
    assert _progress(page) == template % {"answered": 2, "total": 4}

    # Page 2: the answers of page 1 still count.
    page.wait_for_function(f"() => document.getElementById('save-status').textContent === {saved!r}")
    page.click("button[name=goto][value='2']")
    page.wait_for_url("**?page=2")
    assert _progress(page) == template % {"answered": 2, "total": 4}
    page.check("input[name='item-3-choice'][value='1']")
    page.wait_for_function("() => document.getElementById('progress').dataset.answered === '3'")
    assert _progress(page) == template % {"answered": 3, "total": 4}
