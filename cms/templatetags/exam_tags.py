"""Exam cards and states in CMS templates.

``{% exam_card exam %}``: the exam's card (exams' template) with the candidate's state.
``{% exam_block_state exam as state %}``: the state of an exam block's exam, taken from the
page's ``exam_states`` (computed for all the page's blocks at once) or, for a block rendered
outside such a page, computed alone.
"""

from django import template

from exams.selectors import exam_state

from ..selectors import page_exam_states

register = template.Library()


@register.inclusion_tag("exams/_exam_card.html", takes_context=True)
def exam_card(context, exam):
    request = context.get("request")
    return {
        "state": exam_state(exam=exam, user=getattr(request, "user", None)),
        "request": request,
        "user": getattr(request, "user", None),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def exam_block_state(context, exam) -> dict | None:
    """The candidate's state of ``exam`` (see :func:`cms.selectors.page_exam_states`)."""
    if exam is None:
        return None
    states = context.get("exam_states") or {}
    if exam.pk in states:
        return states[exam.pk]
    request = context.get("request")
    return page_exam_states(exams=[exam], user=getattr(request, "user", None))[exam.pk]
