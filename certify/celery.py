"""The Celery application.

With no ``CELERY_BROKER_URL`` the settings turn on ``task_always_eager``, so tasks run
in-process and the embedded default needs no broker (see ``certify.settings``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")

app = Celery("certify")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
