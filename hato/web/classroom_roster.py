"""The class roster for administrators: the list of the class's students, the roster
upload (the same code as ``hato class import``), and printable login cards.

Passwords are never stored in clear, so a card can only be printed on the answer that
made its password: the upload's result page holds the new accounts' cards, and "New
passwords and cards" gives the chosen students (or all) new passwords and shows theirs.
Those answers are ``Cache-Control: no-store`` and are not kept anywhere; print them
(the page's print style puts eight cards on an A4 sheet) before leaving the page.

The host on the cards is the one the form gives, by default the name the browser used
to reach the console; the ports are those the server listens on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from hato.accounts import InvalidUsername, validate_username
from hato.classroom.cards import card_lines
from hato.classroom.lab import Card, ImportResult, import_roster, new_passwords
from hato.classroom.roster import read_roster
from hato.web.auth import WebUser, page_admin
from hato.web.context import WEB
from hato.web.render import render

__all__ = ["setup"]

ROSTER_PAGE = "/admin/class/roster"
_HOST_LIMIT = 253  # characters of a host name (RFC 1035 §2.3.4)


async def roster_page(
    request: web.Request, error: str | None = None, status: int = 200
) -> web.Response:
    user = await page_admin(request)
    members = await request.app[WEB].store.class_members()
    return render(
        request, "classroom/roster.html", status, title="Class roster", user=user,
        members=members, error=error, section="class/roster", host=_default_host(request),
    )  # fmt: skip


def _default_host(request: web.Request) -> str:
    return request.url.host or request.app[WEB].config.hostname


def _host(request: web.Request, form: Mapping[str, Any]) -> str:
    """The form's host, if it is a plausible host name or address; else the default."""
    value = form.get("host")
    if isinstance(value, str):
        value = value.strip()
        if 0 < len(value) <= _HOST_LIMIT and all(c.isalnum() or c in ".-:[]" for c in value):
            return value.strip("[]")
    return _default_host(request)


def _cards_page(
    request: web.Request, user: WebUser, host: str, cards: list[Card], result: ImportResult | None
) -> web.Response:
    ports = {service: port for service, (_, port) in request.app[WEB].listeners.items()}
    page = render(
        request, "classroom/cards.html", title="Login cards", user=user, cards=cards,
        result=result, host=host, lines=card_lines(host, ports), section="class/roster",
    )  # fmt: skip
    page.headers["Cache-Control"] = "no-store"  # the passwords must not stay in a cache
    return page


async def roster_import(request: web.Request) -> web.StreamResponse:
    """``hato class import`` from an upload; the answer is the result with the cards."""
    user = await page_admin(request)
    form = await request.post()
    upload = form.get("roster")
    if not isinstance(upload, web.FileField):
        return await roster_page(request, "choose a roster file (CSV: id, name, email)", 400)
    roster = read_roster(upload.file.read())
    reset = form.get("reset_passwords") == "on"
    result = await import_roster(request.app[WEB].store, roster, reset)
    return _cards_page(request, user, _host(request, form), result.cards, result)


async def roster_cards(request: web.Request) -> web.StreamResponse:
    """New passwords for the chosen students (``account`` fields; none chosen: all)."""
    user = await page_admin(request)
    form = await request.post()
    if form.get("confirm") != "on":
        return await roster_page(request, "tick the box: the old passwords stop working", 400)
    try:
        chosen = {validate_username(str(name)) for name in form.getall("account", [])}
    except InvalidUsername as invalid:
        return await roster_page(request, str(invalid), 400)
    store = request.app[WEB].store
    members = [m for m in await store.class_members() if not chosen or m.account in chosen]
    cards = await new_passwords(store, members)
    return _cards_page(request, user, _host(request, form), cards, None)


def setup(app: web.Application) -> None:
    app.router.add_get(ROSTER_PAGE, roster_page)
    app.router.add_post(f"{ROSTER_PAGE}/import", roster_import)
    app.router.add_post(f"{ROSTER_PAGE}/cards", roster_cards)
