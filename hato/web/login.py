"""The login and logout pages: a plain form, the account's name and password.

A login is checked like IMAP's LOGIN (same Authenticator, same throttle, method
``FORM``), and like it is refused where the password would cross the network in the
clear (the plaintext invariant, docs/architecture.md): serve HTTPS (``[http] tls =
true``) to log in from another machine, unless classroom mode is on.
"""

from __future__ import annotations

from aiohttp import web

from hato.auth.authenticator import LoginAttempt
from hato.auth.policy import plaintext_allowed
from hato.web.auth import api_user, end_session, session_user, start_session
from hato.web.context import WEB
from hato.web.render import render

__all__ = ["setup"]

_FIELD_LIMIT = 1024  # longer names or passwords are not tried (bounded hashing work)


def _local_target(target: object) -> str:
    """Where to go after login: a path of this site only (no ``//host`` or ``http:``)."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target if "\\" not in target and target.isprintable() else "/"


def _field(value: object) -> bool:
    return isinstance(value, str) and len(value) <= _FIELD_LIMIT


async def login_page(request: web.Request) -> web.Response:
    target = _local_target(request.query.get("next"))
    user = await session_user(request)
    return render(request, "login.html", title="Log in", next=target, error=None, user=user)


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    name, password = form.get("name"), form.get("password")
    target = _local_target(form.get("next"))
    context = request.app[WEB]
    peer = request.remote or ""
    if not plaintext_allowed(secure=request.secure, peer=peer, classroom=context.config.classroom):
        error = "Log in over HTTPS: passwords do not cross the network in the clear."
        return _login_again(request, 403, target, error)
    account = None
    if _field(name) and _field(password):
        attempt = LoginAttempt("http", "FORM", peer)
        account = await context.authenticator.password(str(name), str(password), attempt)
    if account is not None:  # as stored now: a first login may have rehashed its password
        account = await context.store.get_account(account.name)
    if account is None:
        return _login_again(request, 401, target, "Wrong name or password.")
    response = web.HTTPSeeOther(location=target)
    start_session(request, response, account)
    return response


def _login_again(request: web.Request, status: int, target: str, error: str) -> web.Response:
    return render(request, "login.html", status, title="Log in", next=target, error=error)


async def whoami(request: web.Request) -> web.Response:
    """``GET /api/v1/me``: who the credentials are, for a script checking its token."""
    user = await api_user(request)
    return web.json_response({"name": user.name, "admin": user.admin})


async def logout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther(location="/login")
    end_session(response)
    return response


def setup(app: web.Application) -> None:
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/api/v1/me", whoami)
