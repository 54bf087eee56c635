"""The signed session cookie: who logged in, when, and the CSRF token of the session.

The cookie's value is ``PAYLOAD.SIGNATURE``: the payload is URL-safe base64 of a small
JSON object, the signature HMAC-SHA256 (RFC 2104) of the payload under a 32-byte secret
kept in the data directory (made at first start, readable by hato only). Nothing secret
is in the payload (an account id and name, the time it was issued, a random CSRF
token, and a tag of the account's password hash keyed by the secret, from which
nothing can be learnt), so signing is enough: the client can read it but not change
it. A cookie older than ``SESSION_SECONDS`` or with a wrong signature is no session at
all. Whether the
account still exists (and is an administrator) is asked of the store at each request,
and whether its password is still the one it logged in with: deleting an account,
taking its flag or changing its password ends its sessions' power at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "COOKIE",
    "SESSION_SECONDS",
    "Session",
    "credentials_tag",
    "load_secret",
    "open_session",
    "seal",
]

COOKIE = "hato_session"
SESSION_SECONDS = 12 * 3600
_SECRET_BYTES = 32
_MAX_COOKIE = 1024  # a real session cookie is about 200 bytes; longer is not ours


@dataclass(frozen=True, slots=True)
class Session:
    account_id: int
    name: str
    issued: int
    csrf: str
    credentials: str  # credentials_tag of the password hash at login

    @classmethod
    def new(cls, account_id: int, name: str, credentials: str) -> Session:
        return cls(account_id, name, int(time.time()), secrets.token_urlsafe(24), credentials)


def credentials_tag(secret: bytes, password_hash: str) -> str:
    """What a session keeps of the password hash: enough to see that it changed."""
    digest = hmac.new(secret, b"credentials\0" + password_hash.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def load_secret(path: Path) -> bytes:
    """The signing secret at ``path``, made (mode 0600) when missing or malformed."""
    try:
        secret = path.read_bytes()
    except FileNotFoundError:
        secret = b""
    if len(secret) == _SECRET_BYTES:
        return secret
    secret = secrets.token_bytes(_SECRET_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(secret)
    return secret


def _sign(secret: bytes, payload: bytes) -> bytes:
    return base64.urlsafe_b64encode(hmac.new(secret, payload, hashlib.sha256).digest())


def seal(secret: bytes, session: Session) -> str:
    """The cookie value for ``session``."""
    fields = [session.account_id, session.name, session.issued, session.csrf, session.credentials]
    payload = base64.urlsafe_b64encode(json.dumps(fields).encode())
    return (payload + b"." + _sign(secret, payload)).decode("ascii")


def open_session(secret: bytes, value: str | None, now: float | None = None) -> Session | None:
    """The session in a cookie value, or None if it is missing, forged, malformed or old."""
    if not value or len(value) > _MAX_COOKIE or not value.isascii():
        return None
    payload, _, signature = value.encode("ascii").partition(b".")
    if not hmac.compare_digest(signature, _sign(secret, payload)):
        return None
    try:
        account_id, name, issued, csrf, credentials = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError, TypeError):
        return None
    age = (time.time() if now is None else now) - issued
    if not 0 <= age <= SESSION_SECONDS:
        return None
    return Session(account_id, name, issued, csrf, credentials)
