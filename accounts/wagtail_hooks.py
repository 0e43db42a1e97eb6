"""Organisations, cohorts, role assignments and deletion requests in the Wagtail admin,
plus the spreadsheet imports (organisations, enrolment of candidates)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from . import admin_views
from .admin_menu import PermissionMenuItem
from .models import Cohort, DeletionRequest, Organisation, RoleAssignment


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Organisations")
    form_fields = ["name", "parent", "kind"]
    list_display = ["name", "parent", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    ordering = ["name"]


class CohortViewSet(ModelViewSet):
    model = Cohort
    icon = "user"
    menu_label = _("Cohorts")
    form_fields = ["name", "organisation", "members"]
    list_display = ["name", "organisation"]
    search_fields = ["name"]
    ordering = ["name"]


class RoleAssignmentViewSet(ModelViewSet):
    model = RoleAssignment
    icon = "key"
    menu_label = _("Role assignments")
    form_fields = ["user", "group", "organisation"]
    list_display = ["user", "group", "organisation", "created_at"]
    list_filter = ["group"]
    ordering = ["user__email"]


class DeletionRequestViewSet(ModelViewSet):
    model = DeletionRequest
    icon = "warning"
    menu_label = _("Deletion requests")
    form_fields = ["status", "note", "handled_at"]
    list_display = ["email", "status", "requested_at", "handled_at"]
    list_filter = ["status"]
    ordering = ["-requested_at"]


class PeopleViewSetGroup(ModelViewSetGroup):
    menu_label = _("People")
    menu_icon = "group"
    menu_order = 250
    items = (OrganisationViewSet, CohortViewSet, RoleAssignmentViewSet, DeletionRequestViewSet)


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleViewSetGroup()


@hooks.register("register_admin_urls")
def register_import_urls():
    return [
        path(
            "people/import/organisations/",
            admin_views.organisations_import_view,
            name="accounts_import_organisations",
        ),
        path("people/import/candidates/", admin_views.candidates_enrol_view, name="accounts_enrol_candidates"),
    ]


@hooks.register("register_admin_menu_item")
def register_enrol_menu_item():
    return PermissionMenuItem(
        _("Enrol candidates"),
        reverse("accounts_enrol_candidates"),
        icon_name="upload",
        order=251,
        permission="accounts.add_user",
    )


@hooks.register("register_admin_menu_item")
def register_import_organisations_menu_item():
    return PermissionMenuItem(
        _("Import organisations"),
        reverse("accounts_import_organisations"),
        icon_name="upload",
        order=252,
        permission="accounts.add_organisation",
    )


# Wagtail's own menu entries that point staff at wagtail.org (the Help menu with the Editor
# Guide and "What's new"): the service is not Wagtail's to document, and the links leave the site.
WAGTAIL_MENU_ITEMS_HIDDEN = frozenset({"help"})


@hooks.register("construct_main_menu")
def hide_wagtail_help_menu(request, menu_items):
    """Drop the menu items named in ``WAGTAIL_MENU_ITEMS_HIDDEN`` (in place, as Wagtail expects)."""
    menu_items[:] = [item for item in menu_items if item.name not in WAGTAIL_MENU_ITEMS_HIDDEN]
