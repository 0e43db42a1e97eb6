"""The "Question bank" menu of the Wagtail admin for trainers and reviewers, and the
category permissions (who may edit which categories) for administrators."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from question_bank.models import CategoryPermission
from question_bank.permissions import can_review, is_bank_user


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("question-bank/", include("question_bank.admin_urls", namespace="question_bank_admin"))]


class BankMenuItem(MenuItem):
    def is_shown(self, request):
        return is_bank_user(request.user)


class ReviewMenuItem(MenuItem):
    def is_shown(self, request):
        return can_review(request.user)


class BankSubmenu(SubmenuMenuItem):
    def is_shown(self, request):
        return is_bank_user(request.user)


@hooks.register("register_admin_menu_item")
def register_question_bank_menu():
    items = [
        BankMenuItem(_("Questions"), reverse("question_bank_admin:questions"), icon_name="list-ul", order=100),
        BankMenuItem(_("Categories"), reverse("question_bank_admin:categories"), icon_name="folder-open-1", order=200),
        ReviewMenuItem(_("Review queue"), reverse("question_bank_admin:review_queue"), icon_name="tasks", order=300),
        BankMenuItem(_("Import"), reverse("question_bank_admin:import"), icon_name="upload", order=400),
    ]
    return BankSubmenu(_("Question bank"), Menu(items=items), icon_name="help", name="question-bank", order=250)


class CategoryPermissionViewSet(ModelViewSet):
    model = CategoryPermission
    icon = "lock"
    menu_label = _("Question categories: who edits")
    add_to_settings_menu = True
    form_fields = ["user", "group", "category", "include_subcategories"]
    list_display = ["__str__", "include_subcategories", "granted_at"]


@hooks.register("register_admin_viewset")
def register_category_permissions():
    return CategoryPermissionViewSet("question_category_permissions")
