from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("verify/", views.verify_form, name="verify_form"),
]
