"""Language-prefixed URLs (``/<lang>/certificates/...``): the candidate's certificates and the form."""

from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("download/<str:code>", views.download, name="download"),
    path("download/<str:code>/open-badge.jwt", views.download_credential, {"signed": True}, name="download_badge_jwt"),
    path("download/<str:code>/open-badge.json", views.download_credential, {"signed": False}, name="download_badge"),
    path("verify/", views.verify_form, name="verify_form"),
]
