"""Reads for the CMS pages: the signed-in candidate's exam states, batched per page."""

from __future__ import annotations

from certificates.models import Certificate
from exams.models import Exam
from exams.selectors import exam_states


def stream_exams(*streams) -> list[Exam]:
    """The exams named by the exam blocks of ``streams`` (StreamField values), in order,
    duplicates kept (the snippet chooser fetches them in one query per stream)."""
    return [
        block.value["exam"]
        for stream in streams
        for block in stream
        if block.block_type == "exam" and block.value.get("exam") is not None
    ]


def page_exam_states(*, exams: list[Exam], user) -> dict[int, dict]:
    """``{exam id: state}`` for ``exams`` and ``user`` (:func:`exams.selectors.exam_states`),
    each state with ``"certificate"``: the current certificate of its passed attempt, or None.

    A fixed number of queries however many exams: a page with several exam blocks costs
    the same as a page with one (one more query for the certificates when something is passed).
    """
    if not exams:
        return {}
    states = exam_states(exams=exams, user=user)
    passed = {state["passed_attempt"].pk: state for state in states.values() if state["passed_attempt"]}
    for state in states.values():
        state["certificate"] = None
    if passed:
        for certificate in Certificate.objects.filter(attempt_id__in=passed, superseded_at__isnull=True):
            passed[certificate.attempt_id]["certificate"] = certificate
    return states
