from django.urls import path

from . import views

urlpatterns = [
    path("v/", views.verify_form, name="certificates_verify_form_public"),
]
