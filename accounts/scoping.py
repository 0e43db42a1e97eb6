"""Which organisations a staff member's roles reach: for other apps to filter by.

Rule: a superuser, or a user with a role assignment that names no organisation, sees every
organisation (``None``). A user whose assignments all name organisations sees those
organisations and every organisation below them. A staff member with groups but no
assignment at all sees everything (the group alone is a register-wide role). Anyone else
(anonymous, a candidate) sees no organisation as staff.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet

from .models import Organisation, RoleAssignment
from .roles import user_is_staff_member


def organisation_subtree_ids(roots: Iterable[int]) -> set[int]:
    """The ids of ``roots`` and of every organisation below them (one query)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Organisation.objects.values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        pk = stack.pop()
        if pk in seen:
            continue
        seen.add(pk)
        stack.extend(children.get(pk, ()))
    return seen


def organisations_visible_to(user) -> QuerySet[Organisation] | None:
    """The organisations whose people and results ``user`` may see as staff.

    Returns ``None`` for "no limit" (filter nothing), otherwise a queryset of organisations
    (possibly empty). Callers filter, for example,
    ``attempts.filter(candidate__organisation__in=visible)`` when ``visible is not None``.
    """
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    if user.is_superuser:
        return None
    scopes = list(RoleAssignment.objects.filter(user=user).values_list("organisation_id", flat=True))
    if not scopes:
        return None if user_is_staff_member(user) else Organisation.objects.none()
    if any(scope is None for scope in scopes):
        return None
    return Organisation.objects.filter(pk__in=organisation_subtree_ids(scopes))
