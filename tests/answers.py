"""The right response to a question (interchange form), for tests that must pass an exam."""

from decimal import Decimal


def correct_response(question: dict) -> dict | None:
    """A response earning the full fraction, or None for types with no automatic key (essay, description)."""
    qtype = question["qtype"]
    if qtype == "single_choice":
        best = max(question["choices"], key=lambda choice: Decimal(choice["fraction"]))
        return {"choice": str(best["id"])}
    if qtype == "multiple_response":
        return {"choices": [str(c["id"]) for c in question["choices"] if Decimal(c["fraction"]) > 0]}
    if qtype == "true_false":
        return {"value": bool(question["correct"])}
    if qtype == "short_answer":
        full = [a["text"] for a in question["answers"] if Decimal(a["fraction"]) == 1 and "*" not in a["text"]]
        return {"text": full[0]}
    if qtype == "numerical":
        best = max(question["answers"], key=lambda answer: Decimal(answer["fraction"]))
        value = best["value"]
        if ".." in value:
            value = value.split("..")[0]
        return {"value": value}
    if qtype == "matching":
        return {"pairs": {str(p["id"]): p["answer"] for p in question["pairs"] if p.get("prompt")}}
    if qtype == "ordering":
        return {"order": [str(item["id"]) for item in question["items"]]}
    return None
