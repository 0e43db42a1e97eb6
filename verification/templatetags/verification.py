"""``{% verification_status attempt %}``: the verification state of a result, for the result page."""

from django import template

from ..selectors import result_status

register = template.Library()


@register.inclusion_tag("verification/_result_status.html")
def verification_status(attempt):
    return {"attempt": attempt, "status": result_status(attempt=attempt)}
