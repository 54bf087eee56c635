"""Who is asking: the session cookie for pages, HTTP Basic or an API token for the API;
CSRF and the security headers for every response.

Every check goes through the server's one ``Authenticator``, and so through the same
failed-login throttle as IMAP and POP3 (the protocol in its log lines is ``http``).

- ``page_user``: the signed session cookie (web/session.py), else a redirect to the
  login page. ``api_user``: ``Authorization: Basic`` (RFC 7617) only over TLS or from
  loopback (the plaintext invariant, docs/architecture.md, without the classroom
  exception: a script's stored password travels with every request), or
  ``Authorization: Bearer`` (RFC 6750 §2.1) with a token from ``hato user token``;
  else the session cookie; else a JSON 401.
- CSRF: a request that changes something (POST, PUT, PATCH, DELETE) and carries a
  session cookie must carry the session's token too, as the form field ``csrf`` or
  the header ``X-CSRF-Token``, or it is refused with 403. Requests authenticated by
  Basic or Bearer carry no cookie: a browser never adds those headers on its own to a
  request another site makes. The cookie is also ``SameSite=Strict``.
- Headers: a Content-Security-Policy without inline script or style and with
  ``frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff``, no referrer. A
  handler that needs another policy (a sandboxed message part) sets its own first.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import hdrs, web

from hato.auth.authenticator import LoginAttempt
from hato.auth.policy import plaintext_allowed
from hato.store.base import Account
from hato.web.context import WEB
from hato.web.session import (
    COOKIE,
    SESSION_SECONDS,
    Session,
    credentials_tag,
    open_session,
    seal,
)

__all__ = [
    "SECURITY_HEADERS",
    "WebUser",
    "api_user",
    "basic_allowed",
    "csrf_middleware",
    "csrf_token",
    "end_session",
    "json_error",
    "page_admin",
    "page_user",
    "require_admin",
    "security_headers",
    "session_user",
    "start_session",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CSRF_HEADER = "X-CSRF-Token"
_CSRF_FIELD = "csrf"


@dataclass(frozen=True, slots=True)
class WebUser:
    account_id: int
    name: str
    admin: bool

    @classmethod
    def of(cls, account: Account) -> WebUser:
        return cls(account.id, account.name, account.admin)


def json_error(
    error: type[web.HTTPException], message: str, headers: dict[str, str] | None = None
) -> web.HTTPException:
    """An HTTP error whose body is ``{"error": message}``, for the API's clients."""
    return error(
        text=json.dumps({"error": message}), content_type="application/json", headers=headers
    )


def _session(request: web.Request) -> Session | None:
    return open_session(request.app[WEB].secret, request.cookies.get(COOKIE))


async def session_user(request: web.Request) -> WebUser | None:
    """The cookie's account, if the cookie is good and the account still exists with
    the password it logged in with."""
    session = _session(request)
    if session is None:
        return None
    context = request.app[WEB]
    account = await context.store.get_account(session.name)
    if account is None or account.id != session.account_id:
        return None
    tag = credentials_tag(context.secret, account.credentials.password_hash)
    if not hmac.compare_digest(tag, session.credentials):
        return None
    return WebUser.of(account)


async def page_user(request: web.Request) -> WebUser:
    """The logged-in user of a page; anyone else is sent to the login page."""
    user = await session_user(request)
    if user is None:
        raise web.HTTPSeeOther(location="/login?next=" + quote(request.path_qs, safe="/"))
    return user


def require_admin(user: WebUser) -> WebUser:
    if not user.admin:
        raise web.HTTPForbidden(text="403: for administrators only")
    return user


async def page_admin(request: web.Request) -> WebUser:
    """``page_user``, and a 403 for anyone who is not an administrator."""
    return require_admin(await page_user(request))


def basic_allowed(*, secure: bool, peer: str) -> bool:
    """HTTP Basic sends the password with every request: only over TLS or loopback."""
    return plaintext_allowed(secure=secure, peer=peer, classroom=False)


def _unauthorized(message: str) -> web.HTTPException:
    challenge = {"WWW-Authenticate": 'Bearer realm="hato"'}
    return json_error(web.HTTPUnauthorized, message, challenge)


async def api_user(request: web.Request) -> WebUser:
    """The API caller: Basic (TLS or loopback), Bearer, or a session; else a JSON 401."""
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is None:
        user = await session_user(request)
        if user is None:
            raise _unauthorized("log in: HTTP Basic, a Bearer token, or a session")
        return user
    scheme, _, credentials = header.strip().partition(" ")
    attempt = LoginAttempt("http", scheme.upper(), request.remote or "")
    authenticator = request.app[WEB].authenticator
    match scheme.lower():
        case "bearer":
            account = await authenticator.token(credentials.strip(), attempt)
        case "basic":
            if not basic_allowed(secure=request.secure, peer=attempt.address):
                raise _unauthorized("HTTP Basic only over TLS or from loopback: use a token")
            name, password = _basic_credentials(credentials)
            account = await authenticator.password(name, password, attempt)
        case _:
            raise _unauthorized(f"unknown authorization scheme: {scheme[:20]!r}")
    if account is None:
        raise _unauthorized("wrong credentials")
    return WebUser.of(account)


def _basic_credentials(encoded: str) -> tuple[str, str]:
    """(user, password) from RFC 7617 §2's ``base64(user ":" password)``, in UTF-8."""
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _unauthorized("malformed HTTP Basic credentials") from None
    name, colon, password = decoded.partition(":")
    if not colon:
        raise _unauthorized("malformed HTTP Basic credentials")
    return name, password


def start_session(request: web.Request, response: web.StreamResponse, account: Account) -> None:
    """Log ``account`` in: a fresh session (and CSRF token) in a signed cookie."""
    secret = request.app[WEB].secret
    tag = credentials_tag(secret, account.credentials.password_hash)
    value = seal(secret, Session.new(account.id, account.name, tag))
    response.set_cookie(
        COOKIE, value, max_age=SESSION_SECONDS, path="/", httponly=True,
        samesite="Strict", secure=request.secure,
    )  # fmt: skip


def end_session(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/")


def csrf_token(request: web.Request) -> str:
    """The session's CSRF token, for a form's hidden ``csrf`` field ("" without one)."""
    session = _session(request)
    return session.csrf if session is not None else ""


async def _sent_token(request: web.Request) -> str:
    header = request.headers.get(_CSRF_HEADER)
    if header is not None:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        field = (await request.post()).get(_CSRF_FIELD)
        return field if isinstance(field, str) else ""
    return ""


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a state-changing request made with the session cookie but not its token."""
    if request.method in _CHANGING and COOKIE in request.cookies and request.path != "/login":
        session = _session(request)
        sent = await _sent_token(request)
        if session is None or not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            message = "missing or wrong CSRF token: reload the page and try again"
            if request.path.startswith("/api/"):
                raise json_error(web.HTTPForbidden, message)
            raise web.HTTPForbidden(text=f"403: {message}")
    return await handler(request)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every response, streamed or not, error or not."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers[hdrs.SERVER] = "hato"  # not aiohttp's and Python's versions
