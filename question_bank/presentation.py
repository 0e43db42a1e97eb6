"""How a question version looks to a candidate and how two versions differ: pure functions.

``candidate_view`` shapes a version's content for the preview template the way the exam
page shows an item: the text, the options in stored order (the exam may shuffle them),
matching answers as a sorted list with distractors, no fractions or feedback. The
``answer_key`` is shown to staff beside it, never to candidates.
"""

from __future__ import annotations

import difflib
import json


def candidate_view(data: dict) -> dict:
    """``data``: a version's content (interchange form). Returns what the item template reads."""
    qtype = data["qtype"]
    view: dict = {"qtype": qtype, "text": data.get("text", ""), "name": data.get("name", "")}
    if qtype in ("single_choice", "multiple_response"):
        view["choices"] = [{"id": choice["id"], "text": choice["text"]} for choice in data.get("choices", [])]
    elif qtype == "matching":
        pairs = data.get("pairs", [])
        view["prompts"] = [{"id": pair["id"], "prompt": pair["prompt"]} for pair in pairs if pair["prompt"]]
        view["answers"] = sorted({pair["answer"] for pair in pairs})
    elif qtype == "ordering":
        # Shown in a fixed, non-solving order: by id reversed is still the key; sort by text instead.
        view["items"] = sorted(data.get("items", []), key=lambda item: item["text"])
    elif qtype == "essay":
        view["min_words"] = data.get("min_words")
        view["max_words"] = data.get("max_words")
    return view


def answer_key(data: dict) -> list[str]:
    """The right answers in words, for the trainer's eyes (plain strings, HTML kept as is)."""
    qtype = data["qtype"]
    if qtype in ("single_choice", "multiple_response"):
        return [f"{choice['text']} — {choice['fraction']}" for choice in data["choices"] if choice["fraction"] != "0"]
    if qtype == "true_false":
        return ["true" if data["correct"] else "false"]
    if qtype == "short_answer":
        return [f"{answer['text']} — {answer['fraction']}" for answer in data["answers"]]
    if qtype == "numerical":
        return [f"{a['value']} ± {a['tolerance']} — {a['fraction']}" for a in data["answers"]]
    if qtype == "matching":
        return [f"{pair['prompt'] or '—'} → {pair['answer']}" for pair in data["pairs"]]
    if qtype == "ordering":
        return [item["text"] for item in data["items"]]
    return []


def version_diff(old: dict | None, new: dict) -> list[tuple[str, str]]:
    """A line diff of two versions' content as pretty JSON: ``[(kind, line)]`` with kind
    ``"add"``, ``"del"``, ``"hunk"`` or ``"same"`` (difflib's unified diff, 3 lines of context)."""

    def lines(data: dict | None) -> list[str]:
        if data is None:
            return []
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).splitlines()

    out = []
    for line in difflib.unified_diff(lines(old), lines(new), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(("hunk", line))
        elif line.startswith("+"):
            out.append(("add", line[1:]))
        elif line.startswith("-"):
            out.append(("del", line[1:]))
        else:
            out.append(("same", line[1:]))
    return out
