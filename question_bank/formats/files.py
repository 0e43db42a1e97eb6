"""Question files as bytes: size and encoding checks, then the reader of their format.

The import command and the admin upload both come through :func:`read_question_file`, so
a file gets the same answer whichever way it arrives.
"""

from __future__ import annotations

from question_bank.formats import ParseResult
from question_bank.formats.aiken import parse_aiken
from question_bank.formats.gift import parse_gift
from question_bank.formats.json_format import read_json
from question_bank.formats.moodle_xml import parse_moodle_xml
from question_bank.formats.tabular import parse_csv, parse_xlsx

MAX_FILE_BYTES = 50 * 1024 * 1024
TEXT_READERS = {
    "gift": parse_gift,
    "json": read_json,
    "aiken": parse_aiken,
    "moodle_xml": parse_moodle_xml,
    "csv": parse_csv,
}
FORMATS = (*TEXT_READERS, "xlsx")
EXTENSIONS = {
    "gift": (".gift", ".txt"),
    "moodle_xml": (".xml",),
    "aiken": (".txt", ".aiken"),
    "xlsx": (".xlsx",),
    "csv": (".csv", ".txt"),
    "json": (".json",),
}


def decode_text(raw: bytes) -> tuple[str | None, str | None]:
    """``(text, None)`` for UTF-8 (a BOM is dropped), else ``(None, message)`` naming the line."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, (
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line} is not UTF-8; "
            "Windows-1251 or another legacy encoding?); save it as UTF-8"
        )


def size_problem(size: int) -> str | None:
    if size > MAX_FILE_BYTES:
        return f"the file is {size / 1024 / 1024:.1f} MB, over the 50 MB limit; split it"
    return None


def read_question_file(raw: bytes, file_format: str) -> ParseResult:
    """Read the bytes of a question file in ``file_format`` (one of :data:`FORMATS`).

    Never raises for bad input: too big, not UTF-8, or malformed gives errors as
    ``(line, message)``. Raises ``ValueError`` only for an unknown ``file_format``.
    """
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r}")
    result = ParseResult()
    problem = size_problem(len(raw))
    if problem:
        result.error(1, problem)
        return result
    if file_format == "xlsx":
        return parse_xlsx(raw)
    text, problem = decode_text(raw)
    if problem:
        result.error(1, problem)
        return result
    return TEXT_READERS[file_format](text)
