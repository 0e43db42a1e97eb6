"""Unprefixed URLs (included at "" in certify.urls): the QR code's target must not depend on a language.

``/V/...`` is the upper-case form the QR code holds (alphanumeric mode); it is routed like ``/v/``.
"""

from django.urls import path

from . import api, views

urlpatterns = [
    path("v/", views.verify_form, name="certificates_verify_form_public"),
    path("v/<str:code>", views.verify_page, name="certificates_verify"),
    path("v/<str:code>/<str:credential>", views.verify_page, name="certificates_verify_qr"),
    path("V/<str:code>", views.verify_page),
    path("V/<str:code>/<str:credential>", views.verify_page),
    path("api/v1/verify/<str:code>", api.verify, name="certificates_api_verify"),
    path(".well-known/jwks.json", api.jwks, name="certificates_jwks"),
]
