"""When a final result may become verified: a pure function of the facts (no database).

Rules (issue 11, "Verified results"): by the exam's mode, a result is verified at once, after
an examiner's sign-off, after an appeal window with no open appeal, or after both; in every
mode an attempt without the identity check the exam requires cannot become verified, and no
result is verified while an appeal about it is open.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .models import IdentityRequirement, VerificationMode

# Reasons a result is not verified yet, in the order the candidate is told about them.
IDENTITY = "identity"
APPEALS = "appeals"
WINDOW = "window"
SIGN_OFF = "sign_off"


@dataclass(frozen=True)
class Standing:
    """The facts about one final result.

    ``window_ends_at``: aware, or ``None`` for modes without a window; ``identity_ok``: a
    check satisfying ``identity`` is recorded; ``open_appeals``: how many are undecided.
    """

    mode: str
    identity: str
    identity_ok: bool
    window_ends_at: datetime.datetime | None
    signed_off: bool
    open_appeals: int


def blockers(*, standing: Standing, now: datetime.datetime) -> list[str]:
    """What still stands between the result and "verified" at ``now`` (aware); empty: verify."""
    waiting = []
    if standing.identity != IdentityRequirement.NONE and not standing.identity_ok:
        waiting.append(IDENTITY)
    if standing.open_appeals:
        waiting.append(APPEALS)
    if standing.mode in (VerificationMode.APPEAL_WINDOW, VerificationMode.BOTH) and (
        standing.window_ends_at is None or now < standing.window_ends_at
    ):
        waiting.append(WINDOW)
    if standing.mode in (VerificationMode.SIGN_OFF, VerificationMode.BOTH) and not standing.signed_off:
        waiting.append(SIGN_OFF)
    return waiting


def window_end(*, mode: str, final_at: datetime.datetime, appeal_days: int) -> datetime.datetime | None:
    """End of the appeal window: ``final_at`` + ``appeal_days`` days for the modes with one."""
    if mode not in (VerificationMode.APPEAL_WINDOW, VerificationMode.BOTH):
        return None
    return final_at + datetime.timedelta(days=appeal_days)


def identity_satisfied(*, requirement: str, method: str | None, outcome: str | None) -> bool:
    """True when a recorded check (``method``, ``outcome``) meets ``requirement``.

    A proctor's check against a document also satisfies a single sign-on requirement (it is
    the stronger check); single sign-on does not satisfy a proctor requirement.
    """
    if requirement == IdentityRequirement.NONE:
        return True
    if outcome != "confirmed":
        return False
    if requirement == IdentityRequirement.PROCTOR:
        return method == "proctor"
    return method in ("sso", "proctor")
