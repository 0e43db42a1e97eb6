"""Pages of an attempt and what sequential navigation allows. Pure functions.

An attempt's items are shown one page per section of the blueprint, or one page per item
(the exam's ``page_mode``). With sequential navigation the candidate moves forward only: a
page before the furthest page reached can no longer be shown or changed (issue 4, "taking").
"""

from __future__ import annotations

from collections.abc import Sequence

SECTION = "section"
ITEM = "item"
SEQUENTIAL = "sequential"


def page_numbers(*, section_ids: Sequence[int | None], mode: str) -> list[int]:
    """The page (1-based) of each item, given the items' section ids in position order.

    ``mode`` ``"item"``: item n is on page n. ``"section"``: a new page starts wherever the
    section changes. ``[7, 7, 9]`` -> ``[1, 1, 2]`` by section, ``[1, 2, 3]`` by item.
    """
    if mode == ITEM:
        return list(range(1, len(section_ids) + 1))
    pages: list[int] = []
    for index, section_id in enumerate(section_ids):
        if index == 0:
            pages.append(1)
        elif section_id != section_ids[index - 1]:
            pages.append(pages[-1] + 1)
        else:
            pages.append(pages[-1])
    return pages


def page_allowed(*, page: int, current_page: int, navigation: str) -> bool:
    """True when the candidate may see or change ``page``: always with free navigation; with
    sequential navigation only the furthest page reached (``current_page``) and later ones."""
    return navigation != SEQUENTIAL or page >= current_page


def page_target(*, requested: int, current_page: int, page_count: int, navigation: str) -> int:
    """The page to show for a request of ``requested``: clamped to ``1..page_count``; with
    sequential navigation never before ``current_page`` and at most one page ahead of it."""
    page = min(max(requested, 1), max(page_count, 1))
    if navigation == SEQUENTIAL:
        page = min(max(page, current_page), current_page + 1, max(page_count, 1))
    return page
