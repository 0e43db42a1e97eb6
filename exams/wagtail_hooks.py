"""Exams in the Wagtail admin (exam managers): registered as a snippet so pages can choose one."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Exam


class ExamViewSet(SnippetViewSet):
    model = Exam
    icon = "clipboard-list"
    menu_label = _("Exams")
    list_display = ["code", "title_uz", "is_published", "opens_at", "closes_at"]
    search_fields = ["code", "title_uz", "title_ru", "title_en"]
    panels = [
        FieldPanel("code"),
        MultiFieldPanel([FieldPanel("title_uz"), FieldPanel("title_ru"), FieldPanel("title_en")], heading=_("Title")),
        MultiFieldPanel(
            [FieldPanel("description_uz"), FieldPanel("description_ru"), FieldPanel("description_en")],
            heading=_("Description"),
        ),
        FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("cut_score"), FieldPanel("attempts_allowed")]),
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at"), FieldPanel("grace_seconds")]),
        FieldRowPanel([FieldPanel("shuffle_items"), FieldPanel("shuffle_options"), FieldPanel("item_language")]),
        FieldRowPanel([FieldPanel("review_policy"), FieldPanel("validity_months")]),
        FieldPanel("is_published"),
    ]


register_snippet(ExamViewSet)
