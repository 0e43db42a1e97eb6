"""Wagtail pages and the site settings.

The tree: home -> programme index -> programme -> training module / exam page, and home ->
standard page (rules, FAQ, privacy). ``ContentPage`` is the older generic page, kept so
that trees built before the specific types keep working. Pages are translated through
Wagtail locales (one tree per language); an exam page and an exam block link to an
:class:`exams.models.Exam` and show what the signed-in candidate can do.
"""

import nh3
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import BodyBlock, StandardBodyBlock
from .selectors import page_exam_states, stream_exams


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
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "cms.ProgrammeIndexPage",
        "cms.ProgrammePage",
        "cms.StandardPage",
        "cms.ContentPage",
        "cms.ExamPage",
    ]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = self.get_children().live().public().specific()
        context["programmes"] = ProgrammePage.objects.descendant_of(self).live().public().order_by("path")
        context["exam_states"] = exam_states_of(self.body, user=request.user)
        return context


class ContentPage(Page):
    """A programme, a training module or a standard page (rules, FAQ, privacy)."""

    intro = models.TextField(blank=True)
    body = StreamField(BodyBlock(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.ContentPage"]
    subpage_types = ["cms.ContentPage", "cms.ExamPage"]

    class Meta:
        verbose_name = _("content page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["children"] = self.get_children().live().public().specific()
        context["exam_states"] = exam_states_of(self.body, user=request.user)
        return context


def exam_states_of(*streams, user) -> dict[int, dict]:
    """The candidate's state of every exam named by an exam block in ``streams``
    (StreamField values): :func:`cms.selectors.page_exam_states`. The block template
    (``cms/blocks/exam.html``) reads it from the page's context."""
    return page_exam_states(exams=stream_exams(*streams), user=user)


class ProgrammeIndexPage(Page):
    """The list of training programmes (one per language tree, under the home page)."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link", "ul", "ol"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ProgrammePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("programme index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["programmes"] = ProgrammePage.objects.child_of(self).live().public().order_by("path")
        return context


class ProgrammePage(Page):
    """A training programme: its intro and body, then its training modules and exams."""

    intro = models.TextField(blank=True, help_text=_("One or two sentences shown in lists of programmes."))
    body = StreamField(BodyBlock(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.ProgrammeIndexPage", "cms.HomePage"]
    subpage_types = ["cms.ModulePage", "cms.ExamPage"]

    class Meta:
        verbose_name = _("programme page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        children = self.get_children().live().public()
        context["modules"] = ModulePage.objects.filter(pk__in=children.type(ModulePage)).order_by("path")
        exam_pages = list(
            ExamPage.objects.filter(pk__in=children.type(ExamPage)).select_related("exam").order_by("path")
        )
        exams = [page.exam for page in exam_pages] + stream_exams(self.body)
        states = page_exam_states(exams=exams, user=request.user)
        context["exam_pages"] = [(page, states[page.exam_id]) for page in exam_pages]
        context["exam_states"] = states
        return context


class ModulePage(Page):
    """A training module: text, headings, images, video, documents, callouts, exam blocks."""

    intro = models.TextField(blank=True, help_text=_("One or two sentences shown in the programme's list."))
    body = StreamField(BodyBlock(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.ProgrammePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("training module page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["exam_states"] = exam_states_of(self.body, user=request.user)
        # Plain pages (title and URL are all the links need): one query for both neighbours.
        siblings = list(self.get_siblings().live().public().type(ModulePage).order_by("path"))
        position = next((i for i, page in enumerate(siblings) if page.pk == self.pk), None)
        context["previous_module"] = siblings[position - 1] if position else None
        has_next = position is not None and position + 1 < len(siblings)
        context["next_module"] = siblings[position + 1] if has_next else None
        return context


class StandardPage(Page):
    """Rules, FAQ, privacy and other standing information (questions and answers allowed)."""

    intro = models.TextField(blank=True)
    body = StreamField(StandardBodyBlock(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["children"] = self.get_children().live().public().specific()
        return context


class ExamPage(Page):
    """The page a candidate opens an exam from."""

    exam = models.ForeignKey("exams.Exam", on_delete=models.PROTECT, related_name="pages")
    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("exam"), FieldPanel("intro")]
    parent_page_types = ["cms.ProgrammePage", "cms.ContentPage", "cms.HomePage"]
    subpage_types: list[str] = []
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("exam page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["state"] = page_exam_states(exams=[self.exam], user=request.user)[self.exam_id]
        return context


FOOTER_TAGS = {"p", "br", "b", "i", "strong", "em", "a"}
FOOTER_ATTRIBUTES = {"a": {"href", "linktype", "id"}}  # linktype/id: Wagtail's internal page links


def footer_html_clean(html: str) -> str:
    """``html`` (Wagtail rich-text storage format) with only paragraphs, emphasis and links
    kept (nh3); link targets only http(s), mailto and tel."""
    if not html:
        return ""
    return nh3.clean(
        html, tags=FOOTER_TAGS, attributes=FOOTER_ATTRIBUTES, url_schemes={"http", "https", "mailto", "tel"}
    )


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    """The site's logo, organisation name, contacts, footer and social links.

    Per-language texts have one field per language (uz, ru, en); the templates pick the
    current language's and fall back to Uzbek, then to the built-in texts.
    """

    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
    )
    organisation_name_uz = models.CharField(_("organisation name (uz)"), max_length=255, blank=True)
    organisation_name_ru = models.CharField(_("organisation name (ru)"), max_length=255, blank=True)
    organisation_name_en = models.CharField(_("organisation name (en)"), max_length=255, blank=True)
    address_uz = models.CharField(_("address (uz)"), max_length=255, blank=True)
    address_ru = models.CharField(_("address (ru)"), max_length=255, blank=True)
    address_en = models.CharField(_("address (en)"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    footer_uz = RichTextField(_("footer text (uz)"), blank=True, features=["bold", "italic", "link"])
    footer_ru = RichTextField(_("footer text (ru)"), blank=True, features=["bold", "italic", "link"])
    footer_en = RichTextField(_("footer text (en)"), blank=True, features=["bold", "italic", "link"])
    telegram_url = models.URLField(_("Telegram"), blank=True)
    facebook_url = models.URLField(_("Facebook"), blank=True)
    instagram_url = models.URLField(_("Instagram"), blank=True)
    youtube_url = models.URLField(_("YouTube"), blank=True)

    panels = [
        FieldPanel("logo"),
        MultiFieldPanel(
            [
                FieldPanel("organisation_name_uz"),
                FieldPanel("organisation_name_ru"),
                FieldPanel("organisation_name_en"),
            ],
            heading=_("Organisation"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("address_uz"),
                FieldPanel("address_ru"),
                FieldPanel("address_en"),
                FieldPanel("phone"),
                FieldPanel("email"),
            ],
            heading=_("Contacts"),
        ),
        MultiFieldPanel(
            [FieldPanel("footer_uz"), FieldPanel("footer_ru"), FieldPanel("footer_en")], heading=_("Footer")
        ),
        MultiFieldPanel(
            [
                FieldPanel("telegram_url"),
                FieldPanel("facebook_url"),
                FieldPanel("instagram_url"),
                FieldPanel("youtube_url"),
            ],
            heading=_("Social links"),
        ),
    ]

    class Meta:
        verbose_name = _("site settings")

    def save(self, *args, **kwargs):
        # The admin's editor already whitelists the footer; text set any other way (a
        # script, a fixture, the shell) is cleaned here too, before the footer of every page shows it.
        for code, _name in settings.LANGUAGES:
            name = f"footer_{code}"
            setattr(self, name, footer_html_clean(getattr(self, name) or ""))
        super().save(*args, **kwargs)

    def localized(self, field: str, language: str) -> str:
        """``<field>_<language>``, else the Uzbek one, else ``""`` (``language``: a code of
        ``settings.LANGUAGES``)."""
        return getattr(self, f"{field}_{language}", "") or getattr(self, f"{field}_uz", "")

    @property
    def social_links(self) -> list[tuple[str, str]]:
        """``[(network name, URL), ...]`` of the links that are filled in."""
        links = [
            ("Telegram", self.telegram_url),
            ("Facebook", self.facebook_url),
            ("Instagram", self.instagram_url),
            ("YouTube", self.youtube_url),
        ]
        return [(name, url) for name, url in links if url]
