"""The whole path in each of the three languages, in real Chromium (issue 6, item 2, "Done when").

For ``uz``, ``ru`` and ``en`` one candidate goes home -> programme -> exam page -> sign-in ->
start -> answers every item through the page -> submit -> result "passed" -> My certificates
-> the public verification page. On every page: ``<html lang>`` is the language, a string of
the page in that language is shown (taken from the catalogue with ``gettext``, so the test
reads no English under ``uz``), axe-core finds nothing serious or critical, and on the Uzbek
and Russian pages no English UI word is left in the visible text. Dates on the result page
are written the locale's way. The Russian pages are screenshotted beside the Uzbek ones that
``test_a11y.py`` takes (``docs/screenshots/ru-*.png`` with ``CERTIFY_UPDATE_SCREENSHOTS=1``).

The last tests need no browser: the server-rendered dates, decimals and Russian plural forms.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from certificates.models import Certificate
from exams.models import Attempt, AttemptState, Exam
from tests.e2e.test_a11y import (  # noqa: F401  (axe and page are fixtures used by name)
    CANDIDATE,
    PASSWORD,
    axe,
    axe_violations,
    page,
    screenshot,
)
from tests.e2e.test_main_path import answer_item, wait_until_saved

# The demo's exam for each interface language: Russian items for the Russian interface.
EXAM_CODE = {"uz": "egov-basics", "ru": "egov-basics-ru", "en": "egov-basics"}
# English UI words that must not be left on an Uzbek or Russian page (whole words, case kept).
ENGLISH_UI = [
    "Submit",
    "Next",
    "Previous",
    "Sign in",
    "Sign In",
    "Sign out",
    "Sign up",
    "Password",
    "Remember Me",
    "Forgot your password?",
    "Certificate",
    "Certificates",
    "My certificates",
    "My exams",
    "Time left",
    "Passed",
    "Result",
    "Score",
    "Pass mark",
    "Submitted",
    "Question",
    "Verify",
    "Valid",
    "Holder",
    "Search",
    "Save",
    "Start",
    "Language",
    "Download",
    "Issued on",
    "Serial number",
]
# Long dates, as on the certificates: "2025-yil 5-mart, 19:30", "5 марта 2025 г. 19:30", "5 March 2025, 19:30".
LONG_DATE = {
    "uz": re.compile(r"^\d{4}-yil \d{1,2}-[a-zʻ]+, \d{1,2}:\d{2}$"),
    "ru": re.compile(r"^\d{1,2} [а-я]+ \d{4} г\. \d{1,2}:\d{2}$"),
    "en": re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}$"),
}

# The day alone, as on "My certificates" (issued on, valid until).
DAY = {
    "uz": re.compile(
        r"\b\d{4}-yil \d{1,2}-(yanvar|fevral|mart|aprel|may|iyun|iyul|avgust|sentabr|oktabr|noyabr|dekabr)\b"
    ),
    "ru": re.compile(r"\b\d{1,2} [а-я]+ \d{4} г\."),
    "en": re.compile(r"\b\d{1,2} [A-Z][a-z]+ \d{4}\b"),
}


def english_left(text: str) -> list[str]:
    return [word for word in ENGLISH_UI if re.search(rf"(?<![\w/.-]){re.escape(word)}(?![\w-])", text)]


def check_page(browser_page, language: str, where: str, msgids: tuple[str, ...]) -> list[str]:
    """The checks of every page; returns the blocking axe violations (asserted at the end,
    so that one run lists all of them). Fails at once on a wrong language."""
    assert browser_page.get_attribute("html", "lang") == language, f"{where}: <html lang> is not {language}"
    text = browser_page.inner_text("body")
    with translation.override(language):
        expected = [translation.gettext(msgid) for msgid in msgids]
    for msgid, shown in zip(msgids, expected, strict=True):
        if language != "en":
            assert shown != msgid, f"{where}: {msgid!r} has no {language} translation"
        assert shown in text, f"{where}: {shown!r} not on the page"
    if language != "en":
        assert not english_left(text), f"{where}: English left: {english_left(text)}"
    return axe_violations(browser_page, where)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["uz", "ru", "en"])
def test_the_whole_path_in_each_language(page, live_server, axe, language):  # noqa: F811
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    candidate = User.objects.get(email=CANDIDATE)
    candidate.language = language
    candidate.save(update_fields=["language"])
    exam = Exam.objects.get(code=EXAM_CODE[language])
    base = live_server.url
    shots = language == "ru"
    found: list[str] = []

    # Home -> programme -> exam page, by the links a visitor follows.
    page.goto(f"{base}/{language}/")
    found += check_page(page, language, f"{language} home", ("How certification works", "Verify a certificate"))
    if shots:
        screenshot(page, "ru-home")
    page.click(f"main a[href^='/{language}/'][href$='/elektron-hukumat-asoslari/']")
    page.wait_for_load_state()
    found += check_page(page, language, f"{language} programme", ("Training modules",))
    page.click(f"main a[href^='/{language}/'][href$='/imtihon/']")
    page.wait_for_load_state()
    with translation.override(language):
        assert exam.title in page.inner_text("main")
    found += check_page(page, language, f"{language} exam page", ("Sign in",))

    # Sign in from the exam page; back on the exam page, start.
    page.click(f"main a[href*='/{language}/accounts/login/']")
    page.wait_for_selector("input[name=login]")
    found += check_page(page, language, f"{language} sign-in", ("Sign In", "Password", "Forgot your password?"))
    page.fill("input[name=login]", CANDIDATE)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, "the demo candidate could not sign in"
    if "/imtihon/" not in page.url:
        page.goto(f"{base}/{language}/exams/{exam.code}/")
    page.click("form[action$='/start/'] button")
    page.wait_for_selector("#attempt-form")
    attempt = Attempt.objects.get(candidate=candidate, exam=exam, state=AttemptState.IN_PROGRESS)
    items = list(attempt.items.select_related("question_version").order_by("position"))
    sections = list(dict.fromkeys(item.section_id for item in items))
    for number, section_id in enumerate(sections, start=1):
        if number > 1:
            page.click(f"button[name=goto][value='{number}']")
            page.wait_for_url(f"**?page={number}")
        if number == 1:
            found += check_page(page, language, f"{language} attempt", ("Time left", "Finish the attempt…"))
            if shots:
                screenshot(page, "ru-attempt")
        for item in items:
            if item.section_id == section_id:
                answer_item(page, item)
        wait_until_saved(page)
    assert all(item.response for item in attempt.items.all()), "an answer given through the page was not saved"

    # Summary, submit, result.
    page.click("button[name=goto][value=summary]")
    page.wait_for_selector("#submit-form")
    found += check_page(page, language, f"{language} summary", ("Submit my answers",))
    page.click("#submit-button")
    page.wait_for_selector("#result-banner")
    assert "status-valid" in page.get_attribute("#result-banner", "class")
    found += check_page(page, language, f"{language} result", ("Passed", "Pass mark", "Submitted"))
    submitted = page.inner_text("#result-submitted").strip()
    assert LONG_DATE[language].match(submitted), f"{language} result: the date {submitted!r} is not the locale's"
    if shots:
        screenshot(page, "ru-result")
    attempt.refresh_from_db()
    assert attempt.passed

    # The dashboard's history dates the attempt the locale's way too.
    result_url = page.url
    page.goto(f"{base}/{language}/exams/")
    found += check_page(page, language, f"{language} my exams", ("History",))
    started = page.inner_text("main table time").strip()
    assert LONG_DATE[language].match(started), f"{language} my exams: the date {started!r} is not the locale's"

    # My certificates, then the public verification page (it follows the language cookie).
    page.goto(result_url)
    page.click("main a[href*='/certificates/']")
    page.wait_for_load_state()
    found += check_page(page, language, f"{language} my certificates", ("My certificates", "Serial number"))
    assert DAY[language].search(page.inner_text("main")), f"{language} my certificates: no date in the locale's form"
    if shots:
        screenshot(page, "ru-my-certificates")
    certificate = Certificate.objects.get(attempt=attempt)
    assert certificate.serial in page.inner_text("main")
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    page.goto(f"{base}/v/{certificate.verification_code}")
    assert page.locator(".status-banner").get_attribute("data-status") == "valid"
    found += check_page(page, language, f"{language} verification", ("Valid certificate", "Holder"))
    if shots:
        screenshot(page, "ru-verification")

    assert not found, "serious or critical accessibility violations:\n" + "\n".join(found)


def test_the_english_word_check_is_not_vacuous():
    assert english_left("Kirish\nSubmit my answers") == ["Submit"]
    assert english_left("Certify — sertifikatlar\n/uz/certificates/") == []


# --- without a browser: dates, decimals and plural forms as the server writes them ---------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "date", "decimal"),
    [
        ("uz", "2025-yil 5-mart, 19:30", "66,67"),
        ("ru", "5 марта 2025 г. 19:30", "66,67"),
        ("en", "5 March 2025, 19:30", "66.67"),
    ],
)
def test_the_result_page_writes_dates_and_decimals_the_locales_way(client, candidate, language, date, decimal):
    from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint

    category = CategoryFactory()
    for _ in range(3):
        approved_question(category=category)
    exam = ExamFactory(cut_score=Decimal("60.5"), review_policy="score")
    blueprint(exam, [(category, 3)])
    from exams.services.attempts import attempt_start, attempt_submit

    attempt = attempt_start(exam=exam, candidate=candidate)
    attempt = attempt_submit(attempt_id=attempt.pk, by=candidate)
    # 5 March 2025, 14:30 UTC is 19:30 in Tashkent; 2 of 3 points.
    submitted = datetime.datetime(2025, 3, 5, 14, 30, tzinfo=datetime.UTC)
    Attempt.objects.filter(pk=attempt.pk).update(
        submitted_at=submitted, score=Decimal(2), percent=Decimal("66.6666666"), passed=True
    )
    client.force_login(candidate)
    with translation.override(language):
        html = client.get(reverse("exams:result", args=[attempt.pk])).content.decode()
    shown = re.search(r'<time id="result-submitted"[^>]*>([^<]*)</time>', html).group(1)
    assert shown.startswith(date), shown
    assert f"{decimal} %" in html  # the percent
    assert ("60,50 %" if decimal == "66,67" else "60.50 %") in html  # the pass mark


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "минимум 1 слово"),
        (3, "минимум 3 слова"),
        (5, "минимум 5 слов"),
        (21, "минимум 21 слово"),
        (12, "минимум 12 слов"),
    ],
)
def test_the_essays_word_limits_take_the_three_russian_plural_forms(count, expected):
    item = {"position": 1, "points": 1, "prefix": "item-1-", "view": {"qtype": "essay", "min_words": count}}
    with translation.override("ru"):
        html = render_to_string("exams/items/item.html", {"item": item})
    assert expected in html
