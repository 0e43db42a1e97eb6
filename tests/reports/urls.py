"""The project's URLs plus the open-data page, as the lead is asked to add it to certify/urls.py."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from certify.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *i18n_patterns(path("open-data/", include("reports.public_urls")), prefix_default_language=True),
    *project_urlpatterns,
]
