"""Playing candidates against the production stack for the fault tests."""

from __future__ import annotations

from tests.answers import correct_response
from tests.smoke import stack as st


def signed_in_attempt(stack: st.Stack, email: str = "candidate@certify.uz", exam: str = "egov-basics"):
    """``(browser, attempt_id, [(position, question), ...])`` for a candidate who started ``exam``."""
    browser = st.Browser(stack.base)
    browser.sign_in(email)
    attempt_id = browser.start(exam)
    return browser, attempt_id, st.attempt_items(stack.database_url, attempt_id)


def answer_all(browser: st.Browser, attempt_id: int, items, *, sequence: int = 1) -> None:
    for position, question in items:
        reply = browser.save(attempt_id, position=position, response=correct_response(question), sequence=sequence)
        assert reply.status_code == 200, (position, reply.status_code, reply.text[:300])


def stored_responses(database_url: str, attempt_id: int) -> dict[int, tuple[int, dict | None]]:
    """``{position: (save_sequence, response)}`` as the database holds them."""
    rows = st.query(
        database_url,
        "SELECT position, save_sequence, response FROM exams_attemptitem WHERE attempt_id = %s",
        attempt_id,
    )
    return {position: (sequence, response) for position, sequence, response in rows}


def certificates_of(database_url: str, attempt_id: int) -> list[tuple[str, str]]:
    return st.query(
        database_url,
        "SELECT verification_code, pdf FROM certificates_certificate WHERE attempt_id = %s",
        attempt_id,
    )
