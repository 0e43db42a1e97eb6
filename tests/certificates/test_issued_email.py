"""The e-mail a holder gets when a certificate is issued: their language, once, links."""

from __future__ import annotations

import pytest

from certificates.models import CertificateEvent, CertificateEventAction
from certificates.services import certificate_issue, certificate_revoke
from certificates.tasks import send_certificate_issued_email
from tests.certificates.conftest import make_attempt

pytestmark = pytest.mark.django_db

# A phrase of the subject in each language (from the catalogues; English is the source).
SUBJECT_WORDS = {"uz": "sertifikatingiz", "ru": "Ваш сертификат", "en": "Your certificate"}


@pytest.fixture
def settings_site(settings):
    settings.SITE_URL = "https://certify.example.uz"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.mark.parametrize("language", ["uz", "ru", "en", ""])
def test_the_email_is_in_the_holders_language_with_the_links(
    language, candidate, exam, mailoutbox, settings_site, django_capture_on_commit_callbacks
):
    candidate.language = language
    candidate.save()
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    expected = language or "uz"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [candidate.email]
    assert certificate.serial in message.subject and SUBJECT_WORDS[expected] in message.subject
    assert message.extra_headers["Content-Language"] == expected
    verify_url = f"https://certify.example.uz/v/{certificate.verification_code}"
    mine_url = f"https://certify.example.uz/{expected}/certificates/"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for body in (message.body, html):
        assert verify_url in body and mine_url in body
        assert certificate.holder_name in body  # Oʻgʻiloy Toʻxtayeva, ʻ intact
        assert certificate.qualification_in(expected) in body
    event = CertificateEvent.objects.get(certificate=certificate, action=CertificateEventAction.HOLDER_NOTIFIED)
    assert event.details == {"language": expected}


def test_the_email_is_sent_once_even_if_the_task_runs_twice(
    passed_attempt, mailoutbox, settings_site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(attempt_id=passed_attempt.pk)
        # A second issue of the same attempt (a retried issuing task) enqueues nothing new.
        assert certificate_issue(attempt_id=passed_attempt.pk).pk == certificate.pk
    assert len(mailoutbox) == 1
    assert send_certificate_issued_email.delay(certificate.pk).get() is False
    assert send_certificate_issued_email(certificate.pk) is False
    assert len(mailoutbox) == 1
    assert certificate.events.filter(action=CertificateEventAction.HOLDER_NOTIFIED).count() == 1


def test_no_email_for_a_certificate_revoked_before_the_email_went_out(
    passed_attempt, mailoutbox, settings_site, django_user_model
):
    certificate = certificate_issue(attempt_id=passed_attempt.pk)  # on-commit callbacks not run: no e-mail yet
    officer = django_user_model.objects.create_superuser(email="officer@example.uz", password="Parol-2026!")
    certificate_revoke(certificate=certificate, by=officer, reason="Issued by mistake")
    assert send_certificate_issued_email(certificate.pk) is False
    assert mailoutbox == []
    assert not certificate.events.filter(action=CertificateEventAction.HOLDER_NOTIFIED).exists()


def test_a_mail_server_error_leaves_no_sent_mark_so_a_retry_sends(
    passed_attempt, mailoutbox, settings_site, monkeypatch
):
    from django.core.mail import EmailMultiAlternatives

    from certificates.emails import certificate_issued_email_send

    certificate = certificate_issue(attempt_id=passed_attempt.pk)
    real_send = EmailMultiAlternatives.send

    def broken(self, fail_silently=False):
        raise ConnectionError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    with pytest.raises(ConnectionError):
        certificate_issued_email_send(certificate_id=certificate.pk)
    assert not certificate.events.filter(action=CertificateEventAction.HOLDER_NOTIFIED).exists()
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert certificate_issued_email_send(certificate_id=certificate.pk) is True
    assert len(mailoutbox) == 1


def test_an_unknown_certificate_sends_nothing(mailoutbox, settings_site):
    assert send_certificate_issued_email(987654) is False
    assert mailoutbox == []
