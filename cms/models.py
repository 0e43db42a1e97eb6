"""Wagtail pages: home, content pages (programmes, modules, rules, FAQ) and exam pages.

Pages are translated through Wagtail locales (one tree per language); an exam page
links to an :class:`exams.models.Exam` and shows what the signed-in candidate can do.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from exams.selectors import exam_state

from .blocks import BodyBlock


class HomePage(Page):
    """The site's root page: what Certify is, how certification works, a verify box."""

    intro = RichTextField(blank=True)
    how_it_works = StreamField(
        [("step", blocks.RichTextBlock(features=["bold", "italic", "link"]))], blank=True, use_json_field=True
    )
    body = StreamField(BodyBlock(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("how_it_works"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = self.get_children().live().public().specific()
        return context


class ContentPage(Page):
    """A programme, a training module or a standard page (rules, FAQ, privacy)."""

    intro = models.TextField(blank=True)
    body = StreamField(BodyBlock(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    class Meta:
        verbose_name = _("content page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["children"] = self.get_children().live().public().specific()
        return context


class ExamPage(Page):
    """The page a candidate opens an exam from."""

    exam = models.ForeignKey("exams.Exam", on_delete=models.PROTECT, related_name="pages")
    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("exam"), FieldPanel("intro")]
    parent_page_types = ["cms.ContentPage", "cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("exam page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["state"] = exam_state(exam=self.exam, user=request.user)
        return context
