"""The analysts' reports in the Wagtail admin, their exports, and the open-data page."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Organisation
from certificates.models import Certificate
from reports.models import OpenDataSettings
from tests.factories import CategoryFactory, ExamFactory, UserFactory, approved_question

from .helpers import final_attempt

pytestmark = pytest.mark.django_db

SMALL = [[1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 0]]


@pytest.fixture(autouse=True)
def _english(settings):
    # Staff two-factor set-up is another app's concern (and tested there).
    settings.CERTIFY_REQUIRE_STAFF_MFA = False
    with translation.override("en"):
        yield


@pytest.fixture
def analyst(client):
    user = UserFactory(is_staff=True)
    for codename, app in (("access_admin", "wagtailadmin"), ("view_reports", "reports")):
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label=app))
    client.force_login(user)
    return user


@pytest.fixture
def data():
    """Two organisations under one region; Org A's pass rate falls from Q1 to Q2 2026."""
    region = Organisation.objects.create(name="Toshkent viloyati")
    org_a = Organisation.objects.create(name="Org A", parent=region)
    org_b = Organisation.objects.create(name="Org B", parent=region)
    category = CategoryFactory()
    questions = [approved_question(category=category) for _ in range(3)]
    exam = ExamFactory(cut_score=Decimal("60"))
    q1 = datetime.datetime(2026, 2, 10, 12, tzinfo=datetime.UTC)
    q2 = datetime.datetime(2026, 5, 10, 12, tzinfo=datetime.UTC)
    for org, when, rows in (
        (org_a, q1, [[1, 1, 1], [1, 1, 0]]),  # 2 of 2 pass
        (org_a, q2, [[1, 0, 0], [0, 0, 0]]),  # 0 of 2 pass
        (org_b, q2, [[1, 1, 1], [1, 0, 1], [0, 1, 0]]),  # 2 of 3 pass
    ):
        for row in rows:
            final_attempt(
                exam=exam, candidate=UserFactory(organisation=org), questions=questions, scores=row, final_at=when
            )
    return {"exam": exam, "questions": questions, "org_a": org_a, "region": region}


def test_reports_need_the_permission(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get(reverse("reports_attempts"))
    # Wagtail turns PermissionDenied into a redirect to the dashboard with a message.
    assert response.status_code == 302 and response.url == "/admin/"


def test_attempts_report_shows_which_organisation_pass_rate_fell(client, analyst, data):
    response = client.get(
        reverse("reports_attempts"), {"period": "quarter", "group_by": "organisation", "order": "change"}
    )
    assert response.status_code == 200
    rows = response.context["rows"]
    # Org A: Q1 100 %, Q2 0 % -> change -100 points, listed first
    assert rows[0]["group"] == "Org A" and rows[0]["period"] == "2026-Q2"
    assert rows[0]["pass_rate"] == 0.0 and rows[0]["change"] == -100.0
    assert b'data-chart="line"' in response.content


def test_attempts_report_by_region_and_organisation_filter(client, analyst, data):
    response = client.get(reverse("reports_attempts"), {"group_by": "region", "period": "year"})
    [row] = response.context["rows"]
    assert row == {
        "period": "2026",
        "group": "Toshkent viloyati",
        "attempts": 7,
        "passed": 4,
        "pass_rate": 57.14,
        "mean_percent": pytest.approx(57.14, abs=0.01),
        "change": None,
    }
    response = client.get(reverse("reports_attempts"), {"organisation": data["org_a"].pk, "group_by": "none"})
    assert sum(r["attempts"] for r in response.context["rows"]) == 4


def test_date_range_filters_and_a_reversed_range_is_an_error(client, analyst, data):
    response = client.get(reverse("reports_attempts"), {"date_from": "2026-04-01", "date_to": "2026-06-30"})
    assert sum(r["attempts"] for r in response.context["rows"]) == 5
    response = client.get(reverse("reports_attempts"), {"date_from": "2026-06-30", "date_to": "2026-04-01"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_csv_and_xlsx_export(client, analyst, data):
    response = client.get(reverse("reports_attempts"), {"group_by": "organisation", "export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    table = list(csv.reader(io.StringIO(text)))
    # headings follow the admin's language (Uzbek by default): check the shape and the data
    assert len(table[0]) == 7
    assert ["2026-Q2", "Org A", "2", "0", "0.0", "-100.0", "16.67"] in table
    assert len(table) == 4  # heading + Org A Q1, Org A Q2, Org B Q2
    response = client.get(reverse("reports_attempts"), {"export": "xlsx"})
    workbook = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    assert workbook.active.max_row == 4


def test_exam_item_report_lists_hardest_items_first_with_histogram(client, analyst, data):
    response = client.get(reverse("reports_exam_items", args=[data["exam"].pk]))
    assert response.status_code == 200
    facilities = [row["facility"] for row in response.context["rows"]]
    assert facilities == sorted(facilities)
    assert b'data-chart="bar"' in response.content
    assert response.context["analysis"]["n_attempts"] == 7
    response = client.get(reverse("reports_exam_items", args=[data["exam"].pk]), {"export": "csv"})
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(table) == 4 and len(table[0]) == 10  # heading + three items, ten columns
    assert {row[0] for row in table[1:]} == {str(q.pk) for q in data["questions"]}


def test_item_index_links_each_exam(client, analyst, data):
    response = client.get(reverse("reports_items"))
    assert response.status_code == 200
    assert reverse("reports_exam_items", args=[data["exam"].pk]).encode() in response.content


def test_certificates_report_counts_issued_expired_revoked(client, analyst, data, candidate):
    from exams.models import Attempt

    attempt = Attempt.objects.filter(exam=data["exam"]).first()
    base = {
        "holder": candidate,
        "exam": data["exam"],
        "holder_name": "Oʻgʻiloy",
        "qualification_uz": "Elektron hukumat",
        "issuer_name": "e-Gov",
        "signing_key_id": "k",
        "credential": "x",
    }
    Certificate.objects.create(
        attempt=attempt,
        serial="S-1",
        verification_code="AAAA-AAAA-AAAA-AAA1",
        issued_on=datetime.date(2024, 1, 5),
        expires_on=datetime.date(2025, 1, 4),
        **base,
    )
    other = Attempt.objects.filter(exam=data["exam"]).exclude(pk=attempt.pk).first()
    Certificate.objects.create(
        attempt=other,
        serial="S-2",
        verification_code="AAAA-AAAA-AAAA-AAA2",
        issued_on=datetime.date(2026, 2, 1),
        revoked_at=timezone.now(),
        revocation_reason="error",
        **base,
    )
    response = client.get(reverse("reports_certificates"), {"group_by": "none", "period": "year"})
    rows = {row["period"]: row for row in response.context["rows"]}
    assert rows["2024"]["issued"] == 1
    assert rows["2025"]["expired"] == 1
    assert rows["2026"]["issued"] == 1
    assert sum(row["revoked"] for row in rows.values()) == 1


@pytest.mark.urls("tests.reports.urls")
def test_open_data_is_off_by_default_and_has_no_personal_data(client, data, candidate):
    from exams.models import Attempt

    assert client.get("/en/open-data/").status_code == 404
    settings = OpenDataSettings.load()
    settings.publish_open_data = True
    settings.save()
    Certificate.objects.create(
        holder=candidate,
        exam=data["exam"],
        attempt=Attempt.objects.first(),
        serial="S-9",
        verification_code="BBBB-BBBB-BBBB-BBB1",
        holder_name="Oʻgʻiloy Toʻxtayeva",
        qualification_uz="Elektron hukumat mutaxassisi",
        issued_on=datetime.date(2026, 3, 1),
        issuer_name="e-Gov",
        signing_key_id="k",
        credential="x",
    )
    response = client.get("/en/open-data/certificates.csv")
    text = response.content.decode()
    assert text.splitlines()[1] == "2026,Elektron hukumat mutaxassisi,,1"
    assert "Toʻxtayeva" not in text
    assert client.get("/en/open-data/").status_code == 200
