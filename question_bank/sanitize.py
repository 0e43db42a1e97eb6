"""HTML that authors write, made safe to show to candidates.

``clean_html`` keeps ordinary formatting (paragraphs, emphasis, lists, tables, links,
images, sub/superscript) and drops everything that can run code: ``<script>``, ``<style>``,
event-handler attributes (``onclick``…), ``javascript:`` URLs and ``data:`` URLs other than
image data on ``<img>``, ``<iframe>``, forms. It is built on nh3 (the Rust ``ammonia``
sanitizer), whose parser follows the HTML5 specification, so malformed markup is repaired the
way a browser would read it.

LaTeX written as ``\\( … \\)`` or ``$$ … $$`` is plain text to the sanitizer and is kept.

Images (see :mod:`question_bank.images`): ``<img>`` keeps ``src``, ``alt``, ``title``,
``width``, ``height`` and ``data-image-id`` (digits only). Its ``src`` may be a stored image
under ``MEDIA_URL`` (``/media/…``, no ``..``), a bare image file name (``x.png``), Moodle's
``@@PLUGINFILE@@/x.png`` (no ``..`` either) or a base64 ``data:`` URI of a PNG, JPEG, GIF or WebP image (the
importer stores those as Wagtail images); any other ``src`` is dropped (a same-origin path
such as ``/accounts/logout/`` would be requested by every candidate's browser), and so is any
other ``data:`` URL on any element.
A remote image (``http(s)://``) is never fetched nor shown (it would tell a third party who
opens the exam, and the CSP blocks it anyway): it is turned into a link to its address,
labelled with its ``alt`` text.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
from django.conf import settings

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
    "img": {"src", "alt", "title", "width", "height", "data-image-id"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
}
# Relative URLs stay (for <img src>, only those of _image_src_allowed); of the absolute ones only these.
URL_SCHEMES = frozenset({"http", "https", "mailto", "data"})
# ``data:`` is allowed above only so that this filter can keep image data on ``<img src>``.
_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
# A bare file name ("x.png", as authors paste from elsewhere): kept, it requests nothing but a
# missing picture next to the page.
_BARE_IMAGE_NAME = re.compile(r"^\w[\w .()-]*\.(?:png|jpe?g|gif|webp)$", re.IGNORECASE)
# Attribute names never hold "<" (sanitized HTML): without that, "<img a<img a<img a..." takes
# seconds to fail (catastrophic backtracking).
_IMG_TAG = re.compile(r"<img((?:\s+[^\s=>/\"'<]+(?:=\"[^\"]*\")?)*)\s*/?>")
_ATTRIBUTE = re.compile(r"([^\s=>/\"']+)(?:=\"([^\"]*)\")?")


def _climbs(src: str) -> bool:
    """Whether a path could leave its folder once the browser resolves it (``..``, ``\\``, or
    those percent-encoded)."""
    lowered = src.lower()
    return any(part in lowered for part in ("..", "\\", "%2e", "%2f", "%5c"))


def _is_media(src: str) -> bool:
    """Under ``MEDIA_URL`` (where stored images are), with no way to climb out of it."""
    media = settings.MEDIA_URL or "/media/"
    return src.startswith(media) and not src.startswith("//") and not _climbs(src)


def _image_src_allowed(src: str) -> bool:
    # Our stored images, Moodle's references (resolved by the importer), image data, and remote
    # images (turned into links below). Any other same-origin path is refused: an <img> would
    # make every candidate's browser send a GET request to it.
    return bool(
        _is_media(src)
        or _BARE_IMAGE_NAME.match(src)
        # "@@PLUGINFILE@@/../../x" is a relative URL: the browser would resolve it to a page of the site.
        or (src.startswith("@@PLUGINFILE@@/") and not _climbs(src))
        or _DATA_IMAGE.match(src)
        or urlsplit(src).scheme.lower() in ("http", "https")
    )


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "data-image-id":
        # ASCII only: str.isdigit() is also true for "²" and "١", which int() refuses or reads.
        return value if re.fullmatch(r"[0-9]{1,18}", value) else None
    if element == "img" and attribute == "src":
        return value if _image_src_allowed(value.strip()) else None
    if attribute == "href" and value.strip()[:5].lower() == "data:":
        return None
    return value


def _remote_image_as_link(match: re.Match[str]) -> str:
    attributes = {name.lower(): html.unescape(value) for name, value in _ATTRIBUTE.findall(match.group(1))}
    src = attributes.get("src", "").strip()
    if urlsplit(src).scheme.lower() not in ("http", "https") or _is_media(src):
        return match.group(0)
    label = attributes.get("alt", "").strip() or src
    return f'<a href="{html.escape(src, quote=True)}" rel="noopener noreferrer">{html.escape(label, quote=False)}</a>'


def clean_html(html_text: str) -> str:
    """Return ``html_text`` with everything but safe formatting removed.

    Input: an HTML fragment (str). Output: a sanitized fragment (str); text content,
    entities and LaTeX are kept; links get ``rel="noopener noreferrer"``; images as described
    in the module docstring. Never raises for bad markup. Idempotent: ``clean_html(clean_html(x)) == clean_html(x)``.
    """
    if not html_text:
        return ""
    if "<im" not in html_text.lower():
        # No image ("<img", or "<image", which HTML parsers read as <img>): no data: URL is
        # needed, and nh3 alone is faster than with a Python filter called for every attribute
        # (10,000-question imports).
        return nh3.clean(
            html_text,
            tags=set(ALLOWED_TAGS),
            attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
            url_schemes=URL_SCHEMES - {"data"},
            link_rel="noopener noreferrer",
            strip_comments=True,
        ).strip()
    cleaned = nh3.clean(
        html_text,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_attribute_filter,
    ).strip()
    # nh3's output quotes every attribute value with ", so the <img> pattern reads it exactly.
    return _IMG_TAG.sub(_remote_image_as_link, cleaned) if "<img" in cleaned else cleaned


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
