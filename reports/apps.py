from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Connects the receiver of exams.signals.result_final (exams never imports reports).
        from . import receivers  # noqa: F401
