"""Fixtures of the question bank's authoring tests: a category tree, trainers and reviewers."""

import pytest
from django.contrib.auth.models import Group, Permission

from question_bank.models import Category, CategoryPermission


def grant(*, user=None, group=None, category, include_subcategories=True):
    return CategoryPermission.objects.create(
        user=user, group=group, category=category, include_subcategories=include_subcategories
    )


@pytest.fixture
def tree(db):
    """``Law``, ``Law/Oʻzbekiston``, ``Security``: returned as a dict by short name."""
    law = Category.ensure_path("Law")
    return {
        "law": law,
        "law_uz": Category.ensure_path("Law/Oʻzbekiston"),
        "security": Category.ensure_path("Security"),
    }


def _staff(django_user_model, email):
    user = django_user_model.objects.create_user(email=email, password="Parol-2026!", is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    return user


@pytest.fixture
def trainer(django_user_model, tree):
    """A trainer granted ``Law`` and everything below it."""
    user = _staff(django_user_model, "trainer@example.uz")
    grant(user=user, category=tree["law"])
    return user


@pytest.fixture
def other_trainer(django_user_model, tree):
    """A trainer granted ``Security`` only."""
    user = _staff(django_user_model, "trainer2@example.uz")
    grant(user=user, category=tree["security"])
    return user


@pytest.fixture
def reviewer(django_user_model, tree):
    """A reviewer (through the Reviewer group's permission) who is also a trainer of ``Law``."""
    user = _staff(django_user_model, "reviewer@example.uz")
    group, _ = Group.objects.get_or_create(name="Question reviewers")
    group.permissions.add(Permission.objects.get(codename="review_questionversion"))
    user.groups.add(group)
    grant(user=user, category=tree["law"])
    return user


def true_false(name="Yer yumaloqmi?", **extra):
    return {"name": name, "qtype": "true_false", "text": f"<p>{name}</p>", "correct": True, **extra}
