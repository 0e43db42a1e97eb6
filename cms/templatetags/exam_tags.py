"""``{% exam_card exam %}``: the exam's card with the signed-in candidate's state."""

from django import template

from exams.selectors import exam_state

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
