"""Accessibility of the candidate's and the verifier's pages, in real Chromium (issue 6, items 4-6 and 8).

- axe-core (npm, ``package-lock.json``; ``make node-deps``) is injected into each page of the main
  path, in Uzbek, Russian and English: no violation of impact "serious" or "critical" may remain
  (the others are printed, to be seen in ``pytest -s``).
- An attempt is answered with the keyboard alone, and the focus is visible on the way.
- On a 360 x 740 phone the attempt page does not scroll sideways and the timer stays in view.
- With JavaScript off an attempt is started, answered by form posts, paged and submitted.
- The screenshots in docs/screenshots/ are taken on the way (Uzbek interface).
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import User
from certificates.models import Certificate
from cms.demo import DEMO_PASSWORD
from exams.models import Attempt, AttemptItem, Exam
from exams.services.attempts import answer_save, attempt_start, attempt_submit
from tests.answers import correct_response
from tests.conftest import require_or_skip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The README's screenshots are refreshed on request (CERTIFY_UPDATE_SCREENSHOTS=1); an ordinary
# run writes them under test-artifacts/ so that a test run leaves the work tree clean.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("CERTIFY_UPDATE_SCREENSHOTS")
    else ROOT / "test-artifacts" / "screenshots"
)
BLOCKING = ("serious", "critical")
CANDIDATE = "candidate@certify.uz"
PASSWORD = DEMO_PASSWORD
MODULE_PAGE = "elektron-hukumat-asoslari/legal-framework-and-e-signature/"


@pytest.fixture
def axe():
    require_or_skip(AXE.exists(), "axe-core is not installed (make node-deps)", required_by="CERTIFY_REQUIRE_E2E")
    return AXE


@pytest.fixture
def page(browser, live_server, settings):
    """Like tests/e2e/conftest.py's page, but the Content-Security-Policy (script-src 'self') is
    bypassed, so that axe-core can be injected; the site's own pages are unchanged."""
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(locale="uz-UZ", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def demo():
    """The demo data set; the demo candidate is the one who signs in."""
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return User.objects.get(email=CANDIDATE)


def axe_violations(page, where: str) -> list[str]:
    """Run axe-core on the page as it is now; print every violation, return the blocking ones
    (impact serious or critical) as readable lines: ``where: rule (impact): help -> targets``."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    blocking = []
    for violation in results["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
        line = f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} -> {targets}"
        print(line)
        if violation["impact"] in BLOCKING:
            blocking.append(line)
    return blocking


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def sign_in(page, base: str, language: str, *, email: str = CANDIDATE, password: str = PASSWORD) -> None:
    page.goto(f"{base}/{language}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, "the demo candidate could not sign in"


def answer_all_right(attempt: Attempt, candidate: User) -> None:
    """Save the right response of every item through the service (as autosave would)."""
    for item in attempt.items.select_related("question_version").order_by("position"):
        answer_save(
            attempt_id=attempt.pk,
            candidate=candidate,
            position=item.position,
            response=correct_response(item.question_version.data),
        )


def passed_attempt(candidate: User, exam: Exam) -> tuple[Attempt, Certificate]:
    """A submitted, passed attempt of ``exam`` and its certificate."""
    attempt = attempt_start(exam=exam, candidate=candidate)
    answer_all_right(attempt, candidate)
    attempt = attempt_submit(attempt_id=attempt.pk, by=candidate)
    assert attempt.passed
    return attempt, Certificate.objects.get(attempt=attempt)


@pytest.mark.parametrize("language", ["uz", "ru", "en"])
def test_the_main_path_has_no_serious_or_critical_axe_violations(page, live_server, axe, demo, language):
    """Home, a training module, sign-in, the exam page, an attempt page, the summary, the result,
    "My certificates" and the verification page: axe-core finds nothing serious or critical."""
    base = live_server.url
    shots = language == "uz"
    found: list[str] = []

    page.goto(f"{base}/{language}/")
    found += axe_violations(page, f"{language} home")
    if shots:
        screenshot(page, "home")
    page.goto(f"{base}/{language}/{MODULE_PAGE}")
    assert page.locator("main h1").count() == 1
    found += axe_violations(page, f"{language} training module")
    page.goto(f"{base}/{language}/accounts/login/")
    found += axe_violations(page, f"{language} sign-in")
    page.fill("input[name=login]", CANDIDATE)
    page.fill("input[name=password]", "not-the-password")
    page.click("form [type=submit]")
    page.wait_for_load_state()
    found += axe_violations(page, f"{language} sign-in with an error")

    sign_in(page, base, language)
    page.goto(f"{base}/{language}/exams/")
    found += axe_violations(page, f"{language} my exams")
    exam = Exam.objects.get(code="egov-basics")
    page.goto(f"{base}/{language}/elektron-hukumat-asoslari/imtihon/")
    found += axe_violations(page, f"{language} exam page (CMS)")
    page.goto(f"{base}/{language}/exams/{exam.code}/")
    found += axe_violations(page, f"{language} exam page")
    if shots:
        screenshot(page, "exam")
    page.click("form[action$='/start/'] button")
    page.wait_for_selector("#attempt-form")
    found += axe_violations(page, f"{language} attempt page")

    attempt = Attempt.objects.get(candidate=demo, exam=exam)
    answer_all_right(attempt, demo)
    page.goto(f"{base}/{language}/exams/attempts/{attempt.pk}/submit/")
    page.wait_for_selector("#submit-form")
    found += axe_violations(page, f"{language} summary")
    page.click("#submit-button")
    page.wait_for_selector("#result-banner")
    found += axe_violations(page, f"{language} result")
    if shots:
        screenshot(page, "result")

    page.goto(f"{base}/{language}/certificates/")
    found += axe_violations(page, f"{language} my certificates")
    if shots:
        screenshot(page, "my-certificates")
    certificate = Certificate.objects.get(attempt=attempt)
    # The verification page has no language prefix: it follows the language cookie.
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    page.goto(f"{base}/v/{certificate.verification_code}")
    assert page.get_attribute("html", "lang") == language
    assert page.locator(".status-banner").get_attribute("data-status") == "valid"
    found += axe_violations(page, f"{language} verification")
    if shots:
        screenshot(page, "verification")
    page.goto(f"{base}/{language}/certificates/verify/")
    found += axe_violations(page, f"{language} verify form")

    assert not found, "serious or critical accessibility violations:\n" + "\n".join(found)


# --- keyboard only -------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "", value: el.value || "",
    checked: !!el.checked, id: el.id || "", classes: el.className || "",
    form: (el.form && el.form.getAttribute("action")) || "",
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def tab_to(page, wanted, *, limit: int = 80) -> dict:
    """Press Tab until ``wanted(focused)`` holds; returns the focused element's description."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if wanted(focused):
            return focused
    raise AssertionError("the keyboard never reached the wanted control")


def answer_page_by_keyboard(page, items: dict[str, tuple[str, dict]], *, leave_by: str) -> list[dict]:
    """Tab through one attempt page, giving the right response to each control met, until the
    button ``goto=leave_by`` has the focus, then press Enter on it.

    ``items`` maps an item's field prefix ("item-3-") to (qtype, right response). Radio groups are
    answered with the arrow keys, checkboxes with Space, text with typing, selects with the arrow
    keys. Returns every focused element seen (to check that the focus was visible).
    """
    seen = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused)
        if focused["tag"] == "button" and focused["name"] == "goto" and focused["value"] == leave_by:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return seen
        prefix = next((p for p in items if focused["name"].startswith(p)), None)
        if prefix is None or focused["name"].endswith("flagged"):
            continue
        qtype, response = items[prefix]
        field = focused["name"][len(prefix) :]
        if focused["type"] == "radio":
            wanted = response["choice"] if qtype == "single_choice" else ("true" if response["value"] else "false")
            for _step in range(12):
                if focused["value"] == wanted:
                    break
                page.keyboard.press("ArrowDown")  # moves the focus and checks the next option
                focused = page.evaluate(FOCUSED)
            assert focused["value"] == wanted, f"{prefix}: the arrow keys never reached option {wanted}"
            if not focused["checked"]:
                page.keyboard.press("Space")
        elif focused["type"] == "checkbox":
            if (focused["value"] in response["choices"]) != focused["checked"]:
                page.keyboard.press("Space")
        elif focused["tag"] == "select":
            answer = response["pairs"][field.removeprefix("pair-")]
            for _step in range(20):
                if focused["value"] == answer:
                    break
                page.keyboard.press("ArrowDown")
                focused = page.evaluate(FOCUSED)
            assert focused["value"] == answer, f"{prefix}{field}: the arrow keys never reached {answer!r}"
        elif field == "text":
            page.keyboard.type(response["text"])
        elif field == "value":
            page.keyboard.type(response["value"])
        elif field.startswith("rank-"):
            page.keyboard.type(str(response["order"].index(field.removeprefix("rank-")) + 1))
    raise AssertionError(f"the keyboard never reached the button {leave_by!r}")


def test_an_attempt_is_answered_and_submitted_with_the_keyboard_alone(page, live_server, demo):
    """From the exam page to the result with Tab, Space, the arrow keys and Enter only; the skip
    link leads into the content, and every control that takes the focus shows it (:focus-visible)."""
    base = live_server.url
    sign_in(page, base, "uz")
    page.goto(f"{base}/uz/exams/egov-basics/")

    assert page.evaluate("document.activeElement === document.body")
    skip = tab_to(page, lambda f: True)
    assert "skip-link" in skip["classes"] and skip["outline"]
    page.keyboard.press("Enter")
    start = tab_to(page, lambda f: f["tag"] == "button" and f["form"].endswith("/start/"))
    assert start["outline"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#attempt-form")

    attempt = Attempt.objects.get(candidate=demo)
    items = list(attempt.items.select_related("question_version").order_by("position"))
    by_section: dict[int, dict[str, tuple[str, dict]]] = {}
    for item in items:
        question = item.question_version.data
        by_section.setdefault(item.section_id, {})[f"item-{item.position}-"] = (
            question["qtype"],
            correct_response(question),
        )
    sections = list(by_section)  # in the order of the items' positions: one page per section
    seen = []
    for number, section_id in enumerate(sections, start=1):
        leave_by = "summary" if number == len(sections) else str(number + 1)
        seen += answer_page_by_keyboard(page, by_section[section_id], leave_by=leave_by)
    page.wait_for_selector("#submit-form")

    # The summary lists nothing unanswered: every answer given with the keyboard is saved.
    assert page.locator("#summary-unanswered").count() == 0
    assert all(item.response for item in attempt.items.all())
    invisible = {(f["tag"], f["type"], f["name"] or f["id"]) for f in seen if not f["outline"]}
    assert not invisible, f"focus not visible on {sorted(invisible)}"

    tab_to(page, lambda f: f["id"] == "submit-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result-banner")
    attempt.refresh_from_db()
    assert attempt.passed and attempt.percent == 100


# --- a phone -------------------------------------------------------------------------------


def test_on_a_360_pixel_phone_the_attempt_page_does_not_scroll_sideways_and_the_timer_stays_in_view(
    browser, live_server, settings, demo
):
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(locale="uz-UZ", viewport={"width": 360, "height": 740}, has_touch=True)
    context.set_default_timeout(15_000)
    phone = context.new_page()
    base = live_server.url
    try:
        sign_in(phone, base, "uz")
        attempt = attempt_start(exam=Exam.objects.get(code="egov-basics"), candidate=demo)
        for url in (f"{base}/uz/", f"{base}/uz/exams/egov-basics/", f"{base}/uz/exams/attempts/{attempt.pk}/"):
            phone.goto(url)
            width = phone.evaluate("document.scrollingElement.scrollWidth")
            assert width <= 360, f"{url} scrolls sideways on a phone: {width} px wide"
        screenshot(phone, "attempt-phone", full_page=False)

        # Halfway down and at the bottom of the page the timer is still at the top of the screen.
        for where in ("document.body.scrollHeight / 2", "document.body.scrollHeight"):
            phone.evaluate(f"window.scrollTo(0, {where})")
            assert phone.evaluate("window.scrollY") > 0
            box = phone.evaluate(
                "JSON.parse(JSON.stringify(document.getElementById('timer-bar').getBoundingClientRect()))"
            )
            assert 0 <= box["top"] <= 1 and box["bottom"] <= 740, box
            assert phone.is_visible("#clock")
    finally:
        context.close()


# --- JavaScript off ------------------------------------------------------------------------


def fill_right_answers(page, items: list[AttemptItem]) -> None:
    """Give the right answer to each item through the page's form controls (no script needed)."""
    for item in items:
        response = correct_response(item.question_version.data)
        qtype = item.question_version.data["qtype"]
        prefix = f"item-{item.position}-"
        if qtype == "single_choice":
            page.check(f"input[name='{prefix}choice'][value='{response['choice']}']")
        elif qtype == "multiple_response":
            for choice in response["choices"]:
                page.check(f"input[name='{prefix}choices'][value='{choice}']")
        elif qtype == "true_false":
            page.check(f"input[name='{prefix}value'][value='{'true' if response['value'] else 'false'}']")
        elif qtype in ("short_answer", "essay"):
            page.fill(f"[name='{prefix}text']", response["text"])
        elif qtype == "numerical":
            page.fill(f"input[name='{prefix}value']", response["value"])
        elif qtype == "matching":
            for pair_id, answer in response["pairs"].items():
                page.select_option(f"select[name='{prefix}pair-{pair_id}']", answer)
        elif qtype == "ordering":
            for rank, entry in enumerate(response["order"], start=1):
                page.fill(f"input[name='{prefix}rank-{entry}']", str(rank))
        else:
            raise AssertionError(f"no answer for {qtype}")


def test_with_javascript_off_an_attempt_is_answered_by_form_posts_and_submitted(browser, live_server, settings, demo):
    """No script at all: start, answer, go to the next section (a form post saves the page),
    finish, submit; the result page shows the pass and every answer is in the database."""
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(locale="uz-UZ", java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    base = live_server.url
    try:
        sign_in(page, base, "uz")
        page.goto(f"{base}/uz/exams/egov-basics/")
        page.click("form[action$='/start/'] button")
        page.wait_for_selector("#attempt-form")
        attempt = Attempt.objects.get(candidate=demo)
        items = list(attempt.items.select_related("question_version").order_by("position"))
        sections = list(dict.fromkeys(item.section_id for item in items))
        for number, section_id in enumerate(sections, start=1):
            fill_right_answers(page, [item for item in items if item.section_id == section_id])
            leave_by = "summary" if number == len(sections) else str(number + 1)
            page.click(f"button[name=goto][value='{leave_by}']")
            if leave_by != "summary":
                page.wait_for_url(f"**?page={number + 1}")
        page.wait_for_selector("#submit-form")
        assert page.locator("#summary-unanswered").count() == 0
        assert all(item.response for item in attempt.items.all())
        page.click("#submit-button")
        page.wait_for_selector("#result-banner")
        assert "status-valid" in page.get_attribute("#result-banner", "class")
        attempt.refresh_from_db()
        assert attempt.passed and attempt.percent == 100
    finally:
        context.close()
