"""URL configuration.

Unprefixed: the admin, the verification page and API (the QR code's target must not depend
on a language prefix), the JWKS, health. Language-prefixed (``/uz/``, ``/ru/``, ``/en/``):
accounts, exams, the candidate's certificates and the Wagtail pages.
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from certify import views as certify_views
from cms import views as cms_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", certify_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says; send them to the SVG icon.
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "certify/favicon.svg", permanent=True)),
    path("", include("certificates.public_urls")),
]

urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("exams/", include("exams.urls")),
    path("certificates/", include("certificates.urls")),
    path("verification/", include("verification.urls")),
    path("open-data/", include("reports.public_urls")),
    path("search/", cms_views.search, name="search"),  # before Wagtail's catch-all
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
