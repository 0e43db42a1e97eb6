"""A Celery worker whose PDF rendering is slow, so that a test can kill it mid-render.

Run as ``python -m tests.faults.slow_pdf_worker worker -Q ...``. Before each render the pool
process appends its pid to ``$SLOW_PDF_MARKER`` and sleeps ``$SLOW_PDF_SECONDS``; the render is
otherwise the real one. ``FAULT_WITHOUT_REDELIVERY=1`` turns off
``task_reject_on_worker_lost`` (used once by hand to see the fault test fail without it).
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")
django.setup()

from certificates import services  # noqa: E402
from certify.celery import app  # noqa: E402

_render = services.certificate_pdf_render


def _slow_render(certificate, **options):
    with open(os.environ["SLOW_PDF_MARKER"], "a", encoding="utf-8") as marker:
        marker.write(f"{os.getpid()}\n")
    time.sleep(float(os.environ.get("SLOW_PDF_SECONDS", "8")))
    return _render(certificate, **options)


services.certificate_pdf_render = _slow_render
if os.environ.get("FAULT_WITHOUT_REDELIVERY") == "1":
    app.conf.task_reject_on_worker_lost = False

if __name__ == "__main__":
    app.worker_main(sys.argv[1:])
