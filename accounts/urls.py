"""Language-prefixed URLs (``/<lang>/me/...``): the signed-in person's own profile and data."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("data.json", views.data_export, name="data_export"),
    path("delete/", views.deletion_request, name="deletion_request"),
]
