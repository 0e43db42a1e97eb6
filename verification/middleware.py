"""Feeds the integrity log from the candidate's requests to the exam engine, without the exam
engine knowing: after a successful save, page save or page view of an attempt, the request's
address, device and session are compared with the last ones seen and the save is logged.

The running request is also kept in a context variable, so that the receiver of an attempt's
creation can record where and how (sign-in method) the attempt was started.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging

logger = logging.getLogger(__name__)

_request: contextvars.ContextVar = contextvars.ContextVar("verification_request", default=None)

# exams URL names watched, and whether a successful request is itself an entry.
WATCHED = {"save": "save", "take": None, "state": None, "submit": None}


def current_request():
    """The request being handled in this context, or ``None`` (a task, a command)."""
    return _request.get()


def _save_payload(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    response = body.get("response") if isinstance(body, dict) else None
    digest = hashlib.sha256(
        json.dumps(response, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    return {"position": body.get("position"), "sequence": body.get("sequence"), "response_sha256": digest}


class IntegrityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        match = getattr(request, "resolver_match", None)
        if (
            match is not None
            and match.namespace == "exams"
            and match.url_name in WATCHED
            and response.status_code < 400
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            self._observe(request, match)
        return response

    def _observe(self, request, match) -> None:
        from exams.models import Attempt

        from .models import IntegrityKind
        from .services.integrity import request_observe

        attempt_id = match.kwargs.get("attempt_id")
        # The view has answered with success, but check again that the attempt is theirs.
        if not Attempt.objects.filter(pk=attempt_id, candidate=request.user).exists():
            return
        kind, payload = None, None
        if match.url_name == "save" and request.method == "POST":
            kind, payload = IntegrityKind.SAVE, _save_payload(request)
        elif match.url_name == "take" and request.method == "POST":
            kind, payload = IntegrityKind.SAVE_PAGE, {"page": request.POST.get("page", "")[:10]}
        try:
            request_observe(request=request, attempt_id=attempt_id, kind=kind, payload=payload)
        except Exception:
            # The save is committed and acknowledged; a failure of the log must not undo that.
            logger.exception("Could not log a request of attempt %s", attempt_id)
