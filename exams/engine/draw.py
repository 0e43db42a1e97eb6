"""Drawing a form (the items of one attempt) from a blueprint.

A blueprint is a list of draw rules, each "``count`` questions from this pool". The
draw must:

- be reproducible from the attempt's seed (the same seed and pools give the same form);
- never put one question twice in an attempt, even when the pools of rules overlap;
- prefer, for a retake, questions the candidate has not seen, while the pool allows;
- find a form whenever one exists: a rule with a broad pool must not take the only
  questions a narrower rule could use. This is a bipartite matching (rule slots to
  questions); we use augmenting paths (Kuhn's algorithm), trying each slot's candidates
  in a seeded random order, unseen questions first.

Randomness comes from ``random.Random(seed)``: the seed itself is drawn from ``secrets``
at attempt start, and a seeded generator is what makes the form reproducible for audit.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class RulePool:
    """One draw rule ready to draw: ``pool`` lists the question ids it may take (any order)."""

    rule_id: int
    section_id: int | None
    section_position: int
    count: int
    pool: Sequence[int]
    points: Decimal | None = None


@dataclass(frozen=True)
class Pick:
    """One drawn item: the question, the rule and section it came from, its points (None: default)."""

    question_id: int
    rule_id: int
    section_id: int | None
    points: Decimal | None


class PoolTooSmall(Exception):
    """The rules cannot be filled: ``shortfalls`` maps rule id to the number of questions missing."""

    def __init__(self, shortfalls: dict[int, int]):
        self.shortfalls = shortfalls
        detail = ", ".join(f"rule {rule_id}: {missing} missing" for rule_id, missing in sorted(shortfalls.items()))
        super().__init__(f"the question pools cannot fill the blueprint ({detail})")


def draw_form(
    *,
    rules: Sequence[RulePool],
    seed: int,
    seen: frozenset[int] = frozenset(),
    shuffle_items: bool = True,
) -> list[Pick]:
    """Draw the items of one attempt.

    ``rules`` in blueprint order (section, then rule); ``seed`` an int; ``seen`` the
    question ids this candidate met in earlier attempts (used last). Returns the picks in
    presentation order: sections in order, items within a section shuffled when
    ``shuffle_items`` (else in rule order). Raises :class:`PoolTooSmall` when no form
    exists (the message names the rules that fall short).
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible from a secret seed, see the module docstring
    slots: list[RulePool] = []
    candidates: list[list[int]] = []
    for rule in rules:
        unique_pool = sorted(set(rule.pool))
        fresh = [qid for qid in unique_pool if qid not in seen]
        old = [qid for qid in unique_pool if qid in seen]
        rng.shuffle(fresh)
        rng.shuffle(old)
        order = fresh + old
        for _ in range(rule.count):
            slots.append(rule)
            candidates.append(order)

    owner: dict[int, int] = {}  # question id -> slot index
    assigned: list[int | None] = [None] * len(slots)
    # A slot scans its candidate list from where it stopped last time, so the common case
    # (plenty of free questions) costs O(count) and not O(pool) per slot.
    cursor = [0] * len(slots)

    def try_assign(slot: int, visited: set[int]) -> bool:
        order = candidates[slot]
        # First pass: a free question, continuing from the cursor.
        while cursor[slot] < len(order):
            qid = order[cursor[slot]]
            cursor[slot] += 1
            if qid not in owner:
                owner[qid] = slot
                assigned[slot] = qid
                return True
        # Second pass: take a question from another slot that can move elsewhere.
        for qid in order:
            holder = owner.get(qid)
            if holder is None or holder == slot or qid in visited:
                continue
            visited.add(qid)
            if try_assign(holder, visited):
                owner[qid] = slot
                assigned[slot] = qid
                return True
        return False

    shortfalls: dict[int, int] = {}
    for slot in range(len(slots)):
        if not try_assign(slot, set()):
            rule_id = slots[slot].rule_id
            shortfalls[rule_id] = shortfalls.get(rule_id, 0) + 1
    if shortfalls:
        raise PoolTooSmall(shortfalls)

    by_section: dict[tuple[int, int | None], list[Pick]] = {}
    for slot, rule in enumerate(slots):
        qid = assigned[slot]
        assert qid is not None
        key = (rule.section_position, rule.section_id)
        by_section.setdefault(key, []).append(Pick(qid, rule.rule_id, rule.section_id, rule.points))
    form: list[Pick] = []
    for key in sorted(by_section, key=lambda k: (k[0], k[1] or 0)):
        picks = by_section[key]
        if shuffle_items:
            rng.shuffle(picks)
        form.extend(picks)
    return form


def option_order(*, question: dict, rng: random.Random, shuffle_options: bool) -> list[str]:
    """The order in which a candidate sees a question's options, as a list of option ids.

    Choices (single choice, multiple response) are shuffled when both the exam and the
    question allow it (the question's ``shuffle``, default true). Matching answers and
    ordering items are always shuffled: shown in their stored order they would give the
    answer away. For matching the "ids" are the distinct answer texts. Other types: ``[]``.
    """
    qtype = question.get("qtype")
    if qtype in ("single_choice", "multiple_response"):
        ids = [str(choice["id"]) for choice in question.get("choices", [])]
        if shuffle_options and question.get("shuffle", True):
            rng.shuffle(ids)
        return ids
    if qtype == "matching":
        answers = list(dict.fromkeys(pair["answer"] for pair in question.get("pairs", [])))
        rng.shuffle(answers)
        return answers
    if qtype == "ordering":
        ids = [str(item["id"]) for item in question.get("items", [])]
        if len(ids) > 1:
            original = list(ids)
            # A shuffle that happens to give the right order would show the answer.
            for _ in range(10):
                rng.shuffle(ids)
                if ids != original:
                    break
        return ids
    return []
