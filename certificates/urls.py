"""Language-prefixed URLs (``/<lang>/certificates/...``): the candidate's certificates and the form."""

from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("download/<str:code>", views.download, name="download"),
    path("verify/", views.verify_form, name="verify_form"),
]
