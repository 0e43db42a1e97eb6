"""allauth's pages and e-mails in the candidate's language (issue 6, items 2 and 7).

allauth ships an Uzbek catalogue that writes oʻ and gʻ with an ASCII apostrophe and lacks
some messages; the project catalogue (``locale/uz``, first in the lookup) gives those
messages in correct Uzbek. allauth's e-mails are rendered in ``User.language`` and sent
through Celery (``accounts.tasks.send_email_message``).
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[1]

# An apostrophe look-alike after o or g: the ASCII ', the quotes ‘ ’ and the backtick.
APOSTROPHE_AFTER_O_G = re.compile("[oOgG]['\u2018\u2019`]")
# English that allauth's and Django's templates and forms would show if a message were missing.
ENGLISH = [
    "Sign In",
    "Sign in",
    "Sign Up",
    "Password",
    "Email",
    "Forgot your password?",
    "Remember Me",
    "Password Reset",
    "Reset My Password",
    "This field is required.",
    "Enter a valid email address.",
    "This password is too common.",
    "already have an account",
]


class VisibleText(HTMLParser):
    """The text a person sees (and hears): text nodes outside script and style, and the
    placeholder, label, title and value of buttons and inputs."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        attrs = dict(attrs)
        if attrs.get("type") == "hidden":
            return
        for name in ("placeholder", "aria-label", "title", "alt"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def english_left(text: str) -> list[str]:
    return [phrase for phrase in ENGLISH if re.search(rf"(?<![\w/-]){re.escape(phrase)}(?![\w-])", text)]


@pytest.fixture
def current_catalogues(tmp_path, settings):
    """The project's ``.po`` files compiled into a temporary LOCALE_PATHS, so the test checks
    the catalogues as they are (not a stale ``.mo``); Django resets its caches on the change."""
    for language in ("uz", "ru"):
        target = tmp_path / "locale" / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")).save_as_mofile(
            str(target / "django.mo")
        )
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    return tmp_path / "locale"


def url(name: str, language: str) -> str:
    with translation.override(language):
        return reverse(name)


PAGES = ["account_login", "account_signup", "account_reset_password"]
BAD_POSTS = {
    "account_login": {"login": "nobody@example.uz", "password": "wrong"},
    "account_signup": {"email": "not-an-address", "password1": "12345678", "password2": "1"},
    "account_reset_password": {"email": "not-an-address"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_the_uzbek_page_and_its_errors_are_in_uzbek_with_the_modifier_letter(client, current_catalogues, name):
    page = client.get(url(name, "uz"))
    assert page.status_code == 200
    assert 'lang="uz"' in page.content.decode()
    errors = client.post(url(name, "uz"), BAD_POSTS[name])
    assert errors.status_code == 200  # the form again, with its errors
    for response in (page, errors):
        text = visible_text(response.content.decode())
        assert not APOSTROPHE_AFTER_O_G.findall(text), APOSTROPHE_AFTER_O_G.findall(text)
        assert not english_left(text), english_left(text)
    text = visible_text(page.content.decode())
    with translation.override("uz"):
        # The labels are the Uzbek of the project catalogue (read from the .po, not hard-coded).
        for msgid in ("Password", "Email") if name != "account_reset_password" else ("Email",):
            assert translation.gettext(msgid) in text
            assert translation.gettext(msgid) != msgid
    if name == "account_signup":
        errors_text = visible_text(errors.content.decode())
        invalid_address = "Enter a valid email address."  # Django's message (a name: not re-extracted here)
        with translation.override("uz"):
            assert translation.gettext(invalid_address) in errors_text


@pytest.mark.django_db
def test_the_uzbek_sign_in_page_says_kirish_and_parol(client, current_catalogues):
    """A check that does not go through gettext: the words a candidate reads."""
    text = visible_text(client.get(url("account_login", "uz")).content.decode())
    assert "Kirish" in text and "Parol" in text and "Parolingizni unutdingizmi?" in text


def test_the_project_catalogue_overrides_the_apostrophes_of_allauths_uzbek():
    """Every allauth message whose Uzbek has an apostrophe after o or g, among the messages
    the project gives, is written with U+02BB in the project catalogue."""
    import allauth

    theirs = polib.pofile(str(Path(allauth.__file__).parent / "locale" / "uz" / "LC_MESSAGES" / "django.po"))
    ours = {entry.msgid: entry.msgstr for entry in polib.pofile(str(ROOT / "locale/uz/LC_MESSAGES/django.po"))}
    overridden = [entry.msgid for entry in theirs if entry.msgid in ours and APOSTROPHE_AFTER_O_G.search(entry.msgstr)]
    assert len(overridden) >= 20  # sign-in, sign-up, password and e-mail pages
    assert not [msgid for msgid in overridden if APOSTROPHE_AFTER_O_G.search(ours[msgid])]


# ----- allauth's e-mails --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page_language", "user_language", "expected"),
    [("uz", "ru", "Выберите новый пароль"), ("en", "uz", "Yangi parol tanlang"), ("ru", "en", "Choose a new password")],
)
def test_the_password_reset_email_is_in_the_users_language_not_the_pages(
    client, current_catalogues, mailoutbox, django_capture_on_commit_callbacks, page_language, user_language, expected
):
    user = UserFactory(email="holder@example.uz", language=user_language)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("account_reset_password", page_language), {"email": user.email})
    assert response.status_code == 302
    [message] = mailoutbox
    assert message.to == [user.email]
    assert message.subject == f"Certify: {expected}"
    assert message.extra_headers["Content-Language"] == user_language
    assert f"/{user_language}/accounts/password/reset/key/" in message.body  # the link opens in their language
    if user_language != "en":
        assert not re.search(r"\b(password|Hello|link|ignore)\b", re.sub(r"https?://\S+", "", message.body))
    if user_language == "uz":
        assert not APOSTROPHE_AFTER_O_G.search(message.body)


@pytest.mark.django_db
def test_the_signup_confirmation_is_in_the_language_of_the_signup(
    client, current_catalogues, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("account_signup", "ru"),
            {
                "email": "new@example.uz",
                "full_name": "Dilnoza Rahimova",
                "password1": "Certify-demo-2026",
                "password2": "Certify-demo-2026",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    [message] = mailoutbox
    assert message.subject == "Certify: Подтвердите адрес электронной почты"
    assert "/ru/accounts/confirm-email/" in message.body


@pytest.mark.django_db
def test_allauths_email_goes_through_the_celery_task(client, current_catalogues, monkeypatch):
    """The adapter queues the rendered message: a mail outage is retried by the task, not
    raised into the candidate's request."""
    from accounts import tasks

    queued = []
    monkeypatch.setattr(tasks.send_email_message, "delay", lambda payload: queued.append(payload))
    user = UserFactory(email="queued@example.uz", language="uz")
    response = client.post(url("account_reset_password", "uz"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 0  # queued, not sent in the request
    [payload] = queued
    assert payload["to"] == [user.email] and payload["subject"] == "Certify: Yangi parol tanlang"
    tasks.send_email_message(payload)
    assert [m.subject for m in mail.outbox] == ["Certify: Yangi parol tanlang"]


def test_the_password_length_rule_is_uzbek_in_its_help_and_its_error():
    from django.contrib.auth.password_validation import MinimumLengthValidator
    from django.core.exceptions import ValidationError

    validator = MinimumLengthValidator(min_length=8)
    with translation.override("uz"):
        assert validator.get_help_text() == "Parolingiz kamida 8 ta belgidan iborat boʻlishi kerak."
        try:
            validator.validate("qisqa")
        except ValidationError as error:
            assert error.messages == ["Parol juda qisqa. U kamida 8 ta belgidan iborat boʻlishi kerak."]
        else:
            raise AssertionError("a 5-character password passed an 8-character rule")
