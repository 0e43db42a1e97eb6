"""Ed25519 signing keys kept as files under ``settings.CERTIFY_SIGNING_KEY_DIR``.

Layout of the folder::

    ACTIVE           the kid of the key that signs new certificates (one line)
    <kid>.key        PKCS#8 PEM private key, mode 0600; only the active key keeps one
    <kid>.pub        SubjectPublicKeyInfo PEM; every key ever used, retired ones included

The kid is derived from the public key: the first 8 bytes of its RFC 7638 JWK thumbprint
(SHA-256 of ``{"crv":"Ed25519","kty":"OKP","x":...}``), base64url without padding
(11 characters). Eight bytes keep the QR code small, as in the EU digital COVID
certificate; a collision could only make a verifier try the wrong key, never accept a
bad signature.

Outside production a development key is created on first use. In production a missing key
is an error: create one with ``manage.py rotate_signing_key``. Retiring a key (rotation)
deletes its private half and keeps the public one so old certificates still verify.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ACTIVE_FILE = "ACTIVE"
KID_BYTES = 8


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def kid_for(public_key: Ed25519PublicKey) -> str:
    """The key id of ``public_key``: truncated RFC 7638 thumbprint, base64url (11 chars)."""
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": b64url(_raw_public(public_key))}, separators=(",", ":"), sort_keys=True
    )
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest()[:KID_BYTES])


def public_jwk(kid: str, public_key: Ed25519PublicKey) -> dict[str, str]:
    """The RFC 8037 OKP JWK of an Ed25519 public key."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(_raw_public(public_key)),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    }


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    private_key: Ed25519PrivateKey


def _key_dir() -> Path:
    return Path(settings.CERTIFY_SIGNING_KEY_DIR)


def _write_new_file(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a file that must not exist yet (``O_EXCL``)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _key_files_write(directory: Path) -> str:
    """Create a new key pair's files in ``directory``; return its kid (not yet active)."""
    directory.mkdir(parents=True, exist_ok=True)
    private_key = Ed25519PrivateKey.generate()
    kid = kid_for(private_key.public_key())
    _write_new_file(
        directory / f"{kid}.key",
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        0o600,
    )
    _write_new_file(
        directory / f"{kid}.pub",
        private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        0o644,
    )
    return kid


def _active_kid(directory: Path) -> str | None:
    try:
        return (directory / ACTIVE_FILE).read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None


def active_key() -> ActiveKey:
    """The key that signs new certificates, created on first use outside production.

    Two processes creating the first key at once agree: the ``ACTIVE`` file is created with
    ``O_EXCL`` and the loser's key is discarded. Raises ``ImproperlyConfigured`` in
    production when there is no key, or when the active key's private file is missing.
    """
    directory = _key_dir()
    kid = _active_kid(directory)
    if kid is None:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured(
                f"No signing key in {directory}: create one with `manage.py rotate_signing_key`."
            )
        candidate = _key_files_write(directory)
        try:
            _write_new_file(directory / ACTIVE_FILE, candidate.encode("ascii") + b"\n", 0o644)
            kid = candidate
        except FileExistsError:
            (directory / f"{candidate}.key").unlink(missing_ok=True)
            (directory / f"{candidate}.pub").unlink(missing_ok=True)
            kid = _active_kid(directory)
    try:
        pem = (directory / f"{kid}.key").read_bytes()
    except FileNotFoundError as exc:
        raise ImproperlyConfigured(f"The active signing key {kid} has no private key file in {directory}.") from exc
    private_key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"The signing key {kid} is not an Ed25519 key.")
    return ActiveKey(kid=kid, private_key=private_key)


_public_cache: dict[tuple[str, int], dict[str, Ed25519PublicKey]] = {}


def public_keys() -> dict[str, Ed25519PublicKey]:
    """Every public key in the folder, active and retired, by kid.

    Cached per process and invalidated when the folder changes (its mtime), so a rotation
    is seen at once without reading the files on every verification.
    """
    directory = _key_dir()
    try:
        stamp = directory.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    cache_key = (str(directory), stamp)
    cached = _public_cache.get(cache_key)
    if cached is not None:
        return cached
    keys: dict[str, Ed25519PublicKey] = {}
    for path in sorted(directory.glob("*.pub")):
        public_key = serialization.load_pem_public_key(path.read_bytes())
        if isinstance(public_key, Ed25519PublicKey):
            keys[kid_for(public_key)] = public_key
    _public_cache.clear()
    _public_cache[cache_key] = keys
    return keys


def key_rotate() -> tuple[str, str | None]:
    """Make a new active key and retire the old one; returns ``(new_kid, old_kid or None)``.

    The old key's private file is deleted (it can no longer sign); its public file stays
    for verifying the certificates it signed. ``ACTIVE`` is replaced atomically.
    """
    directory = _key_dir()
    old = _active_kid(directory)
    new = _key_files_write(directory)
    temporary = directory / f".{ACTIVE_FILE}.{new}"
    _write_new_file(temporary, new.encode("ascii") + b"\n", 0o644)
    os.replace(temporary, directory / ACTIVE_FILE)
    if old and old != new:
        (directory / f"{old}.key").unlink(missing_ok=True)
    return new, old


def keys_describe() -> list[dict[str, str]]:
    """``[{"kid": ..., "state": "active"|"retired"}]`` for every known key."""
    active = _active_kid(_key_dir())
    return [{"kid": kid, "state": "active" if kid == active else "retired"} for kid in public_keys()]


def keys_from_jwks(jwks: dict) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys of a JWKS document (``{"keys": [...]}``), by kid.

    Keys whose kid is not the one derived from the key itself are left out, so a JWKS
    cannot make a key answer for another kid. Raises ``ValueError`` for a malformed document.
    """
    result: dict[str, Ed25519PublicKey] = {}
    for jwk in jwks.get("keys", []):
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        public_key = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        kid = kid_for(public_key)
        if jwk.get("kid", kid) == kid:
            result[kid] = public_key
    return result
