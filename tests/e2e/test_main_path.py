"""The main job end to end, as a candidate, in real Chromium.

Sign up, reach the exam from the CMS pages, start, answer every item through the page
(autosave), move between sections, submit, see the result, download the certificate PDF,
render its page at 150 dpi, decode the QR code with zbar, open the decoded URL and see "valid".
"""

import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from exams.models import Attempt, AttemptItem
from tests.answers import correct_response

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def answer_item(page, item: AttemptItem) -> None:
    """Give the right answer to one item through the page's controls."""
    question = item.question_version.data
    response = correct_response(question)
    prefix = f"item-{item.position}-"
    section = page.locator(f"#item-{item.position}")
    qtype = question["qtype"]
    if qtype == "single_choice":
        section.locator(f"input[name='{prefix}choice'][value='{response['choice']}']").check()
    elif qtype == "multiple_response":
        for choice in response["choices"]:
            section.locator(f"input[name='{prefix}choices'][value='{choice}']").check()
    elif qtype == "true_false":
        value = "true" if response["value"] else "false"
        section.locator(f"input[name='{prefix}value'][value='{value}']").check()
    elif qtype == "short_answer":
        section.locator(f"input[name='{prefix}text']").fill(response["text"])
        section.locator(f"input[name='{prefix}text']").press("Tab")  # leaving the field saves at once
    elif qtype == "numerical":
        section.locator(f"input[name='{prefix}value']").fill(response["value"])
        section.locator(f"input[name='{prefix}value']").press("Tab")
    elif qtype == "matching":
        for pair_id, answer in response["pairs"].items():
            section.locator(f"select[name='{prefix}pair-{pair_id}']").select_option(answer)
    elif qtype == "ordering":
        for rank, item_id in enumerate(response["order"], start=1):
            section.locator(f"input[name='{prefix}rank-{item_id}']").fill(str(rank))
    else:
        raise AssertionError(f"no automatic answer for {qtype}")


def wait_until_saved(page) -> None:
    page.wait_for_function(
        "() => !Object.keys(JSON.parse(localStorage.getItem("
        "Object.keys(localStorage).find(k => k.endsWith('-queue')) || 'x') || '{}')).length"
    )


def test_a_candidate_signs_up_passes_the_exam_and_the_certificate_qr_verifies(page, live_server, tmp_path):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    base = live_server.url

    # From the home page to the exam through the CMS pages.
    page.goto(f"{base}/uz/")
    page.click("text=Elektron hukumat asoslari")
    page.click("a[href$='/imtihon/']")
    page.click("a.button[href*='/accounts/login/']")

    # Sign up with e-mail and password.
    page.click("a[href*='/accounts/signup/']")
    page.fill("input[name=email]", "yangi.nomzod@example.uz")
    page.fill("input[name=full_name]", "Oʻgʻiloy Toʻxtayeva")
    page.fill("input[name=password1]", "Kuchli-Parol-2026")
    page.fill("input[name=password2]", "Kuchli-Parol-2026")
    page.click("form [type=submit]")
    page.goto(f"{base}/uz/elektron-hukumat-asoslari/imtihon/")
    page.click("button:has-text('Start'), button:has-text('Boshlash')")

    page.wait_for_selector("#attempt-form")
    attempt = Attempt.objects.get(candidate__email="yangi.nomzod@example.uz")
    items = list(attempt.items.select_related("question_version").order_by("position"))
    assert len(items) == 10
    sections = sorted({item.section_id for item in items}, key=lambda s: [i.section_id for i in items].index(s))
    for number, section_id in enumerate(sections, start=1):
        if number > 1:
            page.click(f"button[name=goto][value='{number}']")
            page.wait_for_url(f"**?page={number}")
        for item in items:
            if item.section_id == section_id:
                answer_item(page, item)
        wait_until_saved(page)

    # Every answer given through the page is in the database, acknowledged by autosave.
    saved = {item.position: item.response for item in attempt.items.all()}
    for item in items:
        assert saved[item.position] is not None, f"item {item.position} was not saved"

    page.click("button[name=goto][value=summary]")
    page.click("#submit-button")
    page.wait_for_selector("#result-banner")
    assert "status-valid" in page.get_attribute("#result-banner", "class")
    attempt.refresh_from_db()
    assert attempt.passed and attempt.percent == 100

    # The certificate: download the PDF, decode its QR code from the page image.
    page.click("a[href*='/certificates/']")
    with page.expect_download() as download_info:
        page.click("a[href*='/certificates/download/']")
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    image = next(Path(tmp_path).glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=True)
    url = decoded.stdout.strip()
    assert url.upper().startswith(base.upper() + "/V/"), url

    page.goto(url)
    banner = page.locator(".status-banner")
    assert banner.get_attribute("data-status") == "valid"
    assert "Oʻgʻiloy Toʻxtayeva" in page.content()
