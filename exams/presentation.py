"""What a candidate sees of an item, and reading a candidate's form post back into a response.

Trust rule (DESIGN.md): correct answers, fractions and feedback never reach the
candidate's browser before the review policy allows. :func:`candidate_view` is the only
path from a question version to a page: it copies the fields a candidate needs and
nothing else, so adding a secret field to a question type cannot leak it by accident.
"""

from __future__ import annotations

from collections.abc import Mapping


def candidate_view(*, question: dict, option_order: list[str]) -> dict:
    """The candidate-safe form of one question.

    Returns ``{"qtype", "name", "text", ...}`` with, by type: ``choices`` ``[{id, text}]``
    in the frozen ``option_order`` (single choice, multiple response); ``prompts``
    ``[{id, prompt}]`` and ``answers`` (matching; distractor pairs have no prompt);
    ``items`` ``[{id, text}]`` in the frozen order (ordering); ``min_words`` /
    ``max_words`` (essay). No fraction, feedback, correct flag or grader information.
    """
    qtype = question.get("qtype", "")
    view: dict = {"qtype": qtype, "name": question.get("name", ""), "text": question.get("text", "")}
    if qtype in ("single_choice", "multiple_response"):
        by_id = {str(choice["id"]): choice for choice in question.get("choices", [])}
        view["choices"] = [{"id": cid, "text": by_id[cid]["text"]} for cid in option_order if cid in by_id]
    elif qtype == "matching":
        view["prompts"] = [
            {"id": str(pair["id"]), "prompt": pair["prompt"]}
            for pair in question.get("pairs", [])
            if pair.get("prompt")
        ]
        view["answers"] = list(option_order)
    elif qtype == "ordering":
        by_id = {str(item["id"]): item for item in question.get("items", [])}
        view["items"] = [{"id": iid, "text": by_id[iid]["text"]} for iid in option_order if iid in by_id]
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
