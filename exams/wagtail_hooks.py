"""The exam engine in the Wagtail admin.

- Exams (exam managers): a snippet so pages can choose one; the editor holds the settings and
  the blueprint (sections, each with its draw rules and fixed questions, as nested inline
  panels); "Check and publish" shows the checks and a sample form; a new version copies it.
- Overrides (exam managers): extra time, attempts or window for a candidate or a cohort.
- Manual grading and regrades (examiners): custom views under /admin/exams/.
- Exam sessions (exam managers) and the proctor's live view (proctors, exam managers,
  administrators) under /admin/exams/sessions/.
"""

from auditlog.registry import auditlog
from django import forms
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.views.generic.models import CreateView, DeleteView, EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.admin_menu import PermissionMenuItem

from . import admin_views
from .forms import ExamAdminForm, JSONListText, OverrideForm, qtype_checkboxes
from .models import Exam, ExamOverride, ExamSession, ProctorAction
from .services import overrides as override_services

DRAW_RULE_PANELS = [
    FieldRowPanel([FieldPanel("category"), FieldPanel("include_subcategories")]),
    FieldRowPanel(
        [FieldPanel("count"), FieldPanel("points"), FieldPanel("difficulty_min"), FieldPanel("difficulty_max")]
    ),
    FieldPanel("qtypes", widget=qtype_checkboxes(), heading=_("question types (none: any)")),
    FieldPanel("tags", widget=JSONListText(), heading=_("tags, comma separated (all required)")),
]

FIXED_QUESTION_PANELS = [
    FieldRowPanel([FieldPanel("question", widget=forms.NumberInput()), FieldPanel("points")]),
]

SECTION_PANELS = [
    FieldRowPanel([FieldPanel("title_uz"), FieldPanel("title_ru"), FieldPanel("title_en")]),
    InlinePanel("draw_rules", panels=DRAW_RULE_PANELS, heading=_("Draw rules"), label=_("draw rule")),
    InlinePanel("fixed_questions", panels=FIXED_QUESTION_PANELS, heading=_("Fixed questions"), label=_("question")),
]


class ExamViewSet(SnippetViewSet):
    model = Exam
    icon = "clipboard-list"
    menu_label = _("Exams")
    # Its own main menu item (not hidden under "Snippets"); the URLs stay /admin/snippets/exams/exam/.
    add_to_admin_menu = True
    menu_order = 300

    @property
    def menu_item_class(self):
        """The menu item is for those who edit exams (exam managers); read-only roles that may
        view an exam (certification officers) reach the list from the pages that link to it."""

        class ExamMenuItem(PermissionMenuItem):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, permission="exams.change_exam", **kwargs)

        return ExamMenuItem

    list_display = ["code", "title_uz", "version", "is_published", "opens_at", "closes_at"]
    search_fields = ["code", "title_uz", "title_ru", "title_en"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("code"), FieldPanel("is_published", read_only=True)]),
            MultiFieldPanel(
                [FieldPanel("title_uz"), FieldPanel("title_ru"), FieldPanel("title_en")], heading=_("Title")
            ),
            MultiFieldPanel(
                [FieldPanel("description_uz"), FieldPanel("description_ru"), FieldPanel("description_en")],
                heading=_("Description"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [FieldPanel("time_limit_minutes"), FieldPanel("cut_score"), FieldPanel("grace_seconds")]
                    ),
                    FieldRowPanel([FieldPanel("attempts_allowed"), FieldPanel("min_gap_minutes")]),
                    FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                ],
                heading=_("Timing and attempts"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("navigation"), FieldPanel("page_mode")]),
                    FieldRowPanel(
                        [FieldPanel("shuffle_items"), FieldPanel("shuffle_options"), FieldPanel("item_language")]
                    ),
                    FieldRowPanel([FieldPanel("review_policy"), FieldPanel("review_after_close")]),
                    FieldRowPanel([FieldPanel("anonymous_grading"), FieldPanel("validity_months")]),
                ],
                heading=_("Taking and review"),
            ),
            MultiFieldPanel(
                [FieldPanel("eligible_organisations"), FieldPanel("eligible_cohorts")], heading=_("Eligibility")
            ),
            InlinePanel("sections", panels=SECTION_PANELS, heading=_("Blueprint: sections"), label=_("section")),
        ],
        base_form_class=ExamAdminForm,
    )


register_snippet(ExamViewSet)


@hooks.register("register_snippet_listing_buttons")
def exam_listing_buttons(snippet, user, next_url=None):
    if isinstance(snippet, Exam) and user.has_perm("exams.change_exam"):
        yield ListingButton(
            _("Check and publish"), url=reverse("exams_admin:publish", args=[snippet.pk]), icon_name="check", priority=5
        )


class OverrideCreateView(CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return override_services.override_create(
            exam=data["exam"],
            by=self.request.user,
            reason=data["reason"],
            candidate=data.get("candidate"),
            cohort=data.get("cohort"),
            extra_minutes=data.get("extra_minutes") or 0,
            extra_attempts=data.get("extra_attempts") or 0,
            opens_at=data.get("opens_at"),
            closes_at=data.get("closes_at"),
        )


class OverrideEditView(EditView):
    def save_instance(self):
        instance = super().save_instance()
        override_services.deadlines_recompute(exam=instance.exam, candidate=instance.candidate, cohort=instance.cohort)
        return instance


class OverrideDeleteView(DeleteView):
    def delete_action(self):
        override_services.override_delete(override=self.object, by=self.request.user)


class ExamOverrideViewSet(ModelViewSet):
    model = ExamOverride
    icon = "time"
    menu_label = _("Exam overrides")
    add_to_admin_menu = True
    menu_order = 310
    list_display = ["exam", "candidate", "cohort", "extra_minutes", "extra_attempts", "closes_at", "created_by"]
    list_filter = ["exam"]
    form_fields = [
        "exam",
        "candidate",
        "cohort",
        "extra_minutes",
        "extra_attempts",
        "opens_at",
        "closes_at",
        "reason",
    ]
    add_view_class = OverrideCreateView
    edit_view_class = OverrideEditView
    delete_view_class = OverrideDeleteView

    def get_form_class(self, for_update=False):
        return OverrideForm


@hooks.register("register_admin_viewset")
def register_override_viewset():
    return ExamOverrideViewSet("exam_overrides")


class ExamSessionCreateView(CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.created_by = self.request.user
        instance.save()
        self.form.save_m2m()
        return instance


class ExamSessionIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        buttons.append(
            ListingButton(
                _("Live view"),
                url=reverse("exams_admin:session_live", args=[instance.pk]),
                icon_name="view",
                priority=5,
            )
        )
        return buttons


class ExamSessionViewSet(ModelViewSet):
    """Exam sessions (exam managers): window, cohort or organisation, access code, proctors."""

    model = ExamSession
    icon = "date"
    menu_label = _("Exam sessions")
    add_to_admin_menu = True
    menu_order = 305
    list_display = ["name", "exam", "cohort", "organisation", "starts_at", "ends_at"]
    list_filter = ["exam"]
    add_view_class = ExamSessionCreateView
    index_view_class = ExamSessionIndexView
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("exam", widget=forms.Select), FieldPanel("name")]),
            FieldRowPanel(
                [FieldPanel("cohort", widget=forms.Select), FieldPanel("organisation", widget=forms.Select)],
                heading=_("Candidates"),
            ),
            FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")], heading=_("Window (Tashkent time)")),
            FieldRowPanel([FieldPanel("access_code"), FieldPanel("generate_access_code")]),
            FieldPanel("proctors", widget=forms.CheckboxSelectMultiple),
        ],
        base_form_class=admin_views.ExamSessionForm,
    )


@hooks.register("register_admin_viewset")
def register_session_viewset():
    return ExamSessionViewSet("exam_sessions")


@hooks.register("register_admin_urls")
def register_exam_admin_urls():
    urls = [
        path("sessions/", admin_views.sessions_view, name="sessions"),
        path("sessions/<int:pk>/live/", admin_views.session_live_view, name="session_live"),
        path("sessions/<int:pk>/live.json", admin_views.session_live_json, name="session_live_json"),
        path("sessions/<int:pk>/action/", admin_views.session_action_view, name="session_action"),
        path("<int:pk>/publish/", admin_views.exam_publish_view, name="publish"),
        path("<int:pk>/version/", admin_views.exam_version_view, name="version"),
        path("grading/", admin_views.grading_queue_view, name="grading"),
        path("grading/<int:item_id>/", admin_views.grade_item_view, name="grade"),
        path("regrade/", admin_views.regrade_view, name="regrade"),
    ]
    return [path("exams/", include((urls, "exams_admin"), namespace="exams_admin"))]


@hooks.register("register_admin_menu_item")
def grading_menu_item():
    return PermissionMenuItem(
        _("Manual grading"),
        reverse("exams_admin:grading"),
        icon_name="edit",
        order=320,
        permission="exams.change_attemptitem",
    )


@hooks.register("register_admin_menu_item")
def regrade_menu_item():
    return PermissionMenuItem(
        _("Regrade"),
        reverse("exams_admin:regrade"),
        icon_name="repeat",
        order=330,
        permission="exams.change_attemptitem",
    )


@hooks.register("register_admin_menu_item")
def proctoring_menu_item():
    return PermissionMenuItem(
        _("Proctoring"),
        reverse("exams_admin:sessions"),
        icon_name="view",
        order=306,
        permission="exams.view_examsession",
    )


# Who changed a session and what a proctor did: in the audit log too.
auditlog.register(ExamSession, m2m_fields={"proctors"})
auditlog.register(ProctorAction)
