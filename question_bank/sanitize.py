"""HTML that authors write, made safe to show to candidates.

``clean_html`` keeps ordinary formatting (paragraphs, emphasis, lists, tables, links,
images, sub/superscript) and drops everything that can run code: ``<script>``, ``<style>``,
event-handler attributes (``onclick``…), ``javascript:`` and ``data:`` URLs, ``<iframe>``,
forms. It is built on nh3 (the Rust ``ammonia`` sanitizer), whose parser follows the HTML5
specification, so malformed markup is repaired the way a browser would read it.

LaTeX written as ``\\( … \\)`` or ``$$ … $$`` is plain text to the sanitizer and is kept.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = frozenset(
    {
        *{"a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del"},
        *{"div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i"},
        *{"img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike"},
        *{"strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var"},
    }
)
ALLOWED_ATTRIBUTES = {
    "*": {"lang", "title", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
}
# Relative URLs (Moodle's @@PLUGINFILE@@/x.png, /media/...) stay; of the absolute ones only these.
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def clean_html(html_text: str) -> str:
    """Return ``html_text`` with everything but safe formatting removed.

    Input: an HTML fragment (str). Output: a sanitized fragment (str); text content,
    entities and LaTeX are kept; links get ``rel="noopener noreferrer"``. Never raises
    for bad markup. Idempotent: ``clean_html(clean_html(x)) == clean_html(x)``.
    """
    if not html_text:
        return ""
    return nh3.clean(
        html_text,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")


def visible_text(html_text: str) -> str:
    """The text a reader sees in ``html_text``: tags dropped, entities decoded, white space folded.

    Used for default question names, search, and comparing texts in tests.
    """
    extractor = _TextExtractor()
    extractor.feed(html_text or "")
    extractor.close()
    return _SPACES.sub(" ", "".join(extractor.parts)).strip()


def text_to_html(text: str) -> str:
    """Plain text as HTML: special characters escaped, each line break a ``<br>``."""
    escaped = html.escape(text, quote=False)
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")
