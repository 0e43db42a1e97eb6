"""The exam block and the exam page show the signed-in candidate's state of the exam."""

import datetime
import json
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts.models import Cohort
from certificates.services import certificate_issue
from cms.models import ModulePage
from exams.models import Attempt, AttemptState
from tests.factories import ExamFactory

from .conftest import exam_block, publish

pytestmark = pytest.mark.django_db

TASHKENT = zoneinfo.ZoneInfo("Asia/Tashkent")


def make_attempt(exam, candidate, *, state=AttemptState.FINAL, passed=None, number=None) -> Attempt:
    now = timezone.now()
    number = number or Attempt.objects.filter(exam=exam, candidate=candidate).count() + 1
    final = state == AttemptState.FINAL
    return Attempt.objects.create(
        exam=exam,
        candidate=candidate,
        number=number,
        seed=1,
        state=state,
        started_at=now - datetime.timedelta(minutes=20),
        deadline_at=now + datetime.timedelta(minutes=10),
        submitted_at=now if final else None,
        score=Decimal("9") if final else None,
        max_score=Decimal("10") if final else None,
        percent=Decimal("90") if passed else (Decimal("20") if final else None),
        passed=passed if final else None,
        final_at=now if final else None,
    )


def block_state(client, url: str) -> tuple[str, str]:
    """``(data-exam-state, the HTML from the state element to the end of its card)`` of the
    only exam block on the page."""
    html = client.get(url).content.decode()
    match = re.search(r'class="exam-state[^"]*" data-exam-state="([a-z-]+)"(.*?)</article>', html, re.S)
    assert match, html
    return match.group(1), match.group(0)


def test_signed_out_visitors_get_a_sign_in_link_that_comes_back(client, tree):
    url = tree.url("uz", "module")
    state, html = block_state(client, url)
    assert state == "signed-out"
    assert f'href="{reverse("account_login")}?next=/uz/dasturlar/dastur/modul/"' in html


def test_available_with_the_number_of_attempts_left(client, tree, candidate):
    client.force_login(candidate)
    make_attempt(tree.exam, candidate, passed=False)
    state, html = block_state(client, tree.url("en", "module"))
    assert state == "available"
    assert 'data-attempts-left="1"' in html
    with translation.override("en"):
        assert reverse("exams:detail", args=[tree.exam.code]) in html
    with translation.override("ru"):
        expected = translation.ngettext(
            "Available: %(left)s attempt left.", "Available: %(left)s attempts left.", 1
        ) % {"left": 1}
    assert expected in client.get(tree.url("ru", "module")).content.decode()


def test_in_progress_offers_resume(client, tree, candidate):
    client.force_login(candidate)
    attempt = make_attempt(tree.exam, candidate, state=AttemptState.IN_PROGRESS)
    state, html = block_state(client, tree.url("uz", "module"))
    assert state == "in-progress"
    assert f'href="{reverse("exams:take", args=[attempt.pk])}"' in html


def test_passed_links_the_certificate(client, tree, candidate):
    client.force_login(candidate)
    attempt = make_attempt(tree.exam, candidate, passed=True)
    state, html = block_state(client, tree.url("uz", "module"))
    assert state == "passed"
    assert reverse("certificates:mine") in html  # no certificate yet: the list of certificates
    certificate = certificate_issue(attempt_id=attempt.pk)
    state, html = block_state(client, tree.url("uz", "module"))
    assert state == "passed"
    assert reverse("certificates:download", args=[certificate.verification_code]) in html
    assert reverse("exams:result", args=[attempt.pk]) in html


def test_not_eligible_when_the_exam_is_for_another_cohort(client, tree, candidate):
    client.force_login(candidate)
    tree.exam.eligible_cohorts.add(Cohort.objects.create(name="Boshqa guruh"))
    state, _html = block_state(client, tree.url("uz", "module"))
    assert state == "not-eligible"
    cohort = Cohort.objects.create(name="Mening guruhim")
    cohort.members.add(candidate)
    tree.exam.eligible_cohorts.add(cohort)
    state, _html = block_state(client, tree.url("uz", "module"))
    assert state == "available"


@pytest.mark.parametrize("language", ["uz", "ru", "en"])
def test_opens_on_a_date_in_tashkent_time_formatted_for_the_language(client, tree, candidate, language):
    client.force_login(candidate)
    opens_at = (timezone.now() + datetime.timedelta(days=40)).replace(hour=23, minute=30, second=0, microsecond=0)
    tree.exam.opens_at = opens_at  # 23:30 UTC is 04:30 the next day in Tashkent (UTC+5)
    tree.exam.save(update_fields=["opens_at"])
    state, html = block_state(client, tree.url(language, "module"))
    assert state == "opens-later"
    with translation.override(language):
        expected = formats.date_format(opens_at.astimezone(TASHKENT), "DATETIME_FORMAT")
        utc_form = formats.date_format(opens_at.astimezone(datetime.UTC), "DATETIME_FORMAT")
    assert expected in html
    assert expected != utc_form and utc_form not in html


def test_no_attempts_left(client, tree, candidate):
    client.force_login(candidate)
    make_attempt(tree.exam, candidate, passed=False)
    make_attempt(tree.exam, candidate, passed=False)
    state, _html = block_state(client, tree.url("uz", "module"))
    assert state == "no-attempts"


def test_the_exam_page_starts_the_attempt_and_shows_the_same_states(client, tree, candidate):
    html = client.get(tree.url("uz", "exam")).content.decode()
    assert 'data-exam-state="signed-out"' in html
    assert 'class="button" href="/uz/accounts/login/?next=' in html
    client.force_login(candidate)
    html = client.get(tree.url("uz", "exam")).content.decode()
    assert f'action="{reverse("exams:start", args=[tree.exam.code])}"' in html
    attempt = make_attempt(tree.exam, candidate, state=AttemptState.IN_PROGRESS)
    html = client.get(tree.url("uz", "exam")).content.decode()
    assert 'data-exam-state="in-progress"' in html and reverse("exams:take", args=[attempt.pk]) in html


def test_several_exam_blocks_cost_no_more_queries_than_one(client, tree, candidate):
    client.force_login(candidate)
    programme = tree.pages[("uz", "programme")]
    exams = [ExamFactory() for _ in range(4)]
    for exam in exams:
        make_attempt(exam, candidate, passed=True)
    one = publish(
        programme,
        ModulePage(title="Bitta", slug="bitta", locale=programme.locale, body=json.dumps([exam_block(exams[0])])),
    )
    many = publish(
        programme,
        ModulePage(
            title="Koʻp", slug="kop", locale=programme.locale, body=json.dumps([exam_block(e) for e in exams * 2])
        ),
    )
    client.get(one.get_url())  # warm the caches (site root paths, content types)
    with CaptureQueriesContext(connection) as single:
        assert client.get(one.get_url()).status_code == 200
    with CaptureQueriesContext(connection) as several:
        html = client.get(many.get_url()).content.decode()
    assert html.count('data-exam-state="passed"') == 8
    assert len(several.captured_queries) <= len(single.captured_queries) + 1, [
        q["sql"] for q in several.captured_queries
    ]
