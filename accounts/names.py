"""What a name printed on a certificate may contain.

A name is printed exactly as stored, so characters that do not print as typed are refused
wherever a name is entered (sign-up, profile, an officer's reissue): control and format
characters (bidi overrides such as U+202E, zero widths), line and paragraph separators,
private-use, unassigned and surrogate code points (Unicode general categories, read with
:func:`unicodedata.category`).
"""

from __future__ import annotations

import unicodedata

NOT_PRINTABLE = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})


def name_has_unprintable(name: str) -> bool:
    """True when ``name`` holds a character of a :data:`NOT_PRINTABLE` category."""
    return any(unicodedata.category(ch) in NOT_PRINTABLE for ch in name)
