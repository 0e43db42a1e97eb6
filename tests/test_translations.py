"""The Uzbek and Russian translation catalogues (issues 2 and 6).

Every catalogue of the project (``locale/<lang>`` and any ``<app>/locale/<lang>``) must be
complete, keep the msgid's placeholders, write Uzbek oʻ and gʻ with U+02BB, and cover the
current sources: a string newly marked in a template or in Python fails here until it is
translated. The rendered-page tests read the ``.po`` files themselves (compiled into a
temporary folder), so they check the catalogues as they are now, not a stale ``.mo``.
"""

import gettext
import re
import shutil
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("uz", "ru")
# The same folders the documented makemessages command ignores (README, ``make messages``).
IGNORED = (".venv", "var", "test-artifacts", "node_modules")

# %(name)s / %(name)d, bare %s / %d, and str.format fields {name}.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
# Look-alikes of the Uzbek modifier letter turned comma (U+02BB) and of the tutuq belgisi (U+02BC).
LOOK_ALIKES = "\u0027\u2018\u2019\u0060"
LOOK_ALIKE_AFTER_O_G = re.compile(f"[oOgG][{LOOK_ALIKES}]")


def catalogue_paths(root: Path, language: str) -> list[Path]:
    """``root/locale/<language>/...`` first, then the apps' own catalogues, if any."""
    paths = [root / "locale" / language / "LC_MESSAGES" / "django.po"]
    paths += sorted(root.glob(f"*/locale/{language}/LC_MESSAGES/django.po"))
    return [path for path in paths if path.exists() and path.relative_to(root).parts[0] not in IGNORED]


def live_entries(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


def translations_of(entry: polib.POEntry) -> list[str]:
    """The msgstr, or every plural form in order."""
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def is_translated(entry: polib.POEntry) -> bool:
    return "fuzzy" not in entry.flags and all(translations_of(entry))


CATALOGUES = [
    pytest.param(language, path, id=f"{language}:{path.relative_to(ROOT)}")
    for language in LANGUAGES
    for path in catalogue_paths(ROOT, language)
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_project_has_a_catalogue_for_each_language(language):
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run makemessages -l {language}"
    assert len(live_entries(polib.pofile(str(path)))) > 100


@pytest.mark.parametrize(("language", "path"), CATALOGUES)
def test_the_header_names_the_language_the_charset_and_plural_forms(language, path):
    metadata = polib.pofile(str(path)).metadata
    assert metadata.get("Language") == language
    assert "charset=UTF-8" in metadata.get("Content-Type", "")
    match = re.fullmatch(r"\s*nplurals=(\d+);\s*plural=(.+?);?\s*", metadata.get("Plural-Forms", ""))
    assert match, f"{path.relative_to(ROOT)}: Plural-Forms is missing or malformed"
    plural = gettext.c2py(match.group(2))
    if language == "ru":
        # One, few, many: 1 минута, 2 минуты, 5 минут, 11 минут, 21 минута, 22 минуты, 111 минут.
        assert [plural(n) for n in (1, 2, 5, 11, 21, 22, 25, 111)] == [0, 1, 2, 2, 0, 1, 2, 2]
    else:
        assert int(match.group(1)) in (1, 2)


@pytest.mark.parametrize(("language", "path"), CATALOGUES)
def test_every_entry_is_translated_and_none_is_fuzzy(language, path):
    catalogue = polib.pofile(str(path))
    nplurals = int(re.search(r"nplurals=(\d+)", catalogue.metadata["Plural-Forms"]).group(1))
    untranslated = [entry.msgid for entry in live_entries(catalogue) if not is_translated(entry)]
    assert not untranslated, f"{path.relative_to(ROOT)}: untranslated or fuzzy: {untranslated}"
    wrong_forms = [
        entry.msgid for entry in live_entries(catalogue) if entry.msgid_plural and len(entry.msgstr_plural) != nplurals
    ]
    assert not wrong_forms, f"{path.relative_to(ROOT)}: not {nplurals} plural forms: {wrong_forms}"
    assert not catalogue.metadata_is_fuzzy, f"{path.relative_to(ROOT)}: the header is still marked fuzzy"


@pytest.mark.parametrize(("language", "path"), CATALOGUES)
def test_translations_keep_the_placeholders_of_the_msgid(language, path):
    changed = []
    # Untranslated entries are the completeness test's business; here only what is translated.
    for entry in filter(is_translated, live_entries(polib.pofile(str(path)))):
        for index, text in enumerate(translations_of(entry)):
            source = entry.msgid_plural if entry.msgid_plural and index > 0 else entry.msgid
            # One-form languages (Uzbek) use msgstr[0] for every number: it follows the plural msgid.
            if entry.msgid_plural and len(entry.msgstr_plural) == 1:
                source = entry.msgid_plural
            if Counter(PLACEHOLDER.findall(text)) != Counter(PLACEHOLDER.findall(source)):
                changed.append((entry.msgid, text))
    assert not changed, f"{path.relative_to(ROOT)}: placeholders differ: {changed}"


@pytest.mark.parametrize("path", catalogue_paths(ROOT, "uz"), ids=lambda path: str(path.relative_to(ROOT)))
def test_uzbek_uses_the_modifier_letters_not_apostrophe_look_alikes(path):
    """oʻ and gʻ take U+02BB and the tutuq belgisi U+02BC (the official Latin alphabet);
    a look-alike is allowed only where the msgid itself has it (quoted HTML, say)."""
    wrong = []
    for entry in live_entries(polib.pofile(str(path))):
        source = entry.msgid + (entry.msgid_plural or "")
        for text in translations_of(entry):
            added = any(text.count(mark) > source.count(mark) for mark in LOOK_ALIKES)
            if added or LOOK_ALIKE_AFTER_O_G.search(text):
                wrong.append(text)
    assert not wrong, f"{path.relative_to(ROOT)}: look-alike apostrophes: {wrong}"


def test_the_apostrophe_check_catches_a_look_alike():
    """The check above is not vacuous: each look-alike after o or g is caught, U+02BB is not."""
    for mark in LOOK_ALIKES:
        assert LOOK_ALIKE_AFTER_O_G.search(f"Ro{mark}yxatdan o{mark}tish")
    assert not LOOK_ALIKE_AFTER_O_G.search("Roʻyxatdan oʻtish, maʼlumot, togʻ")


def test_the_catalogues_cover_every_string_marked_in_the_sources(tmp_path, settings, monkeypatch):
    """makemessages on a copy of the sources finds no msgid that the catalogues lack.

    The copy keeps the tree's layout (so an app with its own ``locale/`` still gets its
    strings there) and holds the current catalogues; msgmerge adds any new string to it
    untranslated or as a fuzzy guess, and either fails the test.
    """
    assert shutil.which("xgettext") and shutil.which("msgmerge"), "GNU gettext is needed: apt-get install gettext"
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(*IGNORED, ".git", "__pycache__", "*.mo", ".*_cache", ".hypothesis"),
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=list(LANGUAGES), ignore_patterns=list(IGNORED), no_obsolete=True, verbosity=0)
    missing = {}
    for language in LANGUAGES:
        for path in catalogue_paths(copy, language):
            lacking = [entry.msgid for entry in live_entries(polib.pofile(str(path))) if not is_translated(entry)]
            if lacking:
                missing[str(path.relative_to(copy))] = lacking
    assert not missing, f"marked in the sources but not translated (run makemessages and translate): {missing}"


# ----- rendered pages -----------------------------------------------------------------


@pytest.fixture
def current_catalogues(tmp_path, settings):
    """The project's ``.po`` files compiled into a temporary LOCALE_PATHS (the cached
    translations are reset when the setting changes)."""
    compiled = tmp_path / "locale"
    for language in LANGUAGES:
        target = compiled / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")).save_as_mofile(
            str(target / "django.mo")
        )
    settings.LOCALE_PATHS = [compiled]
    return compiled


@pytest.fixture
def exam_with_attempt(client, candidate):
    """A published exam with a blueprint, and the candidate signed in with an attempt in progress."""
    category = CategoryFactory(name="Ochiq maʼlumotlar")
    for n in range(3):
        approved_question(category=category, data=single_choice(f"Savol {n}"))
    exam = ExamFactory(code="egov", title_uz="Elektron hukumat asoslari", title_ru="Основы электронного правительства")
    blueprint(exam, [(category, 2)])
    client.force_login(candidate)
    with translation.override("uz"):
        assert client.post(reverse("exams:start", args=[exam.code])).status_code == 302
    return exam, candidate.attempts.get()


def page(client, language: str, name: str, *args) -> str:
    with translation.override(language):
        url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def english_left(html: str, phrases: list[str]) -> list[str]:
    """The phrases that still appear as whole words (not inside a longer word or a URL)."""
    return [phrase for phrase in phrases if re.search(rf"(?<![\w/-]){re.escape(phrase)}(?![\w/-])", html)]


COMMON_ENGLISH = ["Sign out", "My exams", "My certificates", "Verify a certificate", "Skip to content", "Change"]


@pytest.mark.django_db
def test_the_russian_dashboard_and_exam_page_have_no_english_left(client, current_catalogues, exam_with_attempt):
    exam, _attempt = exam_with_attempt
    dashboard = page(client, "ru", "exams:dashboard")
    detail = page(client, "ru", "exams:detail", exam.code)
    assert not english_left(
        dashboard,
        [
            *COMMON_ENGLISH,
            "Available exams",
            "History",
            "Time limit",
            "Pass mark",
            "Attempts left",
            "Resume",
            "Resume the attempt in progress",
            "Started",
            "Result",
            "30 minutes",
            "Your attempts",
        ],
    )
    assert not english_left(detail, [*COMMON_ENGLISH, "Time limit", "Pass mark", "Attempts allowed", "Attempts left"])
    assert "Your answers are saved as you give them" not in detail
    for russian in ("Мои экзамены", "Выйти", "Доступные экзамены", "Проходной балл", "30 минут", "Продолжить"):
        assert russian in dashboard
    assert "Разрешено попыток" in detail and "Основы электронного правительства" in detail


@pytest.mark.django_db
def test_the_russian_attempt_page_has_no_english_left(client, current_catalogues, exam_with_attempt):
    _exam, attempt = exam_with_attempt
    html = page(client, "ru", "exams:take", attempt.pk)
    assert not english_left(
        html,
        [
            *COMMON_ENGLISH,
            "Time left",
            "Answered",
            "Question 1",
            "Flag for review",
            "Save",
            "Saving…",
            "All answers saved",
            "Finish the attempt…",
            "Choose one answer",
            "5 minutes left",
        ],
    )
    for russian in ("Осталось времени", "Вопрос 1", "Отметить для проверки", "Сохранить", "Все ответы сохранены"):
        assert russian in html


@pytest.mark.django_db
def test_the_uzbek_dashboard_is_in_uzbek_with_the_modifier_letter_intact(client, current_catalogues, exam_with_attempt):
    html = page(client, "uz", "exams:dashboard")
    assert not english_left(html, [*COMMON_ENGLISH, "Available exams", "Time limit", "Attempts left"])
    for uzbek in ("Imtihonlarim", "Sertifikatlarim", "Qolgan urinishlar", "Oʻtish bali", "Oʻzgartirish"):
        assert uzbek in html
