"""seed_demo: exam titles name the qualification only; the item language is in the description,
and an existing row's texts are replaced only while they still hold the earlier demo value (H13)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cms import demo
from exams.models import Attempt, AttemptState, Exam

pytestmark = pytest.mark.django_db


def _exam(code: str, language: str, **titles) -> Exam:
    exam = Exam.objects.create(
        code=code,
        time_limit_minutes=20,
        cut_score=Decimal("70"),
        grace_seconds=30,
        item_language=language,
        description_uz=demo.DEMO_EXAM_DESCRIPTION["uz"],
        description_ru=demo.DEMO_EXAM_DESCRIPTION["ru"],
        description_en=demo.DEMO_EXAM_DESCRIPTION["en"],
        **titles,
    )
    return exam


def _attempt(exam, candidate):
    # With an attempt the demo keeps the blueprint as it is (content frozen), so no bank is needed.
    now = timezone.now()
    Attempt.objects.create(
        exam=exam,
        candidate=candidate,
        number=1,
        seed=1,
        state=AttemptState.IN_PROGRESS,
        started_at=now,
        deadline_at=now + datetime.timedelta(minutes=20),
    )


def test_no_demo_exam_title_names_the_item_language():
    for _code, _language, titles, _sections in demo.DEMO_EXAMS:
        for title in titles.values():
            assert "(" not in title, title
            for word in ("язык", "tilida", "in Uzbek", "in Russian"):
                assert word not in title


def test_old_demo_titles_are_replaced_once_and_edited_titles_are_kept(candidate):
    old = demo.OLD_DEMO_EXAM_TITLES
    uz_exam = _exam(
        "egov-basics",
        "uz",
        title_uz="Elektron hukumat asoslari",
        **{f"title_{lang}": title for lang, title in old["egov-basics"].items()},
    )
    ru_exam = _exam(
        "egov-basics-ru",
        "ru",
        title_uz="Manager tahrir qilgan nom",
        title_ru="Основы электронного правительства",
        title_en=old["egov-basics-ru"]["en"],
    )
    _attempt(uz_exam, candidate)
    _attempt(ru_exam, candidate)
    demo._exams()
    demo._exams()  # idempotent: a second run changes nothing more
    uz_exam.refresh_from_db()
    ru_exam.refresh_from_db()
    assert uz_exam.title_ru == "Основы электронного правительства"
    assert uz_exam.title_en == "E-Government Fundamentals"
    assert uz_exam.description_ru.endswith("Вопросы на узбекском языке.")
    assert uz_exam.description_en.endswith("Items in Uzbek.")
    assert ru_exam.title_uz == "Manager tahrir qilgan nom"
    assert ru_exam.title_en == "E-Government Fundamentals"
    assert ru_exam.description_uz.endswith("Savollar rus tilida.")
    assert ru_exam.description_uz.count("Savollar") == 1
