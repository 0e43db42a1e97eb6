"""Unprefixed URLs (included at "" in certify.urls): the QR code's target must not depend on a language.

``/V/...`` is the upper-case form the QR code holds (alphanumeric mode); it is routed like ``/v/``.
"""

from django.urls import path
from django.views.generic import RedirectView

from . import api, offline_views, views

urlpatterns = [
    path("v/", views.verify_form, name="certificates_verify_form_public"),
    # The offline verifier (before v/<code>/<credential>, which would take "offline/sw.js").
    path("v/offline", RedirectView.as_view(pattern_name="certificates_offline", permanent=True)),
    path("v/offline/", offline_views.offline_page, name="certificates_offline"),
    path("v/offline/sw.js", offline_views.service_worker, name="certificates_offline_sw"),
    path("v/offline/status.json", offline_views.status_snapshot, name="certificates_offline_status"),
    path("v/offline/<str:language>/", offline_views.offline_page, name="certificates_offline_language"),
    path("v/<str:code>", views.verify_page, name="certificates_verify"),
    # A code typed or pasted with a trailing slash is the same lookup, not the site's 404.
    path("v/<str:code>/", views.verify_page),
    path("V/<str:code>/", views.verify_page),
    path("v/<str:code>/<str:credential>", views.verify_page, name="certificates_verify_qr"),
    path("V/<str:code>", views.verify_page),
    path("V/<str:code>/<str:credential>", views.verify_page),
    # Before api/v1/verify/<code>, which would take "bulk" for a code.
    path("api/v1/verify/bulk", api.verify_bulk, name="certificates_api_verify_bulk"),
    path("api/v1/verify/<str:code>", api.verify, name="certificates_api_verify"),
    # Open Badges 3.0: ".jwt" first, as <str:code> alone would match "CODE.jwt" too.
    path("api/v1/credentials/<str:code>.jwt", api.credential, {"signed": True}, name="certificates_credential_jwt"),
    path("api/v1/credentials/<str:code>", api.credential, name="certificates_credential"),
    path(
        "status/revocation/<int:list_number>.json",
        api.status_list,
        {"as_json": True},
        name="certificates_status_list_json",
    ),
    path("status/revocation/<int:list_number>", api.status_list, name="certificates_status_list"),
    path(".well-known/jwks.json", api.jwks, name="certificates_jwks"),
]
