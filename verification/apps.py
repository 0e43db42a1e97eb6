from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Verified results")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import receivers  # noqa: F401  (connects to the exam engine's signals)
        from .models import Appeal, ExamVerificationPolicy, IdentityCheck, ResultVerification, VoidedQuestion

        # Who changed what, when (DESIGN.md): every decision a person takes here. The "why" is
        # in the models' own reason fields, so it is in the logged changes too.
        auditlog.register(ExamVerificationPolicy)
        auditlog.register(ResultVerification, exclude_fields=["created_at"])
        auditlog.register(IdentityCheck)
        auditlog.register(Appeal)
        auditlog.register(VoidedQuestion)
