"""The site settings in the base template.

``{% site_settings as site_settings %}``: the request's site's :class:`cms.models.SiteSettings`
or None. ``{% site_text site_settings "footer" %}``: a per-language field in the current language.
"""

from django import template
from django.utils.translation import get_language
from wagtail.models import Site

register = template.Library()

_CACHE_ATTR = "_cms_site_settings"


@register.simple_tag(takes_context=True)
def site_settings(context):
    """The :class:`cms.models.SiteSettings` of the request's site, logo included, or None
    (no request, no matching site, or nothing saved yet: the templates then use their
    built-in texts). At most two queries per request (the site, cached by Wagtail on the
    request, and the settings), and never a write on a GET, unlike ``for_request``."""
    from cms.models import SiteSettings

    request = context.get("request")
    if request is None:
        return None
    if not hasattr(request, _CACHE_ATTR):
        site = Site.find_for_request(request)
        found = SiteSettings.objects.select_related("logo").filter(site=site).first() if site else None
        setattr(request, _CACHE_ATTR, found)
    return getattr(request, _CACHE_ATTR)


@register.simple_tag
def site_text(settings_row, field: str) -> str:
    """``settings_row.<field>_<current language>``, else the Uzbek value, else ``""``.

    ``settings_row``: a :class:`cms.models.SiteSettings`, or None (then ``""``). Rich-text
    fields still go through ``|richtext`` in the template.
    """
    localized = getattr(settings_row, "localized", None)
    if localized is None:
        return ""
    return localized(field, (get_language() or "uz").split("-")[0])
