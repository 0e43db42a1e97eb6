"""Images in questions, stored as Wagtail images (``wagtail.images`` ``Image``).

The stored form of an image in question HTML (text, options, feedback) is::

    <img src="/media/original_images/qb-<sha1>-<token>.png" data-image-id="12" alt="...">

``data-image-id`` is the primary key of the Wagtail image; ``src`` is the URL of its original
file (served by the project under ``MEDIA_URL``; no rendition, so nothing is computed when a
candidate opens an item). Every image a question uses lives in the Wagtail collection
:data:`COLLECTION_NAME` and can be seen in the Wagtail admin's image library.

Where images come from and go to:

- Import: ``data:`` URIs (pasted into HTML, in GIFT ``[html]`` text, in Certify JSON, and the
  Moodle XML reader's ``<file encoding="base64">`` elements, which it turns into ``data:``
  URIs) are decoded, validated and stored by :func:`question_images_store`, called by the
  importer and the authoring services inside their transaction. The same bytes stored twice
  give one image (Wagtail's ``file_hash``, SHA-1 of the content).
- Export: :func:`html_images_inline` turns the stored form back into ``data:`` URIs (Certify
  JSON and GIFT: the file stands alone and a re-import finds the same image by its hash);
  :func:`html_images_to_files` gives ``@@PLUGINFILE@@/name`` references and the files for
  Moodle XML's ``<file encoding="base64">`` elements.
- Remote images (``http(s)://``) are never fetched: the sanitizer turns them into links
  (:mod:`question_bank.sanitize`).

Files and transactions: the database row is created at once, but the file is written to
storage only when the surrounding transaction commits (``transaction.on_commit``), so a
refused import or a dry run (rolled back) leaves neither rows nor files behind.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import io
import logging
import re
import secrets
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction

if TYPE_CHECKING:
    from wagtail.images.models import Image

    from accounts.models import User

logger = logging.getLogger(__name__)

COLLECTION_NAME = "Question bank"
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Width x height: a 2 KB PNG can declare 50,000 x 50,000 pixels and take 10 GB to decode.
MAX_IMAGE_PIXELS = 25_000_000
# Animated GIF, PNG (APNG) and WebP: every frame is decoded by the browser and by Wagtail's
# thumbnails, so a 4 MB GIF of 5,000 frames of 1000 x 1000 is five billion pixels. Limits on
# the number of frames and on the pixels of all frames together.
MAX_IMAGE_FRAMES = 300
MAX_ANIMATION_PIXELS = 100_000_000
# Markup that makes a file a polyglot (an image a browser or a misconfigured server could also
# read as HTML or script); no PNG, JPEG, GIF or WebP an author makes contains it by chance.
_MARKUP = re.compile(rb"<(?:script|html|body|svg|iframe|object|embed|!doctype|\?php)[\s>/]", re.IGNORECASE)
# Pillow format name -> (file extension, MIME type). SVG is not an image to Pillow and is
# refused on purpose: it can carry scripts.
IMAGE_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
DATA_URI = re.compile(r"^data:(image/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]*)$", re.IGNORECASE)
# Attribute names never hold "<" (sanitized HTML): without that, "<img a<img a<img a..." takes
# seconds to fail (catastrophic backtracking).
_IMG_TAG = re.compile(r"<img((?:\s+[^\s=>/\"'<]+(?:=\"[^\"]*\")?)*)\s*/?>")
_ATTRIBUTE = re.compile(r"([^\s=>/\"']+)(?:=\"([^\"]*)\")?")
# A primary key as written in data-image-id: ASCII digits (str.isdigit() also takes "²", which int() refuses).
_IMAGE_ID = re.compile(r"[0-9]{1,18}")
_ORDER = ("src", "data-image-id", "alt", "title", "width", "height", "lang", "dir")


class ImageRefused(ValueError):
    """An image that cannot be stored; ``str(exc)`` says why, in words for the author
    (not an image, SVG, too big, too many pixels, corrupt, bad base64, unknown image id)."""


@dataclass(frozen=True)
class CheckedImage:
    """An image that passed :func:`image_validate`: ``extension`` (``"png"``…), ``mime_type``,
    ``width`` and ``height`` in pixels."""

    extension: str
    mime_type: str
    width: int
    height: int


def image_validate(content: bytes, *, filename: str = "") -> CheckedImage:
    """Check that ``content`` is a PNG, JPEG, GIF or WebP image Certify will store.

    Refused (:class:`ImageRefused`): empty or over :data:`MAX_IMAGE_BYTES` (5 MB); holding
    HTML or script markup (a polyglot); not an image Pillow recognises (SVG, PDF, text…);
    another format; over :data:`MAX_IMAGE_PIXELS` (a "pixel bomb"); an animation of more than
    :data:`MAX_IMAGE_FRAMES` frames or :data:`MAX_ANIMATION_PIXELS` pixels in all frames; a
    file that does not decode to the end (corrupt or truncated).
    ``filename`` only names the file in the messages.
    """
    from PIL import Image as PillowImage
    from PIL import UnidentifiedImageError

    label = f"image {filename!r}" if filename else "the image"
    if not content:
        raise ImageRefused(f"{label} is empty")
    if len(content) > MAX_IMAGE_BYTES:
        raise ImageRefused(
            f"{label} is {len(content) / 1024 / 1024:.1f} MB, over the {MAX_IMAGE_BYTES // 1024 // 1024} MB limit"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PillowImage.DecompressionBombWarning)
            with PillowImage.open(io.BytesIO(content)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in IMAGE_FORMATS:
                    raise ImageRefused(f"{label} is {fmt}, not PNG, JPEG, GIF or WebP")
                if width * height > MAX_IMAGE_PIXELS:
                    raise ImageRefused(
                        f"{label} is {width} x {height} pixels, over the limit of {MAX_IMAGE_PIXELS:,} pixels"
                    )
                frames = getattr(probe, "n_frames", 1) if getattr(probe, "is_animated", False) else 1
                if frames > MAX_IMAGE_FRAMES or frames * width * height > MAX_ANIMATION_PIXELS:
                    raise ImageRefused(
                        f"{label} is an animation of {frames} frames of {width} x {height} pixels, over the limit "
                        f"of {MAX_IMAGE_FRAMES} frames and {MAX_ANIMATION_PIXELS:,} pixels in all"
                    )
                probe.verify()
            with PillowImage.open(io.BytesIO(content)) as full:
                full.load()
    except ImageRefused:
        raise
    except UnidentifiedImageError:
        if b"<svg" in content[:4096].lower():
            raise ImageRefused(f"{label} is an SVG drawing; save it as PNG (SVG can carry scripts)") from None
        raise ImageRefused(f"{label} is not an image (PNG, JPEG, GIF or WebP)") from None
    except (PillowImage.DecompressionBombWarning, PillowImage.DecompressionBombError):
        raise ImageRefused(f"{label} has too many pixels (over {MAX_IMAGE_PIXELS:,})") from None
    except Exception as exc:
        raise ImageRefused(f"{label} is corrupt or truncated ({type(exc).__name__})") from None
    if _MARKUP.search(content):
        raise ImageRefused(f"{label} contains HTML or script as well as an image; save it again as a plain image")
    extension, mime_type = IMAGE_FORMATS[fmt]
    return CheckedImage(extension=extension, mime_type=mime_type, width=width, height=height)


def data_uri_decode(uri: str) -> bytes:
    """The bytes of a ``data:image/(png|jpeg|gif|webp);base64,...`` URI.

    Raises :class:`ImageRefused` for another kind of URI or invalid base64. The bytes are not
    checked to be an image here (see :func:`image_validate`).
    """
    match = DATA_URI.match(uri.strip())
    if match is None:
        raise ImageRefused("only base64 data: URIs of PNG, JPEG, GIF or WebP images are accepted")
    payload = re.sub(r"\s+", "", match.group(2))
    if len(payload) > (MAX_IMAGE_BYTES * 4) // 3 + 8:
        raise ImageRefused(f"the image is over the {MAX_IMAGE_BYTES // 1024 // 1024} MB limit")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ImageRefused("the image's base64 data is corrupt") from None


def data_uri(content: bytes, mime_type: str) -> str:
    """``content`` as a ``data:<mime_type>;base64,...`` URI."""
    return f"data:{mime_type};base64,{base64.b64encode(content).decode('ascii')}"


def question_bank_collection():
    """The Wagtail collection :data:`COLLECTION_NAME` (a child of the root), created when missing."""
    from wagtail.models import Collection

    root = Collection.get_first_root_node() or Collection.add_root(name="Root")  # a flushed test database
    found = root.get_children().filter(name=COLLECTION_NAME).first()
    return found or root.add_child(name=COLLECTION_NAME)


def _title(filename: str) -> str:
    # Control characters (a NUL cannot even be stored in a PostgreSQL text field) are dropped.
    printable = "".join(ch for ch in filename if unicodedata.category(ch) != "Cc")
    stem = PurePosixPath(printable.replace("\\", "/")).stem.strip() if printable else ""
    return (stem or "Question image")[:255]


def image_store(*, content: bytes, filename: str = "", by: User | None = None) -> Image:
    """Store ``content`` (the bytes of an image file) as a Wagtail image, or return the
    existing image of the question bank collection with the same bytes (SHA-1 ``file_hash``).

    ``filename``: the name the author gave (used as the title and in messages). ``by``: the
    uploader, or None. The row is saved now; the file is written to storage when the
    transaction commits (never on rollback). Raises :class:`ImageRefused` (see
    :func:`image_validate`).
    """
    from wagtail.images.models import Image

    checked = image_validate(content, filename=filename)
    file_hash = hashlib.sha1(content, usedforsecurity=False).hexdigest()
    collection = question_bank_collection()
    existing = Image.objects.filter(collection=collection, file_hash=file_hash).order_by("pk").first()
    if existing is not None:
        return existing
    name = f"original_images/qb-{file_hash[:20]}-{secrets.token_hex(4)}.{checked.extension}"
    image = Image(
        title=_title(filename),
        file=name,
        width=checked.width,
        height=checked.height,
        file_size=len(content),
        file_hash=file_hash,
        collection=collection,
        uploaded_by_user=by if by is not None and by.pk else None,
    )
    image.save()
    transaction.on_commit(lambda: _file_write(image.pk, name, content), robust=True)
    return image


def _file_write(image_pk: int, name: str, content: bytes) -> None:
    from wagtail.images.models import Image

    storage = Image._meta.get_field("file").storage
    saved = storage.save(name, ContentFile(content))
    if saved != name:  # the storage picked another name: keep the row pointing at the file
        logger.warning("question image %s stored as %s instead of %s", image_pk, saved, name)
        Image.objects.filter(pk=image_pk).update(file=saved)


def image_content(image: Image) -> bytes | None:
    """The bytes of ``image``'s original file, or None when the file is missing."""
    try:
        with image.open_file() as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


# --- question HTML -------------------------------------------------------------------------------


def _attributes(raw: str) -> dict[str, str]:
    return {name.lower(): html.unescape(value or "") for name, value in _ATTRIBUTE.findall(raw)}


def img_tag(attributes: dict[str, str]) -> str:
    """An ``<img>`` element from ``attributes`` (unescaped values), in a fixed attribute order
    so that the same image always gives the same HTML."""
    names = [name for name in _ORDER if name in attributes] + sorted(set(attributes) - set(_ORDER))
    parts = [f'{name}="{html.escape(attributes[name], quote=True)}"' for name in names]
    return "<img " + " ".join(parts) + ">" if parts else "<img>"


def html_images_map(html_text: str, function: Callable[[dict[str, str]], str]) -> str:
    """``html_text`` with every ``<img>`` replaced by ``function(attributes)`` (its new HTML).

    Works on sanitized HTML (``clean_html`` output: attribute values always double-quoted).
    """
    if not html_text or "<img" not in html_text:
        return html_text
    return _IMG_TAG.sub(lambda match: function(_attributes(match.group(1))), html_text)


def _stored_attributes(image: Image, attributes: dict[str, str]) -> dict[str, str]:
    kept = {name: value for name, value in attributes.items() if name in ("alt", "title", "width", "height")}
    return {**kept, "src": image.file.url, "data-image-id": str(image.pk)}


def html_images_store(html_text: str, *, by: User | None = None) -> str:
    """Store the ``data:`` images of ``html_text`` (sanitized HTML) and return it in the stored form.

    A ``data:`` image becomes a Wagtail image (:func:`image_store`); an ``<img data-image-id>``
    must name an existing image of the question bank collection (its ``src`` is renewed);
    other images (``@@PLUGINFILE@@`` left without a file, relative paths) stay as they are.
    Raises :class:`ImageRefused`.
    """
    from wagtail.images.models import Image

    def store(attributes: dict[str, str]) -> str:
        src = attributes.get("src", "")
        if src.lower().startswith("data:"):
            content = data_uri_decode(src)
            filename = attributes.get("title") or attributes.get("alt") or ""
            return img_tag(_stored_attributes(image_store(content=content, filename=filename, by=by), attributes))
        image_id = attributes.get("data-image-id")
        if image_id:
            image = (
                Image.objects.filter(pk=int(image_id), collection__name=COLLECTION_NAME).first()
                if _IMAGE_ID.fullmatch(image_id)
                else None
            )
            if image is None:
                raise ImageRefused(f"image {image_id} is not in the question bank's images")
            return img_tag(_stored_attributes(image, attributes))
        return img_tag(attributes)

    return html_images_map(html_text, store)


def _image_by_id(cache: dict[int, Image | None], image_id: str) -> Image | None:
    from wagtail.images.models import Image

    if not _IMAGE_ID.fullmatch(image_id):
        return None
    key = int(image_id)
    if key not in cache:
        cache[key] = Image.objects.filter(pk=key).first()
    return cache[key]


def html_images_inline(html_text: str, *, cache: dict | None = None) -> str:
    """``html_text`` with each stored image (``data-image-id``) written as a ``data:`` URI
    (``data-image-id`` dropped), for files that must stand alone (JSON, GIFT).

    An image whose row or file is missing is left in the stored form.
    """
    cache = {} if cache is None else cache

    def inline(attributes: dict[str, str]) -> str:
        image = _image_by_id(cache, attributes.get("data-image-id", ""))
        if image is None:
            return img_tag(attributes)
        content = image_content(image)
        if content is None:
            return img_tag(attributes)
        mime_type = next((mime for ext, mime in IMAGE_FORMATS.values() if image.file.name.endswith("." + ext)), None)
        if mime_type is None:
            return img_tag(attributes)
        rest = {name: value for name, value in attributes.items() if name not in ("src", "data-image-id")}
        return img_tag({"src": data_uri(content, mime_type), **rest})

    return html_images_map(html_text, inline)


def html_images_to_files(html_text: str, *, cache: dict | None = None) -> tuple[str, list[tuple[str, bytes]]]:
    """For Moodle XML: ``(html, files)``, each stored image's ``src`` replaced by
    ``@@PLUGINFILE@@/<name>`` (``data-image-id`` dropped) and ``files`` the ``(name, bytes)``
    to embed beside the text. ``data:`` images are written as files too."""
    cache = {} if cache is None else cache
    files: dict[str, bytes] = {}

    def to_file(attributes: dict[str, str]) -> str:
        src = attributes.get("src", "")
        content = None
        name = ""
        image = _image_by_id(cache, attributes.get("data-image-id", ""))
        if image is not None:
            content = image_content(image)
            name = PurePosixPath(image.file.name).name
        elif src.lower().startswith("data:"):
            try:
                content = data_uri_decode(src)
            except ImageRefused:
                content = None
            if content is not None:
                extension = DATA_URI.match(src.strip()).group(1).split("/")[1].replace("jpeg", "jpg")
                name = f"image-{hashlib.sha1(content, usedforsecurity=False).hexdigest()[:20]}.{extension}"
        if content is None:
            return img_tag(attributes)
        files[name] = content
        rest = {key: value for key, value in attributes.items() if key not in ("src", "data-image-id")}
        return img_tag({"src": f"@@PLUGINFILE@@/{name}", **rest})

    return html_images_map(html_text, to_file), list(files.items())


# --- whole questions -----------------------------------------------------------------------------

# The HTML fields of a question in interchange form (CONTRACTS.md section 2): top-level keys,
# and (list key, item key) pairs.
HTML_FIELDS = ("text", "general_feedback", "feedback_true", "feedback_false", "grader_info")
HTML_LIST_FIELDS = (
    ("choices", "text"),
    ("choices", "feedback"),
    ("answers", "feedback"),
    ("pairs", "prompt"),
    ("items", "text"),
)


def question_html_map(data: dict, function: Callable[[str], str]) -> dict:
    """A copy of ``data`` (a question in interchange form) with ``function`` applied to each
    of its HTML fields (text, general feedback, options and their feedback, matching prompts,
    ordering items, grader information). ``data`` is not changed."""
    out = dict(data)
    for key in HTML_FIELDS:
        if isinstance(out.get(key), str):
            out[key] = function(out[key])
    for list_key, item_key in HTML_LIST_FIELDS:
        entries = out.get(list_key)
        if isinstance(entries, list):
            out[list_key] = [
                {**entry, item_key: function(entry[item_key])}
                if isinstance(entry, dict) and isinstance(entry.get(item_key), str)
                else entry
                for entry in entries
            ]
    return out


def question_images_store(data: dict, *, by: User | None = None) -> dict:
    """``data`` (a validated question) with its ``data:`` images stored, see :func:`html_images_store`.

    Call inside the transaction that saves the question. Raises :class:`ImageRefused`.
    """
    if not any("<img" in text for text in _html_texts(data)):
        return data  # the common case, kept cheap for 10,000-question imports
    return question_html_map(data, lambda text: html_images_store(text, by=by))


def _html_texts(data: dict):
    for key in HTML_FIELDS:
        if isinstance(data.get(key), str):
            yield data[key]
    for list_key, item_key in HTML_LIST_FIELDS:
        for entry in data.get(list_key) or ():
            if isinstance(entry, dict) and isinstance(entry.get(item_key), str):
                yield entry[item_key]


def question_images_inline(data: dict, *, cache: dict | None = None) -> dict:
    """``data`` with its stored images as ``data:`` URIs, see :func:`html_images_inline`."""
    cache = {} if cache is None else cache
    return question_html_map(data, lambda text: html_images_inline(text, cache=cache))
