"""Moodle's text formats (moodle, html, plain, markdown) turned into sanitized HTML.

- ``moodle`` and ``plain``: the text is escaped (a ``<`` is shown as ``<``) and each line
  break becomes ``<br>``. Moodle itself lets some HTML through in its "moodle auto-format";
  we do not: authors who want markup write ``[html]``.
- ``html``: sanitized with :func:`question_bank.sanitize.clean_html`.
- ``markdown``: a deliberately small subset is rendered, the rest stays as text: paragraphs
  (blank lines, or ``\\n\\n`` in GIFT), line breaks, ``- `` / ``* `` / ``1. `` lists,
  ``**strong**`` / ``__strong__``, ``*em*`` / ``_em_``, `` `code` `` and
  ``[text](http…)`` links. Raw HTML inside markdown is shown as text, not interpreted.
"""

from __future__ import annotations

import html
import re

from question_bank.sanitize import clean_html, text_to_html

FORMATS = ("moodle", "html", "plain", "markdown")

_CODE = re.compile(r"`([^`\n]+)`")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\d+[.)]\s+(.*)$")


def to_html(text: str, fmt: str) -> str:
    """Return ``text`` written in Moodle format ``fmt`` as sanitized HTML.

    ``fmt`` is one of :data:`FORMATS`; raises ``ValueError`` for any other.
    """
    if fmt in ("moodle", "plain"):
        return text_to_html(text)
    if fmt == "html":
        return clean_html(text)
    if fmt == "markdown":
        return clean_html(markdown_to_html(text))
    raise ValueError(f"unknown text format {fmt!r}")


def _inline(text: str) -> str:
    # Code spans first, kept aside so that emphasis markers inside them stay literal.
    spans: list[str] = []

    def keep_code(match: re.Match[str]) -> str:
        spans.append(f"<code>{match.group(1)}</code>")
        return f"\x00{len(spans) - 1}\x00"

    out = _CODE.sub(keep_code, html.escape(text, quote=False))
    # The URL is already escaped with the rest of the text; only a quote could end the attribute.
    out = _LINK.sub(lambda m: '<a href="{}">{}</a>'.format(m.group(2).replace('"', "%22"), m.group(1)), out)
    out = _STRONG.sub(r"<strong>\2</strong>", out)
    out = _EM_STAR.sub(r"<em>\1</em>", out)
    out = _EM_UNDERSCORE.sub(r"<em>\1</em>", out)
    return re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], out)


def markdown_to_html(text: str) -> str:
    """Render the small markdown subset described in the module docstring (unsanitized)."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    out: list[str] = []
    for block in blocks:
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_BULLET.match(line).group(1))}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        elif all(_NUMBERED.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_NUMBERED.match(line).group(1))}</li>" for line in lines)
            out.append(f"<ol>{items}</ol>")
        else:
            out.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return "".join(out)
