"""The administrators' pages: accounts, aliases, the outbound queue, the server; and
``GET /metrics``.

Every page asks ``page_admin`` first (403 for anyone else). Forms are plain HTML
forms with the session's CSRF token; a change that worked redirects back to its
list (303, so a reload does not repeat it), one that did not shows the list again
with the reason. The changes are made by the same functions as ``hato user``,
``hato alias``, ``hato queue`` and ``hato user quota|token``: hato.accounts, hato.config's
own_quota, hato.delivery.alias_check, and the
store's queue operations.

``/metrics`` is Prometheus' text format (hato.metrics). It is open to loopback
clients (a Prometheus on the same machine), and needs an administrator's
credentials (``Authorization: Bearer`` with ``hato user token``) from anywhere else.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from hato import metrics
from hato.accounts import (
    InvalidUsername,
    add_user,
    issue_token,
    set_password,
    validate_username,
)
from hato.auth.policy import is_loopback
from hato.config import own_quota
from hato.delivery.alias_check import add_alias
from hato.delivery.aliases import alias_key
from hato.store.base import AccountExists, QueueEntry
from hato.store.url import redact
from hato.web.auth import WebUser, api_user, page_admin, require_admin
from hato.web.context import WEB
from hato.web.render import render

__all__ = ["FormRefused", "form_field", "setup"]

_FIELD_LIMIT = 1024  # characters of one form field (a name, a password, an address)
_TARGETS_LIMIT = 100  # targets of one alias added here


class FormRefused(Exception):
    """A form the administrator must correct: shown above the list, with ``status``."""

    def __init__(self, text: str, status: int = 400) -> None:
        super().__init__(text)
        self.status = status


def form_field(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        raise FormRefused(f"{name}: required")
    if len(value) > _FIELD_LIMIT:
        raise FormRefused(f"{name}: longer than {_FIELD_LIMIT} characters")
    return value


def _done(where: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location=where)


async def admin_index(request: web.Request) -> web.StreamResponse:
    await page_admin(request)
    raise web.HTTPFound(location="/admin/accounts")


# Accounts


async def accounts_page(
    request: web.Request,
    error: str | None = None,
    status: int = 200,
    token: tuple[str, str] | None = None,
) -> web.Response:
    """The accounts; ``token`` (account, token) is shown once, on this answer alone."""
    user = await page_admin(request)
    context = request.app[WEB]
    usage = await context.store.account_usage()
    page = render(
        request, "admin/accounts.html", status, title="Accounts", user=user, usage=usage,
        error=error, section="accounts", default_quota=context.config.quota, token=token,
    )  # fmt: skip
    page.headers["Cache-Control"] = "no-store"  # a token shown once stays out of caches
    return page


async def _account_change(request: web.Request, change: Any) -> web.StreamResponse:
    """Run ``change(user, form)``; back to the list, or the list with the reason."""
    user = await page_admin(request)
    try:
        await change(user, await request.post())
    except FormRefused as refusal:
        return await accounts_page(request, str(refusal), refusal.status)
    except InvalidUsername as invalid:
        return await accounts_page(request, str(invalid), 400)
    raise _done("/admin/accounts")


def _target_name(request: web.Request) -> str:
    try:
        return validate_username(request.match_info["name"])
    except InvalidUsername:
        raise web.HTTPNotFound(text="404: no such account") from None


async def account_add(request: web.Request) -> web.StreamResponse:
    async def change(user: WebUser, form: Mapping[str, Any]) -> None:
        name = validate_username(form_field(form, "name"))
        password = form_field(form, "password")
        try:
            await add_user(request.app[WEB].store, name, password, admin=form.get("admin") == "on")
        except AccountExists:
            raise FormRefused(f"user {name} exists already", 409) from None

    return await _account_change(request, change)


async def account_password(request: web.Request) -> web.StreamResponse:
    name = _target_name(request)

    async def change(user: WebUser, form: Mapping[str, Any]) -> None:
        if not await set_password(request.app[WEB].store, name, form_field(form, "password")):
            raise FormRefused(f"no such user: {name}", 404)

    return await _account_change(request, change)


async def account_admin(request: web.Request) -> web.StreamResponse:
    name = _target_name(request)

    async def change(user: WebUser, form: Mapping[str, Any]) -> None:
        on = form.get("admin") == "on"
        if name == user.name and not on:
            raise FormRefused("you cannot take your own flag: another administrator can")
        if not await request.app[WEB].store.set_admin(name, on):
            raise FormRefused(f"no such user: {name}", 404)

    return await _account_change(request, change)


async def account_quota(request: web.Request) -> web.StreamResponse:
    """Set the account's own limits in ``hato user quota``'s words (an empty field keeps
    its limit; ``none``: no limit; ``default``: ``[quota]``'s)."""
    name = _target_name(request)

    async def change(user: WebUser, form: Mapping[str, Any]) -> None:
        store = request.app[WEB].store
        account = await store.get_account(name)
        if account is None:
            raise FormRefused(f"no such user: {name}", 404)
        words = [_optional(form, "storage"), _optional(form, "messages")]
        try:
            own = own_quota((await store.mailstore(account.id).quota()).own, *words)
        except ValueError as exc:
            raise FormRefused(f"quota of {name}: {exc}") from None
        await store.set_quota(name, own)

    return await _account_change(request, change)


def _optional(form: Mapping[str, Any], name: str) -> str | None:
    """A form field that may be left empty (None), bounded like the others."""
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    return form_field(form, name)


async def account_token(request: web.Request) -> web.StreamResponse:
    """A new API token for the account, as ``hato user token``: shown on this answer only."""
    await page_admin(request)
    name = _target_name(request)
    token = await issue_token(request.app[WEB].store, name)
    if token is None:
        return await accounts_page(request, f"no such user: {name}", 404)
    return await accounts_page(request, token=(name, token))


async def account_delete_page(request: web.Request) -> web.Response:
    user = await page_admin(request)
    name = _target_name(request)
    account = await request.app[WEB].store.get_account(name)
    if account is None:
        raise web.HTTPNotFound(text=f"404: no such user: {name}")
    return render(
        request, "admin/delete.html", title=f"Delete {name}", user=user, name=name,
        section="accounts",
    )  # fmt: skip


async def account_delete(request: web.Request) -> web.StreamResponse:
    name = _target_name(request)

    async def change(user: WebUser, form: Mapping[str, Any]) -> None:
        if name == user.name:
            raise FormRefused("you cannot delete your own account here: use hato user del")
        if form.get("confirm") != name:
            raise FormRefused(f"type the name {name} to confirm the deletion")
        if not await request.app[WEB].store.delete_account(name):
            raise FormRefused(f"no such user: {name}", 404)

    return await _account_change(request, change)


# Aliases


async def aliases_page(
    request: web.Request, error: str | None = None, status: int = 200
) -> web.Response:
    user = await page_admin(request)
    aliases = await request.app[WEB].store.aliases()
    return render(
        request, "admin/aliases.html", status, title="Aliases", user=user, aliases=aliases,
        error=error, section="aliases",
    )  # fmt: skip


async def alias_add(request: web.Request) -> web.StreamResponse:
    await page_admin(request)
    form = await request.post()
    context = request.app[WEB]
    try:
        address = form_field(form, "address")
        targets = form_field(form, "targets").replace(",", " ").split()
        if len(targets) > _TARGETS_LIMIT:
            raise FormRefused(f"at most {_TARGETS_LIMIT} targets")
    except FormRefused as refusal:
        return await aliases_page(request, str(refusal), refusal.status)
    change = await add_alias(context.store, address, targets, context.config.local_domains)
    if change.problems:
        problems = "; ".join(change.problems)
        return await aliases_page(request, f"alias {change.address} not added: {problems}")
    raise _done("/admin/aliases")


async def alias_delete(request: web.Request) -> web.StreamResponse:
    await page_admin(request)
    form = await request.post()
    try:
        address = alias_key(form_field(form, "address"))
    except FormRefused as refusal:
        return await aliases_page(request, str(refusal), refusal.status)
    if not await request.app[WEB].store.delete_alias(address):
        return await aliases_page(request, f"no such alias: {address}", 404)
    raise _done("/admin/aliases")


# The queue


def _queued_messages(entries: list[QueueEntry]) -> list[list[QueueEntry]]:
    """The queue's recipients grouped by message, in queue order."""
    messages: dict[int, list[QueueEntry]] = {}
    for entry in entries:
        messages.setdefault(entry.message_id, []).append(entry)
    return list(messages.values())


async def queue_page(
    request: web.Request, error: str | None = None, status: int = 200
) -> web.Response:
    user = await page_admin(request)
    messages = _queued_messages(await request.app[WEB].store.queue_entries())
    return render(
        request, "admin/queue.html", status, title="Queue", user=user, messages=messages,
        error=error, section="queue",
    )  # fmt: skip


def _message_id(request: web.Request) -> int | None:
    """The queued message of the path (``all`` for every one: None)."""
    ident = request.match_info["id"]
    if ident == "all":
        return None
    if not ident.isdigit() or len(ident) > 18:
        raise web.HTTPNotFound(text="404: no such queued message")
    return int(ident)


async def queue_retry(request: web.Request) -> web.StreamResponse:
    await page_admin(request)
    ident = _message_id(request)
    count = await request.app[WEB].store.queue_retry(ident, int(time.time()))
    if ident is not None and not count:
        return await queue_page(request, f"no such queued message: {ident}", 404)
    raise _done("/admin/queue")


async def queue_delete(request: web.Request) -> web.StreamResponse:
    await page_admin(request)
    ident = _message_id(request)
    if ident is None or not await request.app[WEB].store.queue_delete(ident):
        return await queue_page(request, f"no such queued message: {ident}", 404)
    raise _done("/admin/queue")


# The server


async def server_page(request: web.Request) -> web.Response:
    user = await page_admin(request)
    context = request.app[WEB]
    figures = await context.store.figures()
    metrics.store_figures(figures.queue_recipients, figures.size)
    index = await context.store.index_stats()  # the full-text index (hato index stats)
    url = context.config.store_url
    store = f"PostgreSQL, {redact(url)}" if url else f"SQLite, {context.config.database_path}"
    return render(
        request, "admin/server.html", title="Server", user=user, section="server",
        listeners=context.listeners, connections=metrics.open_connections(),
        store=store, figures=figures, index=index,
    )  # fmt: skip


# /metrics


async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus' text format: from loopback as it is, else for an administrator."""
    if not is_loopback(request.remote or ""):
        require_admin(await api_user(request))
    figures = await request.app[WEB].store.figures()
    metrics.store_figures(figures.queue_recipients, figures.size)
    body, content_type = metrics.exposition()
    response = web.Response(body=body)
    response.headers["Content-Type"] = content_type
    return response


def setup(app: web.Application) -> None:
    add_get, add_post = app.router.add_get, app.router.add_post
    add_get("/admin", admin_index)
    add_get("/admin/accounts", accounts_page)
    add_post("/admin/accounts", account_add)
    add_post("/admin/accounts/{name}/password", account_password)
    add_post("/admin/accounts/{name}/admin", account_admin)
    add_post("/admin/accounts/{name}/quota", account_quota)
    add_post("/admin/accounts/{name}/token", account_token)
    add_get("/admin/accounts/{name}/delete", account_delete_page)
    add_post("/admin/accounts/{name}/delete", account_delete)
    add_get("/admin/aliases", aliases_page)
    add_post("/admin/aliases", alias_add)
    add_post("/admin/aliases/delete", alias_delete)
    add_get("/admin/queue", queue_page)
    add_post("/admin/queue/{id}/retry", queue_retry)
    add_post("/admin/queue/{id}/delete", queue_delete)
    add_get("/admin/server", server_page)
    add_get("/metrics", metrics_page)
