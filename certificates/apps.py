from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self) -> None:
        # Connects the receiver of exams.signals.result_final (exams never imports certificates).
        from . import receivers  # noqa: F401
