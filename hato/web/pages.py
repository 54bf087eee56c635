"""The mail view: the pages every account sees (mailboxes, message list, one message).

Every page is a plain HTML page and every change a plain form with the CSRF token, so
the view works without JavaScript; /static/mail.js only keeps the page current from the
server-sent events of ``/mail/events`` (hato/web/events.py). The mail itself comes from
hato/web/mail.py, which the JSON API uses too; this module only turns it into pages.

A message's HTML part is the sender's, so it is never put in our page: it is served from
its own URL with its own policy (``html_policy``: no script, no form, no plugin, nothing
from another host but images after the reader asks for them, ``sandbox``) and shown in an
``<iframe sandbox>``, which gives it an origin of its own as well. Its ``cid:`` images come
with it, as ``data:`` URLs (``with_inline_images``): the frame asks hato for nothing.
"""

from __future__ import annotations

import base64
import datetime
import math
import re
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import TypeVar
from urllib.parse import unquote

from aiohttp import web
from yarl import URL

from hato.delivery.manners_policy import MannersPolicy
from hato.manners import Finding, Lang, MannersSettings
from hato.store import INBOX
from hato.store.base import Mailbox, Mailstore
from hato.web import mail
from hato.web.auth import WebUser, page_user
from hato.web.context import WEB
from hato.web.download import attachment_response
from hato.web.events import EventStreams, TooManyStreams, stream_mailboxes
from hato.web.render import TEMPLATES, render
from hato.web.view import Part

__all__ = ["html_policy", "setup"]

T = TypeVar("T")
EVENT_STREAMS = web.AppKey("hato.web.event_streams", EventStreams)

# A cid: URL in an attribute or in CSS ends at a quote, white space, ">" or ")"; a content
# id is at most a header line long (RFC 5322 §2.1.1: 998 characters).
_CID_URL = re.compile(r"cid:([^\"'\s<>()]{1,998})", re.IGNORECASE)
INLINE_LIMIT = 32 * 1024 * 1024  # characters of data: URLs one HTML part may be given

_HTML_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:{images}; font-src 'none'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox"
)


def html_policy(remote_images: bool) -> str:
    """The Content-Security-Policy of a message's HTML part (CSP Level 3 §6).

    The sender's style sheets may only be inline (so ``url()`` and ``@import`` load
    nothing from elsewhere); images come from ``data:`` only, or from any host once the
    reader has asked for them; ``sandbox`` with no allow-* token runs no script and sends
    no form, even if the page is opened outside its frame.
    """
    return _HTML_POLICY.format(images=" http: https:" if remote_images else "")


# Filters for the templates -----------------------------------------------------------


def filesize(octets: int) -> str:
    """1234 -> "1.2 kB": sizes as people read them (SI units)."""
    if octets < 1000:
        return f"{octets} B"
    exponent = min(int(math.log(octets, 1000)), 3)
    return f"{octets / 1000**exponent:.1f} {' kMG'[exponent]}B"


def tree_lines(root: Part) -> list[tuple[int, Part]]:
    """The MIME tree as (depth, part) lines, depth first, without recursion: a template
    that called itself per level would run out of stack long before hato.mime's nesting
    limit, which alone bounds the depth here."""
    lines: list[tuple[int, Part]] = []
    pending = [(0, root)]
    while pending:
        depth, part = pending.pop()
        lines.append((depth, part))
        pending.extend((depth + 1, child) for child in reversed(part.children))
    return lines


def shortdate(timestamp: int) -> str:
    """A Unix time as a short UTC date and time, for the message list."""
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


# Pages ------------------------------------------------------------------------------

PAGE_SIZE = mail.PAGE_SIZE
_ACTIONS = {
    "read": (("\\Seen",), ()),
    "unread": ((), ("\\Seen",)),
    "flag": (("\\Flagged",), ()),
    "unflag": ((), ("\\Flagged",)),
}
# Actions after which a message's page shows the message again ("unread" goes back to the
# list: showing the message would read it again).
_STAYING = frozenset({"read", "flag", "unflag"})


async def _user_mail(request: web.Request) -> tuple[WebUser, Mailstore]:
    user = await page_user(request)
    return user, request.app[WEB].store.mailstore(user.account_id)


def _number(value: str, what: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise web.HTTPNotFound(text=f"404: no such {what}")
    return int(value)


def _find(mailboxes: list[Mailbox], mailbox_id: int) -> Mailbox:
    for mailbox in mailboxes:
        if mailbox.id == mailbox_id:
            return mailbox
    raise web.HTTPNotFound(text="404: no such mailbox")


def _trash(mailboxes: list[Mailbox]) -> Mailbox | None:
    return next((m for m in mailboxes if m.special_use == "\\Trash"), None)


def _page_number(value: object) -> int:
    """A page number from a query or a form: 1 unless it is a number from 1 to 9,999,999."""
    if isinstance(value, str) and value.isdigit() and 0 < len(value) < 8:
        return max(int(value), 1)
    return 1


def _lang(request: web.Request) -> Lang:
    """The manners findings in Japanese for a reader whose browser asks for it first."""
    accepted = request.headers.get("Accept-Language", "")[:200].lower()
    return "ja" if accepted.startswith("ja") else "en"


def _list_url(mailbox_id: int, query: str, page: int) -> str:
    """The URL of one page of a mailbox's list (or of a search in it)."""
    params = {"q": query} if query else {}
    if page > 1:
        params["page"] = str(page)
    return str(URL(f"/mail/{mailbox_id}").with_query(params))


async def _mail_call(call: Awaitable[T]) -> T:
    """Run a hato.web.mail call; its errors become the pages' 404 and 400."""
    try:
        return await call
    except mail.NotFound as error:
        raise web.HTTPNotFound(text=f"404: {error}") from None
    except mail.BadRequest as error:
        raise web.HTTPBadRequest(text=f"400: {error}") from None


async def home(request: web.Request) -> web.StreamResponse:
    _user, mailstore = await _user_mail(request)
    inbox = await _mail_call(mail.mailbox(mailstore, INBOX))
    raise web.HTTPSeeOther(location=f"/mail/{inbox.id}")


async def mailbox_page(request: web.Request) -> web.StreamResponse:
    """A page of the list, newest first; or of what the search box found."""
    user, mailstore = await _user_mail(request)
    boxes = await mail.mailboxes(mailstore)
    shown = _find(boxes, _number(request.match_info["mailbox"], "mailbox"))
    query = request.query.get("q", "").strip()
    page = _page_number(request.query.get("page"))
    start = (page - 1) * PAGE_SIZE
    error = None
    if query:
        store = request.app[WEB].store
        try:
            listing = await mail.search_page(store, mailstore, query, shown.name, start)
        except mail.BadRequest as refused:  # said on the page, beside the search box
            error, listing = str(refused), mail.Page(shown, 0, 0, [])
        except mail.NotFound as missing:
            raise web.HTTPNotFound(text=f"404: {missing}") from None
    else:
        listing = await _mail_call(mail.list_page(mailstore, shown.name, start))
    pages = max(1, -(-listing.total // PAGE_SIZE))
    return render(
        request, "mail/list.html", title=shown.name, user=user, mailboxes=boxes,
        mailbox=listing.mailbox, trash=_trash(boxes), listing=listing, query=query,
        page=page, pages=pages, error=error,
        live=page == 1 and not query,
        page_url=lambda number: _list_url(shown.id, query, number),
    )  # fmt: skip


async def _findings(request: web.Request, mailstore: Mailstore, raw: bytes) -> list[Finding]:
    """What ``hato lint`` says of the message, under the server's [manners] settings, with
    the message it replies to found in the account (as the delivery policy looks)."""
    config = request.app[WEB].config
    policy = MannersPolicy(MannersSettings.from_mapping(config.manners), config.hostname)
    return await policy.findings(mailstore, raw)


async def message_page(request: web.Request) -> web.StreamResponse:
    user, mailstore = await _user_mail(request)
    ident = request.match_info["message"]
    opened = await _mail_call(mail.message(mailstore, ident))
    if not opened.line.seen:  # opening a message reads it, as in every mail program
        await _mail_call(mail.set_flags(mailstore, [ident], add=["\\Seen"]))
    raw = await _mail_call(mail.raw_source(mailstore, ident))
    boxes = await mail.mailboxes(mailstore)
    shown = next((box for box in boxes if box.name == opened.line.mailbox), None)
    if shown is None:
        raise web.HTTPNotFound(text="404: no such message")
    return render(
        request, "mail/message.html", title=opened.line.subject or "(no subject)", user=user,
        mailboxes=boxes, mailbox=shown, trash=_trash(boxes), live=False, line=opened.line,
        seen=True, view=opened.view, tree=tree_lines(opened.view.tree),
        here=f"/message/{ident}", images=request.query.get("images") == "1",
        findings=await _findings(request, mailstore, raw), lang=_lang(request),
    )  # fmt: skip


def with_inline_images(html: str, images: dict[str, tuple[str, bytes]]) -> str:
    """``html`` with each ``cid:`` URL (RFC 2392: a %-encoded content id) of one of the
    message's own ``images`` made a ``data:`` URL, so that the sandboxed frame needs nothing
    from anywhere. URLs naming no such image stay as they are (and load nothing); so do
    those past ``INLINE_LIMIT`` characters of images in all (one image named a thousand
    times must not make a gigabyte page)."""
    urls: dict[str, str] = {}
    left = INLINE_LIMIT

    def data_url(match: re.Match[str]) -> str:
        nonlocal left
        content_id = unquote(match.group(1))
        if content_id not in images:
            return match.group(0)
        if content_id not in urls:
            kind, data = images[content_id]
            urls[content_id] = f"data:{kind};base64,{base64.b64encode(data).decode()}"
        if len(urls[content_id]) > left:
            return match.group(0)
        left -= len(urls[content_id])
        return urls[content_id]

    return _CID_URL.sub(data_url, html)


async def html_part(request: web.Request) -> web.StreamResponse:
    """The message's HTML part, alone, under ``html_policy``: for the page's iframe."""
    _user, mailstore = await _user_mail(request)
    ident = request.match_info["message"]
    opened = await _mail_call(mail.message(mailstore, ident))
    html = opened.view.html
    if html is None:
        raise web.HTTPNotFound(text="404: the message has no HTML part")
    if "cid:" in html.lower():
        html = with_inline_images(html, await _mail_call(mail.inline_images(mailstore, ident)))
    headers = {
        "Content-Security-Policy": html_policy(request.query.get("images") == "1"),
        "X-Frame-Options": "SAMEORIGIN",
    }
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=headers)


async def raw_source(request: web.Request) -> web.StreamResponse:
    """The message as stored: shown as text, or saved as a .eml file."""
    _user, mailstore = await _user_mail(request)
    ident = request.match_info["message"]
    raw = await _mail_call(mail.raw_source(mailstore, ident))
    if request.query.get("download") == "1":
        return attachment_response(raw, "message/rfc822", f"message-{ident}.eml")
    # The sender's bytes, in whatever charset: shown as UTF-8 where they are, the rest
    # replaced, never sniffed into HTML (nosniff, and text/plain).
    text = raw.decode("utf-8", "replace")
    return web.Response(text=text, content_type="text/plain", charset="utf-8")


async def download_part(request: web.Request) -> web.StreamResponse:
    """One MIME part, decoded, always as an attachment (never shown in our origin)."""
    _user, mailstore = await _user_mail(request)
    part = await _mail_call(
        mail.attachment(mailstore, request.match_info["message"], request.match_info["part"])
    )
    return attachment_response(part.data, part.content_type, part.filename)


async def change_messages(request: web.Request) -> web.StreamResponse:
    """The forms of the list and of a message: read, unread, flag, unflag, move, delete."""
    _user, mailstore = await _user_mail(request)
    mailbox_id = _number(request.match_info["mailbox"], "mailbox")
    form = await request.post()
    ids = [value for value in form.getall("id", []) if isinstance(value, str)]
    action = form.get("action")
    if ids:
        await _mail_call(_carry_out(mailstore, ids, action, form.get("target")))
    if form.get("view") == "message" and action in _STAYING and len(ids) == 1:
        raise web.HTTPSeeOther(location=f"/message/{ids[0]}")
    query, page = form.get("q"), form.get("page")
    back = _list_url(mailbox_id, query if isinstance(query, str) else "", _page_number(page))
    raise web.HTTPSeeOther(location=back)


async def _carry_out(mailstore: Mailstore, ids: list[str], action: object, target: object) -> None:
    if isinstance(action, str) and action in _ACTIONS:
        add, remove = _ACTIONS[action]
        await mail.set_flags(mailstore, ids, add, remove)
    elif action == "move" and isinstance(target, str):
        await mail.move(mailstore, ids, target)
    elif action == "delete":
        await mail.delete(mailstore, ids)
    else:
        raise mail.BadRequest("no such action")


async def empty_trash(request: web.Request) -> web.StreamResponse:
    _user, mailstore = await _user_mail(request)
    await _mail_call(mail.empty_trash(mailstore))
    trash = await _mail_call(mail.trash(mailstore))
    raise web.HTTPSeeOther(location=f"/mail/{trash.id}")


@asynccontextmanager
async def event_stream(
    request: web.Request, account_id: int
) -> AsyncIterator[tuple[web.StreamResponse, EventStreams]]:
    """A prepared ``text/event-stream`` answer holding one of the account's stream
    places (429 when it has none left), and the process's streams (their ``closing``)."""
    streams = request.app[EVENT_STREAMS]
    try:
        with streams.admit(account_id):
            response = web.StreamResponse(
                headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
            )
            await response.prepare(request)
            yield response, streams
    except TooManyStreams:
        raise web.HTTPTooManyRequests(text="429: too many live views open") from None


async def mail_events(request: web.Request) -> web.StreamResponse:
    """The account's ``mailboxes`` events (hato/web/events.py), as text/event-stream."""
    user, mailstore = await _user_mail(request)
    async with event_stream(request, user.account_id) as (response, streams):
        notifier = request.app[WEB].store.notifier
        await stream_mailboxes(
            response, mailstore, notifier, streams.closing, lambda: not gone(request)
        )
    return response


def gone(request: web.Request) -> bool:
    """The client closed the connection (aiohttp drops the transport when it sees that)."""
    transport = request.transport
    return transport is None or transport.is_closing()


async def _close_streams(app: web.Application) -> None:
    app[EVENT_STREAMS].close_all()


def setup(app: web.Application) -> None:
    """Add the mail view's routes, its template filters and its event streams."""
    app[EVENT_STREAMS] = EventStreams()
    app.on_shutdown.append(_close_streams)
    filters = app[TEMPLATES].filters
    filters["filesize"] = filesize
    filters["shortdate"] = shortdate
    app.router.add_get("/", home)
    app.router.add_get("/mail/events", mail_events)
    app.router.add_get(r"/mail/{mailbox:\d+}", mailbox_page)
    app.router.add_post(r"/mail/{mailbox:\d+}/messages", change_messages)
    app.router.add_post("/mail/trash/empty", empty_trash)
    app.router.add_get("/message/{message}", message_page)
    app.router.add_get("/message/{message}/html", html_part)
    app.router.add_get("/message/{message}/raw", raw_source)
    app.router.add_get("/message/{message}/part/{part}", download_part)
