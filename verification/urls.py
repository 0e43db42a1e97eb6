from django.urls import path

from . import views

app_name = "verification"
urlpatterns = [
    path("attempts/<int:attempt_id>/appeal/", views.appeal_create, name="appeal"),
    path("attempts/<int:attempt_id>/events/", views.beacon_api, name="events"),
]
