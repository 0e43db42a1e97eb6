"""WSGI entry point (gunicorn certify.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")
application = get_wsgi_application()
