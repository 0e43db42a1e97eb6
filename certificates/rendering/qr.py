"""The QR code: the verification URL with the signed credential, drawn as vector SVG.

Content: ``{SITE_URL}/V/{CODE}/{CREDENTIAL}`` with the scheme, host, ``/V/``, the code and
the base32 credential in upper case, so the whole string (for an upper-case-able SITE_URL)
fits QR alphanumeric mode (5.5 bits a character instead of 8). Scheme and host are case
insensitive (RFC 3986); ``/V/`` is routed like ``/v/``. A path in SITE_URL is kept as it is,
since paths are case-sensitive; the encoder then switches mode for that segment only.
Error correction level Q (25 %). Pure functions: no database, no files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import qrcode
import qrcode.constants

from ..codes import code_normalize

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 requires


def verification_url(site_url: str, code: str) -> str:
    """The human page of a code: ``{site_url}/v/{code}`` (lower-case path, as linked on the web)."""
    return f"{site_url.rstrip('/')}/v/{code}"


def qr_payload(site_url: str, code: str, credential_text: str) -> str:
    """The string the QR code holds; see the module docstring."""
    parts = urlsplit(site_url.rstrip("/"))
    base = f"{parts.scheme.upper()}://{parts.netloc.upper()}{parts.path}"
    return f"{base}/V/{code.upper()}/{credential_text.upper()}"


@dataclass(frozen=True)
class ScannedQR:
    code: str
    credential_text: str | None


_QR_PATH = re.compile(r"/v/(?P<code>[^/?#]+)(?:/(?P<cred>[A-Za-z2-7]+))?/?$", re.IGNORECASE)


def qr_parse(text: str) -> ScannedQR | None:
    """The code and credential in a scanned QR text or verification URL, or ``None``.

    Accepts the QR form and the plain ``.../v/<code>`` link, in any case.
    """
    match = _QR_PATH.search(urlsplit(text.strip()).path)
    if not match:
        return None
    code = code_normalize(match["code"])
    if code is None:
        return None
    return ScannedQR(code=code, credential_text=match["cred"].upper() if match["cred"] else None)


@dataclass(frozen=True)
class QRSymbol:
    version: int
    modules: int  # width of the symbol in modules, without the quiet zone
    svg: str  # a standalone <svg> whose viewBox includes the quiet zone


def qr_svg(data: str, *, size_mm: float) -> QRSymbol:
    """Encode ``data`` at error correction Q and draw it as one SVG path, ``size_mm`` wide.

    The drawing includes a 4-module quiet zone inside ``size_mm``. Rows of dark modules are
    merged into runs so the path stays short.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    side = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < side:
            if row[x]:
                start = x
                while x < side and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size_mm}mm" height="{size_mm}mm" '
        f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges" role="img">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
    return QRSymbol(version=code.version, modules=side - 2 * QUIET_ZONE, svg=svg)
