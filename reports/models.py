"""Cached results of item analysis, and the open-data setting.

Reports are read-only over exams, certificates and the question bank; the only rows this app
writes are caches (:class:`ItemAnalysis`) and one setting (:class:`OpenDataSettings`).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class AnalysisScope(models.TextChoices):
    EXAM = "exam", _("Exam")
    QUESTION = "question", _("Question across exams")


class ItemAnalysis(models.Model):
    """One cached item analysis: of an exam, or of one question across every exam.

    Keyed by the scope, the exam or question and the option ``first_attempts_only``; one
    row per key, replaced when ``fingerprint`` (a digest of the final attempts it was
    computed from: their count, ids, last final time and scores) no longer matches.
    ``result`` is the dict of :func:`reports.services.exam_item_analysis` (JSON).
    """

    scope = models.CharField(max_length=10, choices=AnalysisScope.choices)
    exam = models.ForeignKey("exams.Exam", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(
        "question_bank.Question", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    first_attempts_only = models.BooleanField(default=False)
    fingerprint = models.CharField(max_length=64)
    n_attempts = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("item analysis")
        verbose_name_plural = _("item analyses")
        permissions = [("view_reports", _("Can view reports and item statistics"))]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "first_attempts_only"],
                condition=Q(scope="exam"),
                name="item_analysis_one_per_exam_option",
            ),
            models.UniqueConstraint(
                fields=["question", "first_attempts_only"],
                condition=Q(scope="question"),
                name="item_analysis_one_per_question_option",
            ),
            models.CheckConstraint(
                condition=(Q(scope="exam", exam__isnull=False, question__isnull=True))
                | Q(scope="question", question__isnull=False, exam__isnull=True),
                name="item_analysis_scope_matches_key",
            ),
        ]

    def __str__(self) -> str:
        target = f"exam {self.exam_id}" if self.scope == AnalysisScope.EXAM else f"question {self.question_id}"
        return f"{target} ({self.n_attempts} attempts, {self.computed_at:%Y-%m-%d %H:%M})"


@register_setting(icon="table")
class OpenDataSettings(BaseGenericSetting):
    """Whether the public open-data page (certificates issued per qualification per year,
    no personal data) is published."""

    publish_open_data = models.BooleanField(
        _("publish open data"),
        default=False,
        help_text=_("Show a public page and CSV of the number of certificates issued per qualification per year."),
    )

    class Meta:
        verbose_name = _("open data")
