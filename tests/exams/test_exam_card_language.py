"""Two exams with the same title differ by the language of their questions: the card says which."""

import pytest

from tests.factories import ExamFactory

pytestmark = pytest.mark.django_db


def test_the_exam_card_names_the_language_of_the_questions(client, candidate):
    ExamFactory(code="same-uz", item_language="uz")
    ExamFactory(code="same-ru", item_language="ru")
    client.force_login(candidate)
    html = client.get("/uz/exams/").content.decode()
    assert 'data-item-language="uz">Oʻzbekcha<' in html
    assert 'data-item-language="ru">Русский<' in html
