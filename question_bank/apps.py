from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionBankConfig(AppConfig):
    name = "question_bank"
    verbose_name = _("Question bank")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from question_bank.models import Category, CategoryPermission, Question, QuestionVersion

        # Who changed what in the bank, and when; the "why" travels in additional_data
        # (get_additional_data on the models). A version's content is immutable and kept
        # in its own row, so its JSON is not copied into every log entry.
        for model, options in (
            (Category, {}),
            (Question, {}),
            (QuestionVersion, {"exclude_fields": ["data"]}),
            (CategoryPermission, {}),
        ):
            if not auditlog.contains(model):
                auditlog.register(model, **options)
