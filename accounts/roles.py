"""The roles of DESIGN.md as Django groups with permissions, created idempotently.

A role is a :class:`~django.contrib.auth.models.Group` whose permissions are described here by
rules rather than by a fixed list, so an app that adds a model later is covered the next time
:func:`roles_setup` runs (after every ``migrate``, see :mod:`accounts.apps`, and from
``seed_demo``). A rule is ``"app_label.action_*"`` (that action on every model of the app),
``"app_label.*"`` (every permission of the app) or a plain codename ``"app_label.codename"``.
A codename that does not exist yet is skipped and reported, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction


@dataclass(frozen=True)
class Role:
    key: str
    group_name: str
    staff: bool
    rules: tuple[str, ...]


ADMIN_ACCESS = "wagtailadmin.access_admin"

CANDIDATE = "candidate"
TRAINER = "trainer"
REVIEWER = "reviewer"
EXAM_MANAGER = "exam_manager"
EXAMINER = "examiner"
CERTIFICATION_OFFICER = "certification_officer"
ANALYST = "analyst"
ADMINISTRATOR = "administrator"

ROLES: dict[str, Role] = {
    role.key: role
    for role in [
        Role(CANDIDATE, "Candidate", staff=False, rules=()),
        Role(
            TRAINER,
            "Trainer",
            staff=True,
            rules=(
                ADMIN_ACCESS,
                "question_bank.view_*",
                "question_bank.add_*",
                "question_bank.change_*",
                "wagtailimages.add_image",
                "wagtaildocs.add_document",
            ),
        ),
        Role(
            REVIEWER,
            "Reviewer",
            staff=True,
            rules=(ADMIN_ACCESS, "question_bank.view_*", "question_bank.review_questionversion"),
        ),
        Role(
            EXAM_MANAGER,
            "Exam manager",
            staff=True,
            rules=(
                ADMIN_ACCESS,
                "exams.view_*",
                "exams.add_exam",
                "exams.change_exam",
                "exams.delete_exam",
                "exams.add_section",
                "exams.change_section",
                "exams.delete_section",
                "exams.add_drawrule",
                "exams.change_drawrule",
                "exams.delete_drawrule",
                "exams.add_examoverride",
                "exams.change_examoverride",
                "exams.delete_examoverride",
                "exams.add_examsession",
                "exams.change_examsession",
                "exams.delete_examsession",
                "exams.add_fixedquestion",
                "exams.change_fixedquestion",
                "exams.delete_fixedquestion",
                "exams.change_attempt",
                "verification.view_*",
                "verification.add_examverificationpolicy",
                "verification.change_examverificationpolicy",
                "verification.delete_examverificationpolicy",
                "question_bank.view_*",
                "accounts.view_organisation",
                "accounts.view_cohort",
                "accounts.add_cohort",
                "accounts.change_cohort",
            ),
        ),
        Role(
            EXAMINER,
            "Examiner",
            staff=True,
            rules=(
                ADMIN_ACCESS,
                "exams.view_*",
                "exams.change_attempt",
                "exams.change_attemptitem",
                "question_bank.view_*",
                # Verified results (issue 11): sign-off, appeals, identity checks in the exam room.
                "verification.view_*",
                "verification.sign_off_result",
                "verification.decide_appeal",
                "verification.confirm_identity",
            ),
        ),
        Role(
            CERTIFICATION_OFFICER,
            "Certification officer",
            staff=True,
            rules=(ADMIN_ACCESS, "certificates.*", "exams.view_exam", "exams.view_attempt"),
        ),
        Role(
            ANALYST,
            "Analyst",
            staff=True,
            rules=(
                ADMIN_ACCESS,
                "question_bank.view_*",
                "exams.view_*",
                "certificates.view_*",
                "accounts.view_organisation",
                "accounts.view_cohort",
                "reports.view_reports",
            ),
        ),
        Role(
            ADMINISTRATOR,
            "Administrator",
            staff=True,
            rules=(
                ADMIN_ACCESS,
                "accounts.*",
                "auth.*",
                "mfa.view_*",
                "usersessions.*",
                "socialaccount.*",
                "wagtailusers.*",
                "question_bank.view_*",
                "exams.view_*",
                "certificates.view_*",
                "certificates.manage_register",
                "auditlog.view_*",
            ),
        ),
    ]
}

STAFF_GROUP_NAMES = frozenset(role.group_name for role in ROLES.values() if role.staff)


def role_permissions(role: Role) -> tuple[list[Permission], list[str]]:
    """The permissions a role's rules resolve to now, and the rules that matched nothing.

    Returns ``(permissions, missing)``; ``missing`` holds rules naming an app or codename
    that does not exist (yet).
    """
    found: dict[int, Permission] = {}
    missing: list[str] = []
    for rule in role.rules:
        app_label, _, codename = rule.partition(".")
        query = Permission.objects.filter(content_type__app_label=app_label)
        if codename == "*":
            pass
        elif codename.endswith("_*"):
            query = query.filter(codename__startswith=codename[:-1])
        else:
            query = query.filter(codename=codename)
        permissions = list(query)
        if not permissions:
            missing.append(rule)
        found.update((permission.pk, permission) for permission in permissions)
    return list(found.values()), missing


@transaction.atomic
def roles_setup() -> dict[str, list[str]]:
    """Create or update the role groups so each has exactly its rules' permissions.

    Idempotent. Permissions added to a group by hand are replaced: the rules here are the
    source of truth. Returns ``{group name: [rules that matched nothing]}`` for the roles
    with unmatched rules (apps not installed or models not yet created).
    """
    report: dict[str, list[str]] = {}
    for role in ROLES.values():
        group, _ = Group.objects.get_or_create(name=role.group_name)
        permissions, missing = role_permissions(role)
        group.permissions.set(permissions)
        if missing:
            report[role.group_name] = missing
    return report


def role_group(key: str) -> Group:
    """The group of role ``key`` (one of the keys of :data:`ROLES`), created if missing."""
    group, _ = Group.objects.get_or_create(name=ROLES[key].group_name)
    return group


def user_is_staff_member(user) -> bool:
    """True for anyone who can open the Wagtail admin or the Django admin: they need MFA."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.is_staff or user.has_perm(ADMIN_ACCESS))
