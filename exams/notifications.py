"""The result e-mail: once an attempt's result is final, the candidate is told, in their
language, no more than the exam's review policy shows on the result page.

- ``result_final`` (sent once, after the commit) queues :func:`send_result_email`.
- What the message says follows :func:`exams.views.review_policy_now` at the time of
  sending: from "score only" up, passed or not passed, the percent and the pass mark; under
  "nothing", only that the result will be published later (the result page says the same).
- Once: a retried or redelivered task finds the mark of the first sending in the cache
  (``cache.add`` keyed by attempt and ``final_at``) and sends nothing. The mark is removed
  when the sending fails, so the retry can send.

The certificate-issued e-mail belongs to ``certificates``; session reminders to ``exams.tasks``.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.dispatch import receiver
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from .engine import scoring
from .models import Attempt, AttemptState
from .presentation import review_level
from .signals import result_final

logger = logging.getLogger(__name__)

#: Names the kind of message, for filters and tests.
NOTIFICATION_HEADER = "X-Certify-Notification"

#: How long the "already sent" mark is kept (seconds): far beyond any retry or redelivery.
SENT_MARK_SECONDS = 60 * 60 * 24 * 90


@receiver(result_final, dispatch_uid="exams.email_result_on_final")
def email_result_on_final(sender, *, attempt_id: int, **kwargs) -> None:
    """Queue the result e-mail; the candidate's submit has committed and must not fail here."""
    try:
        send_result_email.delay(attempt_id)
    except Exception:
        logger.exception("Could not queue the result e-mail of attempt %s", attempt_id)


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_result_email(attempt_id: int) -> bool:
    """Celery: e-mail the final result of attempt ``attempt_id`` (see :func:`result_email_send`)."""
    return result_email_send(attempt_id=attempt_id)


def result_email_send(*, attempt_id: int) -> bool:
    """Send the result e-mail of a final attempt to its candidate, at most once.

    Returns False when there is nothing to send: no such attempt, not final, no address, or
    already sent. Mail errors (``OSError``, including ``smtplib.SMTPException``) propagate
    for the task to retry, after the "sent" mark is removed.
    """
    attempt = (
        Attempt.objects.filter(pk=attempt_id, state=AttemptState.FINAL).select_related("exam", "candidate").first()
    )
    if attempt is None or not attempt.candidate.email:
        return False
    stamp = attempt.final_at.isoformat() if attempt.final_at else "final"
    mark = f"exams:result-email:{attempt.pk}:{stamp}"
    if not cache.add(mark, 1, timeout=SENT_MARK_SECONDS):
        return False
    try:
        result_email_message(attempt=attempt).send()
    except Exception:
        cache.delete(mark)
        raise
    return True


def result_email_message(*, attempt: Attempt) -> EmailMessage:
    """The result e-mail of a final ``attempt``, written in ``attempt.candidate.language``.

    Subject and body never say more than the review policy in force shows: the outcome and
    the percent (rounded as on the result page, with the locale's decimal separator) from
    "score only" up, nothing of the result under "nothing".
    """
    from .views import review_policy_now  # the one definition of the policy in force

    candidate = attempt.candidate
    exam = attempt.exam
    languages = {code for code, _name in settings.LANGUAGES}
    language = (candidate.language or "")[:2].lower()
    language = language if language in languages else settings.LANGUAGE_CODE
    shows_score = review_level(policy=review_policy_now(attempt=attempt)) >= 1 and attempt.percent is not None
    with translation.override(language):
        title = exam.title
        url = settings.SITE_URL + reverse("exams:result", args=[attempt.pk])
        name = candidate.full_name or candidate.email
        lines = [_("Hello, %(name)s!") % {"name": name}, ""]
        if shows_score:
            percent = scoring.display_percent(percent=attempt.percent, cut_score=exam.cut_score)
            outcome = _("Passed") if attempt.passed else _("Not passed")
            subject = _("Your result in %(exam)s: %(outcome)s") % {"exam": title, "outcome": outcome}
            lines += [
                _("Your result in the exam %(exam)s is final.") % {"exam": title},
                "",
                _("Result: %(outcome)s") % {"outcome": outcome},
                _("Score: %(percent)s %%") % {"percent": _number(percent)},
                _("Pass mark: %(cut_score)s %%") % {"cut_score": _number(exam.cut_score)},
                "",
                _("The details are on the result page:"),
            ]
        else:
            subject = _("Your answers in %(exam)s are graded") % {"exam": title}
            lines += [
                _("Your answers in the exam %(exam)s are graded. The result will be published later.")
                % {"exam": title},
                "",
                _("It will appear on the result page:"),
            ]
        lines += [url, "", _("Certify, the certification of e-Government specialists")]
        subject = f"{settings.WAGTAIL_SITE_NAME}: {subject}"
    return EmailMessage(
        subject=" ".join(subject.split()),
        body="\n".join(lines),
        to=[candidate.email],
        headers={NOTIFICATION_HEADER: "exam-result", "Content-Language": language},
    )


def _number(value: Decimal) -> str:
    """``value`` with up to two decimals and the active language's decimal separator."""
    value = Decimal(value).quantize(Decimal("0.01"))
    if value == value.to_integral_value():
        value = value.quantize(Decimal("1"))
    elif value * 10 == (value * 10).to_integral_value():
        value = value.quantize(Decimal("0.1"))
    return formats.number_format(value, use_l10n=True)
