"""Who may do what in the question bank (checked by the services, whatever the caller).

- A **trainer** edits the questions of the categories granted to them by a
  :class:`~question_bank.models.CategoryPermission` (to them or to one of their groups),
  the category itself or, when the grant says so, every category below it.
- A **reviewer** holds ``question_bank.review_questionversion`` and approves or rejects
  versions anywhere in the bank, except the versions they wrote themselves.
- A superuser may do both (and still cannot approve their own version: the four-eyes
  rule has no exception).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from question_bank.models import CATEGORY_SEPARATOR, Category, CategoryPermission

if TYPE_CHECKING:
    from accounts.models import User

REVIEW_PERMISSION = "question_bank.review_questionversion"


def _grants(user: User):
    return CategoryPermission.objects.filter(Q(user=user) | Q(group__in=user.groups.all())).select_related("category")


def editable_category_ids(user: User | None) -> set[int] | None:
    """Ids of the categories ``user`` may edit; None means every category (a superuser).

    An anonymous or inactive user, or None, may edit nothing (an empty set).
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    ids: set[int] = set()
    prefixes: list[str] = []
    for grant in _grants(user):
        ids.add(grant.category_id)
        if grant.include_subcategories:
            prefixes.append(grant.category.path + CATEGORY_SEPARATOR)
    if prefixes:
        below = Q()
        for prefix in prefixes:
            below |= Q(path__startswith=prefix)
        ids.update(Category.objects.filter(below).values_list("pk", flat=True))
    return ids


def can_edit_category(user: User | None, category: Category) -> bool:
    """True when ``user`` may create, edit, move into or out of, and submit in ``category``."""
    return can_edit_path(user, category.path)


def can_edit_path(user: User | None, path: str) -> bool:
    """Like :func:`can_edit_category` for a category path that may not exist yet (an import
    creating ``A/B/New`` needs a grant on ``A/B/New`` itself or one with subcategories above it)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    for grant in _grants(user):
        granted = grant.category.path
        if path == granted or (grant.include_subcategories and path.startswith(granted + CATEGORY_SEPARATOR)):
            return True
    return False


def can_review(user: User | None) -> bool:
    """True when ``user`` may approve or reject versions (not their own: see the services)."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_perm(REVIEW_PERMISSION))


def is_bank_user(user: User | None) -> bool:
    """True for anyone with a part in the bank: a grant on some category, or the review permission."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    ids = editable_category_ids(user)
    return ids is None or bool(ids) or can_review(user)
