"""Attacks through the candidate's routes: other people's ids, answers leaking before the review
policy allows, CSRF, open redirects, session fixation, stored XSS in author-controlled fields.

Run with Django's test client; assertions are on status codes, headers and database state.
"""

import json
import re
import subprocess

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from certificates.services import certificate_issue
from exams.models import Attempt, ReviewPolicy
from exams.services import attempts as svc
from question_bank.services.authoring import version_data_validate
from tests.answers import correct_response
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = pytest.mark.django_db

LEAK_MARKERS = ("LEAKFB", "LEAKGF", '"fraction"', "fraction=", "data-correct", "data-fraction")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def leaky_question(n: int) -> dict:
    data = single_choice(f"Savol {n}")
    for choice in data["choices"]:
        choice["feedback"] = f"LEAKFB-{n}-{choice['id']}"
    data["general_feedback"] = f"LEAKGF-{n}"
    return data


@pytest.fixture
def exam():
    category = CategoryFactory(name="Xavfsizlik")
    for n in range(6):
        approved_question(category=category, data=leaky_question(n))
    exam = ExamFactory(review_policy=ReviewPolicy.NOTHING, cut_score=50)
    blueprint(exam, [(category, 3), (category, 2)])
    return exam


def record(responses: list, response):
    responses.append(response)
    return response


def test_nothing_a_candidate_receives_before_review_carries_fractions_feedback_or_the_key(client, candidate, exam):
    """Every response of a full attempt (pages, autosave replies, state, summary, result) is
    searched for every feedback text, the general feedback and any fraction."""
    client.force_login(candidate)
    seen: list = []
    start = record(seen, client.post(reverse("exams:start", args=[exam.code])))
    attempt = Attempt.objects.get()
    record(seen, client.get(start["Location"]))
    items = list(attempt.items.select_related("question_version").order_by("position"))
    for page in (1, 2):
        record(seen, client.get(reverse("exams:take", args=[attempt.pk]), {"page": page}))
    for sequence, item in enumerate(items, start=1):
        reply = record(
            seen,
            client.post(
                reverse("exams:save", args=[attempt.pk]),
                data=json.dumps(
                    {"position": item.position, "response": correct_response(item.question_version.data), "sequence": 1}
                ),
                content_type="application/json",
            ),
        )
        assert reply.status_code == 200, sequence
    record(seen, client.get(reverse("exams:state", args=[attempt.pk])))
    record(seen, client.get(reverse("exams:submit", args=[attempt.pk])))
    submitted = record(seen, client.post(reverse("exams:submit", args=[attempt.pk])))
    record(seen, client.get(submitted["Location"]))
    record(seen, client.get(reverse("exams:dashboard")))

    assert len(seen) >= 12
    for response in seen:
        body = response.content.decode()
        for marker in LEAK_MARKERS:
            assert marker not in body, (response.request["PATH_INFO"], marker)
        for item in items:
            for choice in item.question_version.data["choices"]:
                assert choice["feedback"] not in body


def test_every_attempt_route_refuses_another_candidates_attempt(client, candidate, other_candidate, exam):
    attempt = svc.attempt_start(exam=exam, candidate=candidate)
    client.force_login(other_candidate)
    routes = ["exams:take", "exams:state", "exams:submit", "exams:result"]
    for name in routes:
        assert client.get(reverse(name, args=[attempt.pk])).status_code == 404, name
    save = client.post(
        reverse("exams:save", args=[attempt.pk]),
        data=json.dumps({"position": 1, "response": {"choice": "1"}, "sequence": 9}),
        content_type="application/json",
    )
    assert save.status_code == 404
    assert client.post(reverse("exams:submit", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("exams:take", args=[attempt.pk]), {"page": 1}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == "in_progress"
    assert not attempt.items.exclude(response=None).exists()


def test_another_holders_certificate_file_is_not_served(client, candidate, other_candidate):
    from tests.certificates.conftest import make_attempt

    certificate = certificate_issue(attempt_id=make_attempt(ExamFactory(), candidate).pk)
    client.force_login(other_candidate)
    assert client.get(reverse("certificates:download", args=[certificate.verification_code])).status_code == 404
    assert certificate.verification_code not in client.get(reverse("certificates:mine")).content.decode()
    pdf_url = f"/media/{certificate.pdf.name}"
    assert client.get(pdf_url).status_code == 404  # media is not served by Django outside DEBUG


def test_every_post_refuses_a_request_without_the_csrf_token(candidate, exam):
    attempt = svc.attempt_start(exam=exam, candidate=candidate)
    client = Client(enforce_csrf_checks=True)
    client.force_login(candidate)
    posts = [
        (reverse("exams:start", args=[exam.code]), {}),
        (reverse("exams:take", args=[attempt.pk]), {"page": 1}),
        (reverse("exams:submit", args=[attempt.pk]), {}),
        (reverse("account_logout"), {}),
        (reverse("set_language"), {"language": "ru"}),
        (reverse("account_login"), {"login": candidate.email, "password": "Parol-2026!"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    save = client.post(
        reverse("exams:save", args=[attempt.pk]),
        data=json.dumps({"position": 1, "response": {"choice": "1"}, "sequence": 1}),
        content_type="application/json",
    )
    assert save.status_code == 403
    attempt.refresh_from_db()
    assert attempt.state == "in_progress" and not attempt.items.exclude(response=None).exists()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "https:evil.example", " //evil.example"]
)
def test_sign_in_and_language_switch_do_not_redirect_off_site(client, candidate, target):
    credentials = {"login": candidate.email, "password": "Parol-2026!"}
    login = client.post(f"{reverse('account_login')}?next={target}", credentials)
    assert login.status_code == 302
    assert "evil.example" not in login["Location"]
    switch = client.post(reverse("set_language"), {"language": "ru", "next": target})
    assert "evil.example" not in switch.get("Location", "")


def test_signing_in_changes_the_session_key(client, candidate):
    """Session fixation: a key planted before sign-in is not the key after it."""
    client.get(reverse("account_login"))
    session = client.session
    session["planted"] = "yes"
    session.save()
    before = session.session_key
    reply = client.post(reverse("account_login"), {"login": candidate.email, "password": "Parol-2026!"})
    assert reply.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<base href=javascript:alert(1)//>",
    '<div style="background:url(javascript:alert(1))">',
    "<ScRiPt>alert(1)</sCrIpT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=&#97;lert(1)>",
    "<img src=x:alert(1) onerror=eval(src)>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<!--<img src=--><img src=x onerror=alert(1)//>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><a xlink:href=javascript:alert(1)><text>x</text></a></svg>",
    "<marquee onstart=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<keygen autofocus onfocus=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<table background=javascript:alert(1)>",
    "<img dynsrc=javascript:alert(1)>",
    "<img lowsrc=javascript:alert(1)>",
    "<bgsound src=javascript:alert(1)>",
    "<frameset onload=alert(1)>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<xss onpointerover=alert(1)>x</xss>",
    "<template><script>alert(1)</script></template>",
    "{{7*7}}<script>alert(1)</script>",
    "Oʻgʻil\"'<>&<script>alert(1)</script>",
    "javascript:alert(1)",
    '<img src="x" onerror="alert(1)"/>',
    "<svg/onload=alert(1)>",
]
# What must never appear in a page: a live tag or handler the payloads try to plant.
LIVE = re.compile(
    r"<script>alert|<(img|svg|body|iframe|details|input|video|audio|select|textarea|marquee|frameset|xss|source)"
    r"\b[^>]*\son[a-z]+\s*=|<a\b[^>]*href=\"?\s*javascript:|<(iframe|object|embed|base|meta|link)\b[^>]*javascript:",
    re.IGNORECASE,
)


def test_fifty_xss_payloads_in_author_fields_come_out_escaped_or_sanitized(
    client, django_user_model, tmp_path, monkeypatch
):
    """Question text, options, feedback, category name, exam title and the holder's name carry a
    payload each; the attempt page, the dashboard, the result, the verification page and the
    certificate PDF's text show none of them live."""
    assert len(XSS_PAYLOADS) == 50
    from certificates import services as certificate_services

    real_render = certificate_services.certificate_pdf_render
    sampled: set[int] = set()

    def render(certificate, **options):
        # WeasyPrint takes a second or two: the PDF's text is checked for a fifth of the payloads.
        return real_render(certificate, **options) if certificate.attempt_id in sampled else b"%PDF-1.7 stub"

    monkeypatch.setattr(certificate_services, "certificate_pdf_render", render)
    for index, payload in enumerate(XSS_PAYLOADS):
        # A category name cannot hold "/" (the path separator): the rest of the payload stays.
        category = CategoryFactory(name=f"Cat {index} {payload.replace('/', ' ')}")
        data = single_choice(f"Q{index}")
        data["text"] = f"<p>{payload}</p>"
        data["name"] = payload
        for choice in data["choices"]:
            choice["text"] = f"Option {choice['id']} {payload}"
            choice["feedback"] = payload
        data["general_feedback"] = payload
        # Through the authors' own write path (authoring form, importers): HTML is sanitized there.
        data = version_data_validate(data=data)
        approved_question(category=category, data=data)
        exam = ExamFactory(
            title_uz=payload, title_en=payload, title_ru=payload, review_policy=ReviewPolicy.FEEDBACK, cut_score=0
        )
        blueprint(exam, [(category, 1)])
        holder = django_user_model.objects.create_user(
            email=f"xss{index}@example.uz", password="Parol-2026!", full_name=f"Ali {payload}"
        )
        client.force_login(holder)
        attempt = svc.attempt_start(exam=exam, candidate=holder)
        pages = [
            client.get(reverse("exams:take", args=[attempt.pk])),
            client.get(reverse("exams:submit", args=[attempt.pk])),
            client.get(reverse("exams:dashboard")),
            client.get(reverse("exams:detail", args=[exam.code])),
        ]
        svc.attempt_submit(attempt_id=attempt.pk, by=holder)
        if index % 10 == 0:
            sampled.add(attempt.pk)
        pages.append(client.get(reverse("exams:result", args=[attempt.pk])))
        certificate = certificate_issue(attempt_id=attempt.pk)
        pages.append(client.get(reverse("certificates:mine")))
        pages.append(client.get(reverse("certificates_verify", args=[certificate.verification_code])))
        for page in pages:
            assert page.status_code == 200, (index, page.request["PATH_INFO"], page.status_code)
            assert not LIVE.search(page.content.decode()), (index, payload, page.request["PATH_INFO"])
        if attempt.pk in sampled:
            pdf = tmp_path / f"c{index}.pdf"
            pdf.write_bytes(certificate.pdf.read())
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
            assert "Ali" in text
            # Printed as text: markup interpreted by the renderer would swallow the "alert(1)".
            assert "alert" in text, (index, text)
        client.logout()


def test_a_trainer_cannot_approve_a_version_by_forging_its_status():
    """``status=approved`` sent with the content is refused on the server (the authoring form and
    every importer go through ``version_data_validate``)."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="status"):
        version_data_validate(data={**single_choice("Forged"), "status": "approved"})
