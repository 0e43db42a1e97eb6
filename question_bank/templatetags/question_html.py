"""``{{ html|sanitized }}``: stored author HTML, sanitized (question_bank.sanitize.clean_html) and marked safe.

Use it wherever a page shows HTML written by an author (question text, options, feedback,
grader information) instead of ``|safe``: a version that reached the database without
passing an importer or the authoring services stays harmless.
"""

from django import template
from django.utils.safestring import mark_safe

from question_bank.sanitize import clean_html

register = template.Library()


@register.filter
def sanitized(value) -> str:
    return mark_safe(clean_html(str(value or "")))  # noqa: S308 - clean_html has just removed anything unsafe
