"""Trainers see a question's statistics and flags on its page in the question bank (issue 8, item 4)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from question_bank.models import CategoryPermission
from tests.factories import CategoryFactory, UserFactory, approved_question

from .helpers import exam_with_attempts

pytestmark = pytest.mark.django_db

# Item 1 answered right by 4 of 5 attempts; item 2 by 1 of 5; item 3 by 3 of 5.
MATRIX = [[1, 0, 1], [1, 0, 1], [1, 1, 1], [1, 0, 0], [0, 0, 0]]


@pytest.fixture
def trainer(client, settings):
    settings.CERTIFY_REQUIRE_STAFF_MFA = False
    category = CategoryFactory(name="Statistika")
    user = UserFactory(is_staff=True, is_superuser=True)
    CategoryPermission.objects.create(user=user, category=category, include_subcategories=True)
    client.force_login(user)
    return user, category


def test_the_question_page_shows_its_facility_and_flags(client, trainer):
    _user, category = trainer
    questions = [approved_question(category=category) for _ in range(3)]
    exam_with_attempts(questions, MATRIX)
    with translation.override("en"):
        html = client.get(reverse("question_bank_admin:question", args=[questions[1].pk])).content.decode()
    assert 'id="question-statistics"' in html
    # Facility of item 2: 1 of 5 (the admin may format decimals with a comma, as in Uzbek).
    assert re.search(r"0[.,]200", html)


def test_an_unused_question_says_it_has_no_statistics_yet(client, trainer):
    _user, category = trainer
    question = approved_question(category=category)
    with translation.override("en"):
        html = client.get(reverse("question_bank_admin:question", args=[question.pk])).content.decode()
    assert 'id="question-statistics"' in html
    assert not re.search(r"0[.,]\d{3}</dd>", html)
