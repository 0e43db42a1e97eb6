from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Organisation, User


@admin.register(User)
class CertifyUserAdmin(UserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "organisation", "is_staff")
    search_fields = ("email", "full_name", "full_name_cyrillic")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Certify", {"fields": ("full_name", "full_name_cyrillic", "organisation", "position", "language")}),
    )


admin.site.register(Organisation)
