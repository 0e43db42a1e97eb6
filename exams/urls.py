from django.urls import path

from . import views

app_name = "exams"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:code>/", views.exam_detail, name="detail"),
    path("<slug:code>/start/", views.attempt_start_view, name="start"),
    path("<slug:code>/sessions/<int:session_id>/code/", views.session_code_view, name="session_code"),
    path("attempts/<int:attempt_id>/", views.attempt_take, name="take"),
    path("attempts/<int:attempt_id>/save/", views.answer_save_api, name="save"),
    path("attempts/<int:attempt_id>/state/", views.attempt_state_api, name="state"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit_view, name="submit"),
    path("attempts/<int:attempt_id>/result/", views.attempt_result, name="result"),
]
