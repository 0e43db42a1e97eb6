from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("Exams")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.db.models.signals import pre_delete, pre_save

        from . import notifications  # noqa: F401  (connects the result e-mail to result_final)
        from .models import AttemptItem, DrawRule, Exam, ExamOverride, FixedQuestion, Section
        from .services import exams as exam_services

        # An exam's content is frozen once an attempt exists, whatever path tries to change it.
        for model in (Exam, Section, DrawRule, FixedQuestion):
            pre_save.connect(exam_services.guard_exam_content_save, sender=model, dispatch_uid=f"exams.guard.{model}")
        for model in (Section, DrawRule, FixedQuestion):
            pre_delete.connect(
                exam_services.guard_exam_content_delete, sender=model, dispatch_uid=f"exams.guard_delete.{model}"
            )
        # Who changed what, when (DESIGN.md): overrides, exam settings, and scores set by a person
        # (manual grading and regrades save items one by one; grading at submit is a bulk update).
        auditlog.register(ExamOverride)
        auditlog.register(Exam, exclude_fields=["created_at"])
        auditlog.register(
            AttemptItem,
            include_fields=["points", "fraction", "score", "grader_comment", "graded_by", "regraded_version"],
        )
