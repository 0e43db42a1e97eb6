"""The result e-mail (issue 6, item 7): in the candidate's language, sent once, never more
than the exam's review policy shows."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.utils import translation

from exams.models import ReviewPolicy
from exams.notifications import NOTIFICATION_HEADER, result_email_send, send_result_email
from exams.services import attempts as svc
from tests.factories import CategoryFactory, ExamFactory, UserFactory, approved_question, blueprint

pytestmark = pytest.mark.django_db

# English words of the message that must not be left in an Uzbek or Russian e-mail.
ENGLISH_WORDS = re.compile(r"\b(Your|result|Passed|Not passed|Score|Pass mark|exam|Hello|graded|details)\b")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def exam():
    """Three one-point items and a cut score of 60 %: two right answers pass with 66.67 %."""
    category = CategoryFactory(name="Elektron hukumat")
    for _ in range(3):
        approved_question(category=category)
    exam = ExamFactory(
        title_uz="Elektron hukumat asoslari",
        title_ru="Основы электронного правительства",
        title_en="e-Government basics",
        cut_score=Decimal("60"),
        review_policy=ReviewPolicy.SCORE,
        review_after_close=ReviewPolicy.SCORE,
    )
    blueprint(exam, [(category, 3)])
    return exam


def sit(exam, candidate, capture, *, wrong: int = 1):
    """Start, answer (``wrong`` items wrong, the rest right) and submit, running the
    after-commit work (``result_final`` and its receivers) as a real request would."""
    attempt = svc.attempt_start(exam=exam, candidate=candidate)
    for n, item in enumerate(attempt.items.select_related("question_version").order_by("position")):
        right = next(c["id"] for c in item.question_version.data["choices"] if c["fraction"] == "1")
        choice = right if n >= wrong else next(c for c in item.option_order if c != right)
        svc.answer_save(attempt_id=attempt.pk, candidate=candidate, position=item.position, response={"choice": choice})
    with capture(execute=True):
        return svc.attempt_submit(attempt_id=attempt.pk, by=candidate)


def result_emails(outbox, address: str) -> list[EmailMessage]:
    return [m for m in outbox if m.to == [address] and m.extra_headers.get(NOTIFICATION_HEADER) == "exam-result"]


def test_each_candidate_gets_the_result_in_their_language(exam, mailoutbox, django_capture_on_commit_callbacks):
    subjects = {}
    for language in ("uz", "ru", "en"):
        candidate = UserFactory(email=f"{language}@example.uz", language=language)
        attempt = sit(exam, candidate, django_capture_on_commit_callbacks)
        assert attempt.passed
        [message] = result_emails(mailoutbox, candidate.email)
        subjects[language] = message.subject
        assert message.extra_headers["Content-Language"] == language
        with translation.override(language):
            passed_word = translation.gettext("Passed")
            title = exam.title
        assert passed_word in message.subject and title in message.subject
        assert f"/{language}/" in message.body  # the link to the result page, in their language
        separator = "," if language in ("uz", "ru") else "."
        assert f"66{separator}67" in message.body, message.body
        if language != "en":
            words = re.sub(r"https?://\S+", "", message.subject + "\n" + message.body)  # links are not words
            assert not ENGLISH_WORDS.search(words), message.body
    assert len(set(subjects.values())) == 3


def test_the_result_email_is_sent_once(exam, mailoutbox, django_capture_on_commit_callbacks):
    candidate = UserFactory(language="uz")
    attempt = sit(exam, candidate, django_capture_on_commit_callbacks)
    # A second submit, a redelivered task and a direct call send nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        svc.attempt_submit(attempt_id=attempt.pk, by=candidate)
    send_result_email.delay(attempt.pk)
    assert result_email_send(attempt_id=attempt.pk) is False
    assert len(result_emails(mailoutbox, candidate.email)) == 1


def test_a_failed_sending_is_retried_and_then_sent_once(exam, mailoutbox, monkeypatch, django_user_model):
    candidate = UserFactory(language="ru")
    attempt = svc.attempt_start(exam=exam, candidate=candidate)
    svc.attempt_submit(attempt_id=attempt.pk, by=candidate)  # no after-commit work: nothing sent yet

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", refuse)
        with pytest.raises(OSError):
            result_email_send(attempt_id=attempt.pk)
    assert result_email_send(attempt_id=attempt.pk) is True
    assert result_email_send(attempt_id=attempt.pk) is False
    assert len(result_emails(mailoutbox, candidate.email)) == 1


def test_no_outcome_or_score_when_the_policy_shows_nothing(exam, mailoutbox, django_capture_on_commit_callbacks):
    exam.review_policy = ReviewPolicy.NOTHING
    exam.review_after_close = ReviewPolicy.NOTHING
    exam.save(update_fields=["review_policy", "review_after_close"])
    candidate = UserFactory(email="hidden@example.uz", language="en")
    attempt = sit(exam, candidate, django_capture_on_commit_callbacks)
    assert attempt.passed and attempt.percent is not None
    [message] = result_emails(mailoutbox, candidate.email)
    text = message.subject + "\n" + message.body
    assert "published later" in text
    assert not re.search(r"\bPassed\b|\bNot passed\b|66|%", text), text


def test_a_failed_attempt_says_not_passed_in_russian(exam, mailoutbox, django_capture_on_commit_callbacks):
    candidate = UserFactory(email="fail@example.uz", language="ru")
    attempt = sit(exam, candidate, django_capture_on_commit_callbacks, wrong=2)
    assert attempt.passed is False
    [message] = result_emails(mailoutbox, candidate.email)
    with translation.override("ru"):
        assert translation.gettext("Not passed") in message.subject
    assert "33,33" in message.body
