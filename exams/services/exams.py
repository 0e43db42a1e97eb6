"""Writes on exams: publishing (with its checks and a sample form), new versions, and the
guard that freezes an exam's content once an attempt exists.

Rules (issue 4, "Blueprint"): publishing checks that every draw rule can be filled from
approved versions, also when rules overlap (the same exact matching as a real draw,
:func:`exams.engine.draw.draw_form`), shows the maximum score and previews a sample form.
An exam's content (blueprint, timing, cut score: :attr:`Exam.CONTENT_FIELDS`) cannot change
once an attempt exists, except by creating a new exam version (:func:`exam_new_version`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from question_bank.models import QuestionVersion

from .. import selectors
from ..engine import draw, scoring
from ..models import Attempt, DrawRule, Exam, FixedQuestion, Section


class ExamLocked(ValidationError):
    """The exam has attempts: its content can only change through a new version."""


def exam_locked_message() -> str:
    return _(
        "This exam already has attempts: its sections, draw rules, timing and cut score can no longer change. "
        "Create a new version of the exam instead."
    )


def exam_has_attempts(*, exam_id: int | None) -> bool:
    return bool(exam_id) and Attempt.objects.filter(exam_id=exam_id).exists()


@dataclass
class RuleCheck:
    """One draw rule (or fixed question) at publishing: ``pool`` approved questions it may
    draw, ``count`` it needs, ``missing`` slots the exact matching could not fill."""

    rule_id: int
    section: str
    label: str
    count: int
    pool: int
    points: Decimal | None
    missing: int = 0


@dataclass
class SampleItem:
    position: int
    section: str
    question_id: int
    name: str
    qtype: str
    points: Decimal


@dataclass
class PublishReport:
    """What :func:`exam_check` and :func:`exam_publish` found.

    ``fillable``: every rule can be filled at once. ``max_score``: points of the sample form
    (exact when every rule gives its points; otherwise it depends on the versions drawn and
    ``max_score_varies`` is true). ``sample``: a dry draw with a random seed.
    """

    rules: list[RuleCheck] = field(default_factory=list)
    fillable: bool = True
    max_score: Decimal = Decimal(0)
    max_score_varies: bool = False
    sample: list[SampleItem] = field(default_factory=list)
    seed: int = 0
    errors: list[str] = field(default_factory=list)


def exam_check(*, exam: Exam, seed: int | None = None) -> PublishReport:
    """Check that ``exam``'s blueprint can be drawn and draw a sample form; writes nothing.

    Returns a :class:`PublishReport`. ``seed`` (default: random from :mod:`secrets`) makes
    the sample reproducible.
    """
    report = PublishReport(seed=seed if seed is not None else secrets.randbits(62))
    pools, version_of = selectors.exam_rule_pools(exam=exam)
    labels = _rule_labels(exam)
    for pool in pools:
        section, label = labels.get(pool.rule_id, ("", str(pool.rule_id)))
        report.rules.append(
            RuleCheck(
                rule_id=pool.rule_id,
                section=section,
                label=label,
                count=pool.count,
                pool=len(set(pool.pool)),
                points=pool.points,
            )
        )
        if pool.points is None:
            report.max_score_varies = True
    if not pools:
        report.fillable = False
        report.errors.append(_("The exam has no draw rules or fixed questions."))
        return report
    try:
        picks = draw.draw_form(rules=pools, seed=report.seed, shuffle_items=exam.shuffle_items)
    except draw.PoolTooSmall as error:
        report.fillable = False
        for check in report.rules:
            check.missing = error.shortfalls.get(check.rule_id, 0)
        report.errors.append(
            _("The approved questions cannot fill every rule at once: %(missing)s missing.")
            % {"missing": sum(error.shortfalls.values())}
        )
        return report
    versions = QuestionVersion.objects.in_bulk([version_of[p.rule_id][p.question_id] for p in picks])
    titles = {section.pk: section.title for section in exam.sections.all()}
    for position, pick in enumerate(picks, start=1):
        version = versions[version_of[pick.rule_id][pick.question_id]]
        points = pick.points if pick.points is not None else version.default_points
        if version.qtype == "description":
            points = Decimal(0)
        report.sample.append(
            SampleItem(
                position=position,
                section=titles.get(pick.section_id, ""),
                question_id=pick.question_id,
                name=version.name,
                qtype=version.qtype,
                points=points,
            )
        )
    report.max_score = scoring.attempt_score((item.points, item.points) for item in report.sample).max_score
    return report


def _rule_labels(exam: Exam) -> dict[int, tuple[str, str]]:
    labels: dict[int, tuple[str, str]] = {}
    for rule in DrawRule.objects.filter(section__exam=exam).select_related("section", "category"):
        detail = rule.category.path + (" (+)" if rule.include_subcategories else "")
        detail += f", {rule.difficulty_min}–{rule.difficulty_max}"
        if rule.qtypes:
            detail += ", " + ", ".join(rule.qtypes)
        if rule.tags:
            detail += ", #" + " #".join(rule.tags)
        labels[rule.pk] = (rule.section.title, detail)
    for fixed in FixedQuestion.objects.filter(section__exam=exam).select_related("section"):
        labels[-fixed.pk] = (fixed.section.title, _("fixed question #%(id)s") % {"id": fixed.question_id})
    return labels


def _require_manager(by) -> None:
    if by is None or not by.has_perm("exams.change_exam"):
        raise PermissionDenied(_("Only an exam manager can publish or version exams."))


@transaction.atomic
def exam_publish(*, exam: Exam, by) -> PublishReport:
    """Publish ``exam`` when its blueprint can be drawn; returns the :class:`PublishReport`.

    Nothing is written when the report is not fillable (``report.fillable`` false, the rules
    that fall short have ``missing`` > 0). Raises ``PermissionDenied`` when ``by`` lacks
    ``exams.change_exam``.

    One published version per exam (H13): publishing a version unpublishes every other
    version in its line (:func:`exams.selectors.exam_version_lines`), so candidates are not
    offered the old and the new one side by side. Attempts in progress on an unpublished
    version continue and are graded as usual (see :func:`exam_unpublish`).
    """
    _require_manager(by)
    locked = Exam.objects.select_for_update().get(pk=exam.pk)
    report = exam_check(exam=locked)
    if report.fillable and not locked.is_published:
        locked.is_published = True
        locked.save(update_fields=["is_published"])
        exam.is_published = True
        others = selectors.exam_version_lines(exams=[locked])[locked.pk]
        if others:
            Exam.objects.filter(pk__in=others, is_published=True).update(is_published=False)
    return report


@transaction.atomic
def exam_unpublish(*, exam: Exam, by) -> Exam:
    """Hide ``exam`` from candidates (attempts in progress continue)."""
    _require_manager(by)
    Exam.objects.filter(pk=exam.pk).update(is_published=False)
    exam.is_published = False
    return exam


@transaction.atomic
def exam_new_version(*, exam: Exam, by, code: str) -> Exam:
    """A copy of ``exam`` (settings, eligibility, sections, draw rules, fixed questions) under
    the new ``code``, unpublished, with ``version`` one more than the highest in its line and
    ``previous_version`` = ``exam``. The original and its attempts stay as they are.

    Raises ``PermissionDenied``, or ``ValidationError`` when ``code`` is empty or taken.
    """
    _require_manager(by)
    code = (code or "").strip()
    if not code:
        raise ValidationError(_("Give the new version a code."))
    if Exam.objects.filter(code=code).exists():
        raise ValidationError(_("An exam with the code %(code)s already exists.") % {"code": code})
    source = Exam.objects.get(pk=exam.pk)
    organisations = list(source.eligible_organisations.all())
    cohorts = list(source.eligible_cohorts.all())
    sections = list(source.sections.prefetch_related("draw_rules", "fixed_questions").order_by("position", "id"))
    copy = Exam.objects.get(pk=exam.pk)
    copy.pk = copy.id = None
    copy._state.adding = True
    copy.code = code
    copy.is_published = False
    copy.previous_version = source
    copy.version = _next_version_number(source)
    copy.save()
    copy.eligible_organisations.set(organisations)
    copy.eligible_cohorts.set(cohorts)
    for section in sections:
        rules = list(section.draw_rules.all())
        fixed = list(section.fixed_questions.all())
        new_section = Section.objects.create(
            exam=copy,
            position=section.position,
            title_uz=section.title_uz,
            title_ru=section.title_ru,
            title_en=section.title_en,
        )
        for rule in rules:
            rule.pk = rule.id = None
            rule._state.adding = True
            rule.section = new_section
            rule.save()
        for item in fixed:
            item.pk = item.id = None
            item._state.adding = True
            item.section = new_section
            item.save()
    return copy


def _next_version_number(exam: Exam) -> int:
    """One more than the highest version in ``exam``'s line (its ancestors and their copies)."""
    root = exam
    seen = {root.pk}
    while root.previous_version_id and root.previous_version_id not in seen:
        root = root.previous_version
        seen.add(root.pk)
    highest = exam.version
    frontier = [root.pk]
    while frontier:
        children = list(Exam.objects.filter(previous_version_id__in=frontier).values_list("pk", "version"))
        highest = max([highest, *(version for _pk, version in children)])
        frontier = [pk for pk, _version in children if pk not in seen]
        seen.update(frontier)
    return highest + 1


# ---------------------------------------------------------------------------------------
# The content guard: connected in ExamsConfig.ready() to pre_save / pre_delete, so that every
# path (admin, shell, script) is refused, not only the admin form.

RULE_FIELDS = (
    "section_id",
    "category_id",
    "include_subcategories",
    "count",
    "points",
    "difficulty_min",
    "difficulty_max",
    "qtypes",
    "tags",
)
FIXED_FIELDS = ("section_id", "question_id", "points")


def _exam_id_of(instance) -> int | None:
    if isinstance(instance, Exam):
        return instance.pk
    if isinstance(instance, Section):
        return instance.exam_id
    section_id = instance.section_id
    return Section.objects.filter(pk=section_id).values_list("exam_id", flat=True).first() if section_id else None


def guard_exam_content_save(sender, instance, raw=False, **kwargs) -> None:
    """``pre_save``: refuse a change of the content of an exam that has attempts."""
    if raw:
        return
    if isinstance(instance, Exam):
        if instance.pk is None or not exam_has_attempts(exam_id=instance.pk):
            return
        stored = Exam.objects.filter(pk=instance.pk).values(*Exam.CONTENT_FIELDS).first()
        if stored and any(stored[name] != getattr(instance, name) for name in Exam.CONTENT_FIELDS):
            raise ExamLocked(exam_locked_message())
        return
    exam_id = _exam_id_of(instance)
    if not exam_has_attempts(exam_id=exam_id):
        return
    if instance.pk is None:
        raise ExamLocked(exam_locked_message())
    if isinstance(instance, Section):
        if Section.objects.filter(pk=instance.pk).exclude(exam_id=instance.exam_id).exists():
            raise ExamLocked(exam_locked_message())
        return  # titles may be corrected; the items of attempts keep their section
    names = RULE_FIELDS if isinstance(instance, DrawRule) else FIXED_FIELDS
    stored = type(instance).objects.filter(pk=instance.pk).values(*names).first()
    if stored is None or any(_differs(stored[name], getattr(instance, name)) for name in names):
        raise ExamLocked(exam_locked_message())


def _differs(stored, given) -> bool:
    if isinstance(stored, Decimal) or isinstance(given, Decimal):
        return (None if stored is None else Decimal(stored)) != (None if given is None else Decimal(given))
    return stored != given


def guard_exam_content_delete(sender, instance, **kwargs) -> None:
    """``pre_delete``: refuse removing a section, rule or fixed question of an exam with attempts."""
    if exam_has_attempts(exam_id=_exam_id_of(instance)):
        raise ExamLocked(exam_locked_message())
