"""URLs of the question bank's admin, mounted by wagtail_hooks under /admin/question-bank/."""

from django.urls import path

from question_bank import admin_views as views

app_name = "question_bank_admin"

urlpatterns = [
    path("", views.question_list, name="questions"),
    path("questions/add/", views.question_create_view, name="question_add"),
    path("questions/bulk/", views.bulk_action, name="bulk"),
    path("questions/export.<str:file_format>", views.question_export_view, name="export"),
    path("questions/<int:pk>/", views.question_detail, name="question"),
    path("questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("questions/<int:pk>/preview/", views.question_preview, name="question_preview"),
    path("questions/<int:pk>/diff/", views.question_diff, name="question_diff"),
    path("questions/<int:pk>/duplicate/", views.question_duplicate_view, name="question_duplicate"),
    path("questions/<int:pk>/move/", views.question_move_view, name="question_move"),
    path("questions/<int:pk>/retire/", views.question_retire_view, name="question_retire"),
    path("versions/<int:pk>/submit/", views.version_submit_view, name="version_submit"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review_version, name="review"),
    path("categories/", views.category_list, name="categories"),
    path("categories/add/", views.category_edit, name="category_add"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("import/", views.import_view, name="import"),
    path("import/template.<str:file_format>", views.import_template, name="import_template"),
]
