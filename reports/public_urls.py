"""Public open-data URLs; included by certify/urls.py under the language prefix."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("", public_views.open_data, name="open_data"),
    path("certificates.csv", public_views.open_data_csv, name="open_data_csv"),
]
