"""Verification codes: 80 random bits in Crockford base32, grouped ``XXXX-XXXX-XXXX-XXXX``.

Crockford's alphabet (https://www.crockford.com/base32.html) leaves out I, L, O and U so a
code read aloud or typed from paper survives: on input, case, hyphens and spaces are
ignored, I and L read as 1 and O as 0. Pure functions, no database.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_BITS = 80
CODE_LENGTH = CODE_BITS // 5  # 16 characters, 5 bits each
GROUP = 4

_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = str.maketrans("", "", "- \t\u00a0")


def crockford_encode(data: bytes) -> str:
    """``data`` as Crockford base32 digits, most significant first, no padding.

    The length is ``ceil(8 * len(data) / 5)``; 10 bytes give exactly 16 characters.
    """
    bits = len(data) * 8
    length = -(-bits // 5)
    number = int.from_bytes(data, "big") << (length * 5 - bits)
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(length)))


def crockford_decode(text: str) -> bytes:
    """Inverse of :func:`crockford_encode` for a 16-character code: 10 bytes.

    Raises ``ValueError`` for a character outside the alphabet or a wrong length.
    """
    if len(text) != CODE_LENGTH:
        raise ValueError("a verification code has 16 characters")
    number = 0
    for char in text:
        index = ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"{char!r} is not a Crockford base32 digit")
        number = number << 5 | index
    return number.to_bytes(CODE_BITS // 8, "big")


def code_generate() -> str:
    """A new verification code from :mod:`secrets`: 80 bits, e.g. ``7Q2M-0D4K-XW9T-H3CE``."""
    return code_format(crockford_encode(secrets.token_bytes(CODE_BITS // 8)))


def code_format(digits: str) -> str:
    """Group 16 digits as ``XXXX-XXXX-XXXX-XXXX``."""
    return "-".join(digits[i : i + GROUP] for i in range(0, len(digits), GROUP))


def code_normalize(text: str) -> str | None:
    """The stored form of a code someone typed or scanned, or ``None`` if it cannot be one.

    ``"7q2m 0d4k-xw9t-h3ce"`` -> ``"7Q2M-0D4K-XW9T-H3CE"``; ``i``/``l`` -> 1, ``o`` -> 0.
    """
    digits = str(text).upper().translate(_SEPARATORS).translate(_READ_AS)
    if len(digits) != CODE_LENGTH or any(char not in ALPHABET for char in digits):
        return None
    return code_format(digits)


def code_prefix_normalize(text: str, *, minimum: int = GROUP) -> str | None:
    """The stored form of the start of a code, for a prefix search, or ``None``.

    Same reading as :func:`code_normalize` (case, dashes and spaces ignored, I/L -> 1,
    O -> 0), grouped with dashes: ``"3pya kcw8"`` -> ``"3PYA-KCW8"``, ``"3PYAK"`` ->
    ``"3PYA-K"``. ``None`` for fewer than ``minimum`` digits (too broad to be a code),
    more than 16, or a character outside Crockford's alphabet.
    """
    digits = str(text).upper().translate(_SEPARATORS).translate(_READ_AS)
    if not minimum <= len(digits) <= CODE_LENGTH or any(char not in ALPHABET for char in digits):
        return None
    return code_format(digits)


def code_to_bytes(code: str) -> bytes:
    """The 10 random bytes behind a (normalised or typed) code; ``ValueError`` if malformed."""
    normalized = code_normalize(code)
    if normalized is None:
        raise ValueError("not a verification code")
    return crockford_decode(normalized.replace("-", ""))


def code_from_bytes(data: bytes) -> str:
    """The grouped code for 10 bytes (inverse of :func:`code_to_bytes`)."""
    if len(data) != CODE_BITS // 8:
        raise ValueError("a verification code is 10 bytes")
    return code_format(crockford_encode(data))
