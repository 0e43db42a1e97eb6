"""The life of a version through the authoring services: create, submit, approve/reject,
retire, duplicate, move, tag, translations; permissions checked on the server."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError

from question_bank.models import Category, Question, QuestionVersion, VersionStatus
from question_bank.permissions import can_edit_category, editable_category_ids
from question_bank.services import (
    category_save,
    question_create,
    question_duplicate,
    question_move,
    question_retire,
    questions_import,
    questions_link_translations,
    questions_tag,
    version_approve,
    version_create,
    version_reject,
    version_submit_for_review,
)
from question_bank.services.importing import QuestionImportError
from tests.question_bank.conftest import grant, true_false

pytestmark = pytest.mark.django_db


def test_every_save_creates_a_new_draft_version_and_keeps_the_old_one(trainer, tree):
    first = question_create(category=tree["law"], data=true_false(), by=trainer)
    second = version_create(question=first.question, data=true_false(correct=False), by=trainer)
    assert (first.number, second.number) == (1, 2)
    assert second.status == VersionStatus.DRAFT and second.created_by == trainer
    first.refresh_from_db()
    assert first.data["correct"] is True and second.data["correct"] is False
    assert first.question.versions.count() == 2


def test_invalid_content_is_refused_with_the_problem_and_nothing_written(trainer, tree):
    with pytest.raises(ValidationError) as caught:
        question_create(category=tree["law"], data={"name": "X", "qtype": "single_choice", "text": "?"}, by=trainer)
    assert "choices" in str(caught.value)
    assert Question.objects.count() == 0


def test_html_is_sanitized_and_latex_kept(trainer, tree):
    data = true_false(text='<p onclick="x()">\\(a^2\\)<script>alert(1)</script><a href="javascript:x">l</a></p>')
    version = question_create(category=tree["law"], data=data, by=trainer)
    assert "script" not in version.data["text"] and "onclick" not in version.data["text"]
    assert "javascript" not in version.data["text"]
    assert "\\(a^2\\)" in version.data["text"]


def test_a_trainer_cannot_write_in_a_category_not_granted(trainer, tree):
    with pytest.raises(PermissionDenied):
        question_create(category=tree["security"], data=true_false(), by=trainer)
    assert Question.objects.count() == 0


def test_a_grant_with_subcategories_covers_them_and_one_without_does_not(django_user_model, tree):
    narrow = django_user_model.objects.create_user(email="narrow@example.uz", password="x")
    grant(user=narrow, category=tree["law"], include_subcategories=False)
    assert can_edit_category(narrow, tree["law"])
    assert not can_edit_category(narrow, tree["law_uz"])
    assert editable_category_ids(narrow) == {tree["law"].pk}


def test_a_grant_to_a_group_reaches_its_members(django_user_model, tree):
    from django.contrib.auth.models import Group

    member = django_user_model.objects.create_user(email="member@example.uz", password="x")
    group = Group.objects.create(name="Law trainers")
    member.groups.add(group)
    grant(group=group, category=tree["law"])
    assert can_edit_category(member, tree["law_uz"])
    assert not can_edit_category(member, tree["security"])


def test_content_cannot_carry_an_approved_status(trainer, tree):
    with pytest.raises(ValidationError) as caught:
        question_create(category=tree["law"], data=true_false(status="approved"), by=trainer)
    assert "status" in str(caught.value)
    assert QuestionVersion.objects.count() == 0


def test_submit_then_approve_by_another_reviewer_makes_it_drawable(trainer, reviewer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    version_submit_for_review(version=version, by=trainer)
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW and version.submitted_by == trainer
    version_approve(version=version, by=reviewer, comment="Yaxshi")
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert (version.reviewed_by, version.review_comment) == (reviewer, "Yaxshi")
    assert version.question.approved_version_id == version.pk


def test_the_author_of_a_version_cannot_approve_it_even_as_a_reviewer(reviewer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=reviewer)
    version_submit_for_review(version=version, by=reviewer)
    with pytest.raises(PermissionDenied):
        version_approve(version=version, by=reviewer, comment="")
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    assert Question.objects.get().approved_version is None


def test_a_trainer_without_the_review_permission_cannot_approve(trainer, other_trainer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    version_submit_for_review(version=version, by=trainer)
    with pytest.raises(PermissionDenied):
        version_approve(version=version, by=other_trainer, comment="")
    assert Question.objects.get().approved_version is None


def test_a_draft_cannot_be_approved_before_it_is_submitted(trainer, reviewer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    with pytest.raises(ValidationError):
        version_approve(version=version, by=reviewer, comment="")
    assert Question.objects.get().approved_version is None


def test_reject_needs_a_comment_and_sends_the_version_back(trainer, reviewer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    version_submit_for_review(version=version, by=trainer)
    with pytest.raises(ValidationError):
        version_reject(version=version, by=reviewer, comment="  ")
    version_reject(version=version, by=reviewer, comment="Matnni aniqlashtiring")
    version.refresh_from_db()
    assert version.status == VersionStatus.REJECTED and version.review_comment == "Matnni aniqlashtiring"
    assert version.question.approved_version is None


def test_an_edit_after_approval_keeps_the_approved_version_drawn_until_approved(trainer, reviewer, tree):
    first = question_create(category=tree["law"], data=true_false(), by=trainer)
    version_submit_for_review(version=first, by=trainer)
    version_approve(version=first, by=reviewer, comment="")
    second = version_create(question=first.question, data=true_false(correct=False), by=trainer)
    question = Question.objects.get()
    assert question.approved_version_id == first.pk
    version_submit_for_review(version=second, by=trainer)
    version_approve(version=second, by=reviewer, comment="")
    question.refresh_from_db()
    assert question.approved_version_id == second.pk


def test_only_the_newest_version_can_be_submitted(trainer, tree):
    first = question_create(category=tree["law"], data=true_false(), by=trainer)
    version_create(question=first.question, data=true_false(correct=False), by=trainer)
    with pytest.raises(ValidationError):
        version_submit_for_review(version=first, by=trainer)


def test_retire_stops_the_draw_and_records_who_and_why(trainer, reviewer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    version_submit_for_review(version=version, by=trainer)
    version_approve(version=version, by=reviewer, comment="")
    question = question_retire(question=version.question, by=trainer, reason="Qonun oʻzgardi")
    question.refresh_from_db()
    version.refresh_from_db()
    assert question.approved_version is None and question.retire_reason == "Qonun oʻzgardi"
    assert version.status == VersionStatus.RETIRED
    entry = LogEntry.objects.get_for_object(question).filter(changes__icontains="retire_reason").latest("timestamp")
    assert entry.actor == trainer
    assert entry.additional_data == {"reason": "Qonun oʻzgardi"}


def test_retire_needs_a_reason(trainer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    with pytest.raises(ValidationError):
        question_retire(question=version.question, by=trainer, reason="")
    assert not Question.objects.get().is_retired


def test_approval_and_rejection_are_in_the_audit_log_with_the_comment(trainer, reviewer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    version_submit_for_review(version=version, by=trainer)
    version_reject(version=version, by=reviewer, comment="Xato")
    entry = LogEntry.objects.get_for_object(version).latest("timestamp")
    assert entry.actor == reviewer and entry.additional_data == {"comment": "Xato"}
    assert "rejected" in entry.changes_str or "rejected" in str(entry.changes)


def test_duplicate_copies_the_newest_content_as_a_new_draft_without_idnumber(trainer, tree):
    source = question_create(category=tree["law"], data=true_false(), by=trainer, idnumber="LAW-1")
    copy = question_duplicate(question=source.question, by=trainer)
    assert copy.question.pk != source.question.pk
    assert copy.question.idnumber is None and copy.status == VersionStatus.DRAFT
    assert copy.name == "Yer yumaloqmi? (copy)"
    assert copy.data["text"] == source.data["text"]


def test_move_needs_both_categories(trainer, tree):
    version = question_create(category=tree["law"], data=true_false(), by=trainer)
    with pytest.raises(PermissionDenied):
        question_move(question=version.question, category=tree["security"], by=trainer)
    question_move(question=version.question, category=tree["law_uz"], by=trainer)
    assert Question.objects.get().category == tree["law_uz"]
    assert QuestionVersion.objects.count() == 1  # a move is not a new version


def test_bulk_tag_adds_a_version_only_where_a_tag_is_missing(trainer, tree):
    a = question_create(category=tree["law"], data=true_false("A", tags=["law"]), by=trainer).question
    b = question_create(category=tree["law"], data=true_false("B"), by=trainer).question
    created = questions_tag(questions=[a, b], tags=["law"], by=trainer)
    assert created == 1
    assert b.latest_version.data["tags"] == ["law"] and a.versions.count() == 1


def test_bulk_tag_is_all_or_nothing(trainer, other_trainer, tree):
    mine = question_create(category=tree["law"], data=true_false("A"), by=trainer).question
    theirs = question_create(category=tree["security"], data=true_false("B"), by=other_trainer).question
    with pytest.raises(PermissionDenied):
        questions_tag(questions=[mine, theirs], tags=["x"], by=trainer)
    assert QuestionVersion.objects.count() == 2


def test_translations_link_questions_of_different_languages(trainer, tree):
    uz = question_create(category=tree["law"], data=true_false("UZ", language="uz"), by=trainer).question
    ru = question_create(category=tree["law"], data=true_false("RU", language="ru"), by=trainer).question
    group = questions_link_translations(questions=[uz, ru], by=trainer)
    assert set(Question.objects.filter(translation_group=group)) == {uz, ru}
    uz2 = question_create(category=tree["law"], data=true_false("UZ2", language="uz"), by=trainer).question
    with pytest.raises(ValidationError):
        questions_link_translations(questions=[uz2, ru], by=trainer)


def test_renaming_a_category_rewrites_the_paths_below(django_user_model, tree):
    admin = django_user_model.objects.create_superuser(email="admin@example.uz", password="x")
    category_save(category=tree["law"], by=admin, name="Huquq", parent=None)
    assert Category.objects.get(pk=tree["law_uz"].pk).path == "Huquq/Oʻzbekiston"
    with pytest.raises(ValidationError):
        category_save(category=tree["law"], by=admin, name="Huquq", parent=Category.objects.get(pk=tree["law_uz"].pk))


def test_a_trainer_creates_subcategories_only_under_a_granted_category(trainer, tree):
    created = category_save(category=Category(), by=trainer, name="Yangi", parent=tree["law"])
    assert created.path == "Law/Yangi"
    with pytest.raises(PermissionDenied):
        category_save(category=Category(), by=trainer, name="Yangi", parent=tree["security"])
    with pytest.raises(PermissionDenied):
        category_save(category=Category(), by=trainer, name="Top", parent=None)


def test_an_import_by_a_trainer_into_another_category_imports_nothing(trainer, tree):
    questions = [{**true_false("A"), "category": "Law/New"}, {**true_false("B"), "category": "Security"}]
    with pytest.raises(QuestionImportError) as caught:
        questions_import(questions=questions, by=trainer, enforce_permissions=True)
    assert caught.value.problems == [(1, "Question 'B': you may not edit questions in the category 'Security'")]
    assert Question.objects.count() == 0


def test_an_import_by_a_trainer_cannot_approve(trainer, tree):
    with pytest.raises(QuestionImportError):
        questions_import(
            questions=[{**true_false(), "category": "Law"}], by=trainer, approve=True, enforce_permissions=True
        )
    assert Question.objects.count() == 0


def test_an_import_leaves_one_audit_record_per_category_with_the_counts(trainer, tree):
    questions = [{**true_false("A"), "category": "Law"}, {**true_false("B"), "category": "Law"}]
    questions_import(questions=questions, by=trainer, enforce_permissions=True)
    entry = LogEntry.objects.get_for_object(tree["law"]).latest("timestamp")
    assert entry.actor == trainer
    assert entry.additional_data["import"] == {"created": 2, "updated": 0, "unchanged": 0}
