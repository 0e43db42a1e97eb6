"""Certificates in the Wagtail admin (certification officers; administrators read).

- "Certificates": the register (search, export), one certificate, revoke, reissue: custom
  views under /admin/certificates/ (:mod:`certificates.admin_views`), each checking its
  permission itself.
- "Certificate templates": a model viewset (Wagtail's permission policy: the officer's
  ``certificates.*`` rights) with a "Preview PDF" button that posts the unsaved form.
"""

from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, Panel
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.admin_menu import PermissionMenuItem

from . import admin_views
from .forms import CertificateTemplateForm
from .models import CertificateTemplate


@hooks.register("register_admin_urls")
def register_certificate_admin_urls():
    urls = [
        path("", admin_views.register_view, name="register"),
        path("export.<str:export_format>", admin_views.export_view, name="export"),
        path("<int:pk>/", admin_views.detail_view, name="detail"),
        path("<int:pk>/pdf/", admin_views.pdf_view, name="pdf"),
        path("<int:pk>/revoke/", admin_views.revoke_view, name="revoke"),
        path("<int:pk>/reissue/", admin_views.reissue_view, name="reissue"),
        path("templates/preview/", admin_views.template_preview_post_view, name="template_preview_unsaved"),
        path("templates/<int:pk>/preview/", admin_views.template_preview_view, name="template_preview"),
    ]
    return [path("certificates/", include((urls, "certificates_admin"), namespace="certificates_admin"))]


@hooks.register("register_admin_menu_item")
def certificates_menu_item():
    return PermissionMenuItem(
        _("Certificates"),
        reverse("certificates_admin:register"),
        icon_name="doc-full",
        order=340,
        permission=admin_views.REGISTER_PERMISSION,
    )


class PreviewButtonPanel(Panel):
    """A "Preview PDF" button that submits the editor's form, unsaved, to the preview view (new tab)."""

    class BoundPanel(Panel.BoundPanel):
        def render_html(self, parent_context=None):
            if self.instance is not None and self.instance.pk:
                url = reverse("certificates_admin:template_preview", args=[self.instance.pk])
            else:
                url = reverse("certificates_admin:template_preview_unsaved")
            return format_html(
                '<button type="submit" class="button button-secondary" id="certificate-template-preview" '
                'formaction="{}" formtarget="_blank" formnovalidate>{}</button>',
                url,
                _("Preview PDF"),
            )


def _languages(field: str, heading) -> MultiFieldPanel:
    return MultiFieldPanel(
        [FieldRowPanel([FieldPanel(f"{field}_uz"), FieldPanel(f"{field}_ru"), FieldPanel(f"{field}_en")])],
        heading=heading,
    )


class CertificateTemplateViewSet(ModelViewSet):
    model = CertificateTemplate
    icon = "doc-full-inverse"
    menu_label = _("Certificate templates")
    add_to_admin_menu = True
    menu_order = 341
    list_display = ["name", "is_default", "second_language", "primary_colour", "updated_at"]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("is_default"), FieldPanel("second_language")]),
            _languages("title", _("Title")),
            _languages("body", _("Body line")),
            _languages("issuer_name", _("Issuer")),
            _languages("signatory_name", _("Signatory")),
            _languages("signatory_title", _("Signatory's title")),
            FieldRowPanel([FieldPanel("logo"), FieldPanel("primary_colour"), FieldPanel("accent_colour")]),
            FieldPanel("exams"),
            PreviewButtonPanel(heading=_("Preview")),
        ],
        base_form_class=CertificateTemplateForm,
    )


@hooks.register("register_admin_viewset")
def register_certificate_template_viewset():
    return CertificateTemplateViewSet("certificate_templates")
