"""Issue 11 "Done when", in real Chromium: a candidate sits an exam with an appeal window and
fails it, appeals one item, an examiner voids that item in the admin (which lifts the score
over the cut score), the window ends and the certificate follows."""

import datetime
from decimal import Decimal

import pytest

from accounts.roles import EXAMINER, role_group, roles_setup
from certificates.models import Certificate
from exams.models import Attempt
from tests.answers import correct_response
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice
from verification.models import ExamVerificationPolicy, ResultVerification
from verification.services.results import verification_sweep

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base, email, password, next_url):
    page.goto(f"{base}/uz/accounts/login/?next={next_url}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form [type=submit]")


def test_an_appeal_voids_an_item_lifts_the_score_over_the_cut_and_the_certificate_follows(
    page, browser, live_server, django_user_model, settings
):
    settings.CERTIFY_REQUIRE_STAFF_MFA = False
    category = CategoryFactory(name="Huquqiy asos")
    for n in range(5):
        approved_question(category=category, data=single_choice(f"Qonun {n}"))
    exam = ExamFactory(code="apellyatsiya", cut_score=Decimal("70"), shuffle_items=False, attempts_allowed=1)
    blueprint(exam, [(category, 5)])
    ExamVerificationPolicy.objects.create(exam=exam, mode="appeal_window", appeal_days=7)
    django_user_model.objects.create_user(
        email="nomzod@example.uz", password="Kuchli-Parol-2026", full_name="Gʻayrat Oʻrinboyev"
    )
    roles_setup()
    examiner = django_user_model.objects.create_user(
        email="imtihonchi@example.uz", password="Kuchli-Parol-2026", full_name="Imtihonchi", is_staff=True
    )
    examiner.groups.add(role_group(EXAMINER))
    base = live_server.url

    # The candidate sits the exam: items 1-3 right, 4-5 wrong -> 60 %, below the 70 % cut score.
    _sign_in(page, base, "nomzod@example.uz", "Kuchli-Parol-2026", "/uz/exams/apellyatsiya/")
    page.wait_for_url("**/exams/apellyatsiya/")
    page.click("form[action$='/start/'] button")
    page.wait_for_selector("#attempt-form")
    attempt = Attempt.objects.get()
    for item in attempt.items.select_related("question_version").order_by("position"):
        right = correct_response(item.question_version.data)["choice"]
        choice = right if item.position <= 3 else ("4" if right != "4" else "3")
        page.check(f"input[name='item-{item.position}-choice'][value='{choice}']")
    page.click("button[name=goto][value=summary]")
    page.click("#submit-button")
    page.wait_for_selector("#result-banner")
    assert "status-revoked" in page.get_attribute("#result-banner", "class")  # not passed
    attempt.refresh_from_db()
    assert attempt.passed is False and attempt.percent == 60
    assert ResultVerification.objects.get(attempt=attempt).state == "waiting"

    # The appeal page (linked from the result page) shows the window and takes an item appeal.
    page.goto(f"{base}/uz/verification/attempts/{attempt.pk}/appeal/")
    assert page.get_attribute("#verification-status", "data-state") == "waiting"
    assert page.locator("#verification-status [data-waiting='window']").count() == 1
    page.check("input[name=kind][value=item]")
    page.select_option("select[name=position]", "5")
    page.fill("textarea[name=comment]", "5-savolda ikkita toʻgʻri javob bor.")
    page.click("#appeal-submit")
    page.wait_for_url("**/result/")
    appeal = attempt.appeals.get()
    assert appeal.item.position == 5 and appeal.comment == "5-savolda ikkita toʻgʻri javob bor."

    # The examiner, in the admin, finds it in the queue and voids the item with a reason.
    staff = browser.new_context(locale="uz-UZ")
    staff.set_default_timeout(15_000)
    admin = staff.new_page()
    try:
        _sign_in(admin, base, "imtihonchi@example.uz", "Kuchli-Parol-2026", "/admin/verification/")
        admin.wait_for_selector(f"#open-appeals tr[data-appeal='{appeal.pk}']")
        admin.click(f"#open-appeals tr[data-appeal='{appeal.pk}'] a")
        admin.wait_for_selector(f"#decide-{appeal.pk}")
        assert admin.locator(f".appeal[data-appeal='{appeal.pk}'] .void-plan tr[data-attempt='{attempt.pk}']").count()
        admin.select_option(f"#decide-{appeal.pk} select[name='appeal-{appeal.pk}-decision']", "void_item")
        admin.fill(f"#decide-{appeal.pk} textarea[name='appeal-{appeal.pk}-reason']", "Savolda ikki toʻgʻri javob bor.")
        admin.click(f"#decide-{appeal.pk} button")
        admin.wait_for_selector(f".appeal[data-appeal='{appeal.pk}'][data-appeal-state='decided']")
        assert admin.get_attribute("#integrity-check", "data-ok") == "true"
    finally:
        staff.close()

    # 3 of the 4 items that count: 75 %, over the cut score; the certificate waits for the window.
    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score, attempt.passed) == (Decimal(3), Decimal(4), True)
    assert not Certificate.objects.filter(attempt=attempt).exists()
    page.goto(f"{base}/uz/verification/attempts/{attempt.pk}/appeal/")
    assert page.locator("#verification-appeals [data-decision='void_item']").count() == 1
    assert page.locator("#verification-certificate-note").count() == 1

    # The window ends with no open appeal: the result is verified and the certificate follows.
    verification_sweep(now=attempt.final_at + datetime.timedelta(days=7, minutes=1))
    certificate = Certificate.objects.get(attempt=attempt)
    page.goto(f"{base}/uz/certificates/")
    assert page.locator(f"text={certificate.serial}").count() >= 1
