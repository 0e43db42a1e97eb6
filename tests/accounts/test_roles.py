"""Roles as groups with permissions, and the organisation scope of a role."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import Organisation, RoleAssignment
from accounts.roles import ROLES, role_group, roles_setup
from accounts.scoping import organisations_visible_to

pytestmark = pytest.mark.django_db


def test_every_role_of_the_design_exists_after_migrate():
    names = set(Group.objects.values_list("name", flat=True))
    assert {role.group_name for role in ROLES.values()} <= names
    assert roles_setup() == {}  # every rule matches an existing permission


def test_staff_roles_open_the_wagtail_admin_and_candidates_do_not():
    for role in ROLES.values():
        group = Group.objects.get(name=role.group_name)
        has_admin = group.permissions.filter(content_type__app_label="wagtailadmin", codename="access_admin").exists()
        assert has_admin == role.staff, role.key


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (
            "trainer",
            ["question_bank.add_question", "question_bank.change_questionversion"],
            ["question_bank.review_questionversion", "exams.add_exam"],
        ),
        (
            "reviewer",
            ["question_bank.review_questionversion"],
            ["question_bank.add_question", "certificates.change_certificate"],
        ),
        (
            "exam_manager",
            ["exams.add_exam", "exams.change_attempt", "accounts.add_cohort"],
            ["certificates.change_certificate"],
        ),
        ("examiner", ["exams.change_attemptitem", "exams.view_attempt"], ["exams.add_exam"]),
        (
            "certification_officer",
            ["certificates.change_certificate"],
            ["exams.add_exam", "question_bank.add_question"],
        ),
        (
            "analyst",
            ["exams.view_attempt", "certificates.view_certificate"],
            ["exams.change_attempt", "certificates.change_certificate"],
        ),
        (
            "administrator",
            ["accounts.add_user", "accounts.change_roleassignment", "auth.change_group"],
            ["exams.change_attempt"],
        ),
    ],
)
def test_each_role_has_the_permissions_its_work_needs_and_not_others(staff_factory, role, allowed, refused):
    user = staff_factory(role)
    for permission in allowed:
        assert user.has_perm(permission), permission
    for permission in refused:
        assert not user.has_perm(permission), permission


def test_setup_is_idempotent_and_restores_permissions_removed_by_hand():
    trainer = role_group("trainer")
    count = trainer.permissions.count()
    trainer.permissions.clear()
    roles_setup()
    roles_setup()
    assert trainer.permissions.count() == count
    assert Group.objects.filter(name="Trainer").count() == 1


def test_a_role_limited_to_an_organisation_sees_its_subtree_only(staff_factory):
    ministry = Organisation.objects.create(name="Vazirlik")
    agency = Organisation.objects.create(name="Agentlik", parent=ministry)
    department = Organisation.objects.create(name="Boʻlim", parent=agency)
    other = Organisation.objects.create(name="Boshqa vazirlik")
    examiner = staff_factory("examiner", organisation=agency)
    assert set(organisations_visible_to(examiner)) == {agency, department}
    assert other not in organisations_visible_to(examiner)


def test_an_unscoped_role_or_a_superuser_sees_everything_and_a_candidate_nothing(
    staff_factory, candidate, django_user_model
):
    assert organisations_visible_to(staff_factory("analyst")) is None
    assert organisations_visible_to(django_user_model.objects.create_superuser(email="r@example.uz")) is None
    assert list(organisations_visible_to(candidate)) == []


def test_removing_the_last_assignment_of_a_role_removes_the_group(staff_factory):
    examiner = staff_factory("examiner")
    assert examiner.groups.filter(name="Examiner").exists()
    RoleAssignment.objects.filter(user=examiner).delete()
    assert not examiner.groups.filter(name="Examiner").exists()
