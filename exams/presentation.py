"""What a candidate sees of an item, and reading a candidate's form post back into a response.

Trust rule (DESIGN.md): correct answers, fractions and feedback never reach the
candidate's browser before the review policy allows. :func:`candidate_view` is the only
path from a question version to a page: it copies the fields a candidate needs and
nothing else, so adding a secret field to a question type cannot leak it by accident.

It is also where stored HTML is sanitized once more before a page marks it safe: the
importers and the authoring services sanitize on the way in, but an attempt must stay
harmless even if a version reached the database another way (defence in depth).
"""

from __future__ import annotations

from collections.abc import Mapping

from question_bank.sanitize import clean_html


def candidate_view(*, question: dict, option_order: list[str]) -> dict:
    """The candidate-safe form of one question.

    Returns ``{"qtype", "name", "text", ...}`` with, by type: ``choices`` ``[{id, text}]``
    in the frozen ``option_order`` (single choice, multiple response); ``prompts``
    ``[{id, prompt}]`` and ``answers`` (matching; distractor pairs have no prompt);
    ``items`` ``[{id, text}]`` in the frozen order (ordering); ``min_words`` /
    ``max_words`` (essay). No fraction, feedback, correct flag or grader information.
    """
    qtype = question.get("qtype", "")
    view: dict = {"qtype": qtype, "name": question.get("name", ""), "text": clean_html(question.get("text", ""))}
    if qtype in ("single_choice", "multiple_response"):
        by_id = {str(choice["id"]): choice for choice in question.get("choices", [])}
        view["choices"] = [{"id": cid, "text": clean_html(by_id[cid]["text"])} for cid in option_order if cid in by_id]
    elif qtype == "matching":
        view["prompts"] = [
            {"id": str(pair["id"]), "prompt": clean_html(pair["prompt"])}
            for pair in question.get("pairs", [])
            if pair.get("prompt")
        ]
        view["answers"] = list(option_order)
    elif qtype == "ordering":
        by_id = {str(item["id"]): item for item in question.get("items", [])}
        view["items"] = [{"id": iid, "text": clean_html(by_id[iid]["text"])} for iid in option_order if iid in by_id]
    elif qtype == "essay":
        view["min_words"] = question.get("min_words") or None
        view["max_words"] = question.get("max_words") or None
    return view


def response_from_form(*, qtype: str, prefix: str, data: Mapping) -> dict | None:
    """Read one item's response from a form post (``data`` is ``request.POST``).

    Field names: ``{prefix}choice``; ``{prefix}choices`` (several); ``{prefix}value``
    (true/false as ``"true"``/``"false"``, numerical as text); ``{prefix}text``;
    ``{prefix}pair-<id>``; ``{prefix}rank-<id>`` (ordering, 1 = first). Returns the
    response in the shape of CONTRACTS.md section 2, or None when nothing was answered.
    """
    getlist = data.getlist if hasattr(data, "getlist") else (lambda key: [data[key]] if key in data else [])
    if qtype == "single_choice":
        choice = data.get(prefix + "choice")
        return {"choice": choice} if choice else None
    if qtype == "multiple_response":
        choices = [value for value in getlist(prefix + "choices") if value]
        return {"choices": choices} if choices else None
    if qtype == "true_false":
        value = data.get(prefix + "value")
        return {"value": value == "true"} if value in ("true", "false") else None
    if qtype == "numerical":
        value = (data.get(prefix + "value") or "").strip()
        return {"value": value} if value else None
    if qtype in ("short_answer", "essay"):
        text = data.get(prefix + "text") or ""
        return {"text": text} if text.strip() else None
    if qtype == "matching":
        pairs = {
            key[len(prefix) + len("pair-") :]: value
            for key, value in data.items()
            if key.startswith(prefix + "pair-") and value
        }
        return {"pairs": pairs} if pairs else None
    if qtype == "ordering":
        ranks = []
        for key, value in data.items():
            if key.startswith(prefix + "rank-"):
                try:
                    ranks.append((int(value), key[len(prefix) + len("rank-") :]))
                except (TypeError, ValueError):
                    continue
        return {"order": [item_id for _rank, item_id in sorted(ranks)]} if ranks else None
    return None


def is_answered(response: dict | None) -> bool:
    """True when the saved response holds an answer (used by the summary and progress)."""
    if not response:
        return False
    return any(value not in (None, "", [], {}) for value in response.values())


def review_level(*, policy: str) -> int:
    """The rank of a review policy: nothing 0, score 1, correctness 2, answers 3, feedback 4."""
    order = ["nothing", "score", "correctness", "answers", "feedback"]
    return order.index(policy) if policy in order else 0


def review_view(*, question: dict, response: dict | None, level: int) -> dict:
    """What the review page may show of one item at review ``level`` (see :func:`review_level`).

    Returns ``{"correct_answer": str | None, "feedback": list[str]}``: the correct answer
    (as text) only from level 3 ("answers"), the feedback (the general feedback and the
    feedback of what the candidate chose) only from level 4 ("feedback"). Below those levels
    the keys are empty, so a template cannot show more than the policy allows.
    """
    view: dict = {"correct_answer": None, "feedback": []}
    if level >= 3:
        view["correct_answer"] = correct_answer_text(question)
    if level >= 4:
        view["feedback"] = feedback_texts(question, response or {})
    return view


def _best(entries: list[dict], key: str = "fraction") -> list[dict]:
    from decimal import Decimal, InvalidOperation

    def fraction(entry) -> Decimal:
        try:
            return Decimal(str(entry.get(key, "0")))
        except InvalidOperation:
            return Decimal(0)

    top = max((fraction(entry) for entry in entries), default=Decimal(0))
    return [entry for entry in entries if fraction(entry) == top and top > 0]


def correct_answer_text(question: dict) -> str | None:
    """The correct answer of a question as the text a candidate would recognise (HTML allowed
    from the sanitized question), or None for types without one (essay, description)."""
    from decimal import Decimal, InvalidOperation

    qtype = question.get("qtype")
    if qtype == "single_choice":
        return "; ".join(choice["text"] for choice in _best(question.get("choices", []))) or None
    if qtype == "multiple_response":
        right = []
        for choice in question.get("choices", []):
            try:
                if Decimal(str(choice.get("fraction", "0"))) > 0:
                    right.append(choice["text"])
            except InvalidOperation:
                continue
        return "; ".join(right) or None
    if qtype == "true_false":
        return "True" if question.get("correct") else "False"
    if qtype in ("short_answer", "numerical"):
        field = "text" if qtype == "short_answer" else "value"
        return "; ".join(str(answer[field]) for answer in _best(question.get("answers", []))) or None
    if qtype == "matching":
        return "; ".join(f"{p['prompt']} → {p['answer']}" for p in question.get("pairs", []) if p.get("prompt")) or None
    if qtype == "ordering":
        return " → ".join(item["text"] for item in question.get("items", [])) or None
    return None


def feedback_texts(question: dict, response: dict) -> list[str]:
    """The feedback a candidate earns: the feedback of each option they chose (choice types),
    of their true/false answer, then the question's general feedback. Empty texts are left out."""
    qtype = question.get("qtype")
    texts: list[str] = []
    if qtype in ("single_choice", "multiple_response"):
        chosen = (
            {str(response.get("choice"))} if qtype == "single_choice" else set(map(str, response.get("choices", [])))
        )
        texts += [c.get("feedback", "") for c in question.get("choices", []) if str(c.get("id")) in chosen]
    elif qtype == "true_false" and isinstance(response.get("value"), bool):
        texts.append(question.get("feedback_true" if response["value"] else "feedback_false", ""))
    texts.append(question.get("general_feedback", ""))
    return [text for text in texts if text]
