"""The JSON API under ``/api/v1/``: what test suites use (docs/api.md).

Where Mailpit has the endpoint, the path, the parameters and the JSON are Mailpit's
(its API v1: list, search, read, raw, part, read status, delete), so code written
against Mailpit works against hato unchanged; hato's own endpoints are mailboxes,
``wait`` (a long poll for a message, woken by deliveries, not a polling loop),
flags and ``send``. Every handler first asks ``api_user`` (hato.web.auth: HTTP
Basic over TLS or loopback, a Bearer token, or the session) and then works on that
account's ``Mailstore`` alone, through hato.web.mail: another account's message id
is a 404 like any id that names nothing.

Errors are ``{"error": "..."}`` with the status that says whose fault it is: 400 a
request that is not one, 401 no or wrong credentials, 403 a cookie request without
its CSRF token, 404 nothing there, 408 ``wait`` timed out, 413 a body over the
app's limit, 429 too many ``wait`` calls of one account at once.
"""

from __future__ import annotations

import datetime
import json
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from aiohttp import web

from hato.delivery.received import Arrival
from hato.delivery.submission import Refused
from hato.store import INBOX, Mailstore, Store, StoreUnavailable
from hato.web import mail
from hato.web.auth import api_user, json_error
from hato.web.compose import ComposeError, compose
from hato.web.context import WEB
from hato.web.download import attachment_response
from hato.web.openapi import OPENAPI
from hato.web.view import Part, Person

__all__ = ["MAX_WAIT", "MAX_WAITING", "setup"]

PREFIX = "/api/v1"
MAX_WAIT = 300.0  # seconds one wait call may last
DEFAULT_WAIT = 30.0
MAX_WAITING = 8  # wait calls of one account at a time
_WAITING = web.AppKey("hato.web.api.waiting", Counter[int])

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup(app: web.Application) -> None:
    """Add the API's routes (docs/api.md) to the console's application."""
    app[_WAITING] = Counter()
    routes = app.router
    routes.add_get(f"{PREFIX}/openapi.json", openapi)
    routes.add_get(f"{PREFIX}/mailboxes", mailboxes)
    routes.add_get(f"{PREFIX}/messages", messages)
    routes.add_put(f"{PREFIX}/messages", set_read)
    routes.add_delete(f"{PREFIX}/messages", delete_messages)
    routes.add_get(f"{PREFIX}/search", search)
    routes.add_get(f"{PREFIX}/wait", wait)
    routes.add_get(f"{PREFIX}/message/{{id}}", message)
    routes.add_delete(f"{PREFIX}/message/{{id}}", delete_message)
    routes.add_get(f"{PREFIX}/message/{{id}}/raw", raw)
    routes.add_get(f"{PREFIX}/message/{{id}}/headers", headers)
    routes.add_get(f"{PREFIX}/message/{{id}}/part/{{part}}", part)
    routes.add_put(f"{PREFIX}/message/{{id}}/flags", flags)
    routes.add_post(f"{PREFIX}/send", send)


# -- helpers -------------------------------------------------------------------------


async def _mailstore(request: web.Request) -> Mailstore:
    user = await api_user(request)
    return request.app[WEB].store.mailstore(user.account_id)


def _store(request: web.Request) -> Store:
    return request.app[WEB].store


@contextmanager
def _answers() -> Iterator[None]:
    """hato.web.mail's refusals as the API's JSON errors."""
    try:
        yield
    except mail.NotFound as missing:
        raise json_error(web.HTTPNotFound, str(missing)) from None
    except mail.BadRequest as wrong:
        raise json_error(web.HTTPBadRequest, str(wrong)) from None


def _number(request: web.Request, name: str, default: int) -> int:
    text = request.query.get(name)
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise json_error(web.HTTPBadRequest, f"{name} must be a whole number")
    return int(text)


def _mailbox_name(request: web.Request) -> str:
    return request.query.get("mailbox", INBOX)


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    """The request's JSON object, None without a body; 400 if it is not an object."""
    if not request.can_read_body:
        return None
    data = await request.read()  # at most the app's client_max_size: 413 beyond
    if not data.strip():
        return None
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):  # not UTF-8 or not JSON; nested past the stack
        raise json_error(web.HTTPBadRequest, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise json_error(web.HTTPBadRequest, "the body must be a JSON object")
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    ids = body.get("IDs")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise json_error(web.HTTPBadRequest, 'give "IDs": a list of message ids')
    return ids


# -- the JSON shapes (Mailpit's) ------------------------------------------------------


def _created(stamp: int) -> str:
    """RFC 3339 in UTC with milliseconds, as Mailpit writes ``Created``."""
    moment = datetime.datetime.fromtimestamp(stamp, datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _person(person: Person | None) -> dict[str, str]:
    if person is None:
        return {"Name": "", "Address": ""}
    return {"Name": person.name, "Address": person.address}


def _people(people: tuple[Person, ...]) -> list[dict[str, str]]:
    return [_person(person) for person in people]


def summary(line: mail.Line) -> dict[str, Any]:
    """A message list entry, as Mailpit's ``MessageSummary`` (plus hato's ``Mailbox``,
    ``Flags`` and ``Flagged``)."""
    return {
        "ID": line.id,
        "MessageID": line.message_id.strip("<>"),
        "Read": line.seen,
        "From": _person(line.from_),
        "To": _people(line.to),
        "Cc": _people(line.cc),
        "Bcc": [],
        "ReplyTo": [],
        "Subject": line.subject,
        "Created": _created(line.received),
        "Tags": [],
        "Size": line.size,
        "Attachments": line.attachments,
        "Snippet": line.snippet,
        "Mailbox": line.mailbox,
        "Flags": list(line.flags),
        "Flagged": line.flagged,
    }


def _page(page: mail.Page) -> dict[str, Any]:
    """Mailpit's ``MessagesSummary``: totals, the page's start, its messages."""
    return {
        "total": page.total,
        "unread": page.mailbox.unseen,
        "count": len(page.lines),
        "messages_count": page.total,
        "start": page.start,
        "tags": [],
        "messages": [summary(line) for line in page.lines],
    }


def _attachment(item: Part) -> dict[str, Any]:
    return {
        "PartID": item.section,
        "FileName": item.filename,
        "ContentType": item.content_type,
        "ContentID": "",
        "Size": item.size,
    }


def _message(opened: mail.Opened) -> dict[str, Any]:
    """One message, as Mailpit's ``Message`` (plus hato's ``Mailbox``, ``Flags`` and
    ``Parts``, the MIME tree)."""
    line, view = opened.line, opened.view
    return {
        **summary(line),
        "Bcc": _people(view.heading.bcc),
        "ReplyTo": _people(view.heading.reply_to),
        "ReturnPath": _header(view.headers, "return-path").strip("<>"),
        "Date": _created(line.received),
        "Text": view.text or "",
        "HTML": view.html or "",
        "Inline": [],
        "Attachments": [_attachment(item) for item in view.attachments],
        "Parts": _tree(view.tree),
    }


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str:
    return next((value for field, value in headers if field.lower() == name), "")


def _tree(node: Part) -> dict[str, Any]:
    return {
        "PartID": node.section,
        "ContentType": node.content_type,
        "FileName": node.filename,
        "Size": node.size,
        "Attachment": node.attachment,
        "Parts": [_tree(child) for child in node.children],
    }


# -- handlers ------------------------------------------------------------------------


async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 description of this API (no login needed: it holds no data)."""
    return web.json_response(OPENAPI)


async def mailboxes(request: web.Request) -> web.Response:
    mailstore = await _mailstore(request)
    found = await mail.mailboxes(mailstore)
    return web.json_response(
        [
            {"Name": box.name, "Messages": box.messages, "Unread": box.unseen, "Size": box.size}
            for box in found
        ]
    )


async def messages(request: web.Request) -> web.Response:
    """Mailpit's GET /api/v1/messages: a page, newest first (``start``, ``limit``)."""
    mailstore = await _mailstore(request)
    start, limit = _number(request, "start", 0), _number(request, "limit", mail.PAGE_SIZE)
    with _answers():
        page = await mail.list_page(mailstore, _mailbox_name(request), start, limit)
    return web.json_response(_page(page))


async def search(request: web.Request) -> web.Response:
    """Mailpit's GET /api/v1/search?query=: hato's search syntax, IMAP SEARCH semantics."""
    mailstore = await _mailstore(request)
    start, limit = _number(request, "start", 0), _number(request, "limit", mail.PAGE_SIZE)
    query = request.query.get("query", "")
    with _answers():
        page = await mail.search_page(
            _store(request), mailstore, query, _mailbox_name(request), start, limit
        )
    return web.json_response(_page(page))


async def _resolve(mailstore: Mailstore, ident: str) -> str:
    """Mailpit's id ``latest`` is the newest message of INBOX."""
    if ident != "latest":
        return ident
    page = await mail.list_page(mailstore, INBOX, 0, 1)
    if not page.lines:
        raise mail.NotFound("no message")
    return page.lines[0].id


async def message(request: web.Request) -> web.Response:
    """Mailpit's GET /api/v1/message/{ID}; like Mailpit, reading marks it read."""
    mailstore = await _mailstore(request)
    with _answers():
        ident = await _resolve(mailstore, request.match_info["id"])
        opened = await mail.message(mailstore, ident)
        if not opened.line.seen:
            await mail.set_flags(mailstore, [ident], add=["\\Seen"])
            seen = replace(opened.line, flags=tuple(sorted({*opened.line.flags, "\\Seen"})))
            opened = replace(opened, line=seen)
    return web.json_response(_message(opened))


async def raw(request: web.Request) -> web.Response:
    """Mailpit's GET /api/v1/message/{ID}/raw: the message as stored."""
    mailstore = await _mailstore(request)
    with _answers():
        source = await mail.raw_source(
            mailstore, await _resolve(mailstore, request.match_info["id"])
        )
    return web.Response(body=source, content_type="text/plain", charset="utf-8")


async def headers(request: web.Request) -> web.Response:
    """Mailpit's GET /api/v1/message/{ID}/headers: each field name and its values."""
    mailstore = await _mailstore(request)
    with _answers():
        opened = await mail.message(mailstore, await _resolve(mailstore, request.match_info["id"]))
    fields: dict[str, list[str]] = {}
    for name, value in opened.view.headers:
        fields.setdefault(name, []).append(value)
    return web.json_response(fields)


async def part(request: web.Request) -> web.Response:
    """Mailpit's GET /api/v1/message/{ID}/part/{PartID}: one part, to download."""
    mailstore = await _mailstore(request)
    with _answers():
        ident = await _resolve(mailstore, request.match_info["id"])
        download = await mail.attachment(mailstore, ident, request.match_info["part"])
    return attachment_response(download.data, download.content_type, download.filename)


async def set_read(request: web.Request) -> web.Response:
    """Mailpit's PUT /api/v1/messages {"IDs": [...], "Read": bool} (no IDs: every
    message of the mailbox); hato also takes "Flagged": bool."""
    mailstore = await _mailstore(request)
    body = await _json_body(request) or {}
    add, remove = _flag_changes(body)
    with _answers():
        if "IDs" in body:
            await mail.set_flags(mailstore, _ids(body), add, remove)
        else:
            await mail.set_flags_everywhere(mailstore, _mailbox_name(request), add, remove)
    return web.Response(text="ok")


def _flag_changes(body: dict[str, Any]) -> tuple[list[str], list[str]]:
    add: list[str] = []
    remove: list[str] = []
    for key, flag in (("Read", "\\Seen"), ("Flagged", "\\Flagged")):
        if key in body:
            value = body[key]
            if not isinstance(value, bool):
                raise json_error(web.HTTPBadRequest, f'"{key}" must be true or false')
            (add if value else remove).append(flag)
    return add, remove


async def flags(request: web.Request) -> web.Response:
    """hato's PUT /api/v1/message/{ID}/flags {"add": [...], "remove": [...]}: IMAP
    flags (\\Seen, \\Flagged, \\Answered, \\Draft, \\Deleted) or keywords."""
    mailstore = await _mailstore(request)
    body = await _json_body(request) or {}
    lists = [body.get("add", []), body.get("remove", [])]
    if not all(isinstance(v, list) and all(isinstance(f, str) for f in v) for v in lists):
        raise json_error(web.HTTPBadRequest, 'give "add" and "remove": lists of flags')
    with _answers():
        ident = await _resolve(mailstore, request.match_info["id"])
        await mail.set_flags(mailstore, [ident], lists[0], lists[1])
        opened = await mail.message(mailstore, ident)
    return web.json_response(summary(opened.line))


async def delete_messages(request: web.Request) -> web.Response:
    """Mailpit's DELETE /api/v1/messages: {"IDs": [...]} removes those, no body every
    message of the mailbox (``?mailbox=``, INBOX by default). For good, as Mailpit."""
    mailstore = await _mailstore(request)
    body = await _json_body(request)
    with _answers():
        if body is None or "IDs" not in body:
            await mail.delete_all(mailstore, _mailbox_name(request))
        else:
            await mail.expunge(mailstore, _ids(body))
    return web.Response(text="ok")


async def delete_message(request: web.Request) -> web.Response:
    """hato's DELETE /api/v1/message/{ID}: one message, for good."""
    mailstore = await _mailstore(request)
    with _answers():
        ident = await _resolve(mailstore, request.match_info["id"])
        await mail.expunge(mailstore, [ident])
    return web.Response(text="ok")


async def wait(request: web.Request) -> web.Response:
    """hato's GET /api/v1/wait?to=ADDR&subject=TEXT&timeout=S: the newest message whose
    To and Subject contain these (IMAP SEARCH TO, SUBJECT), at once if there is one,
    else the first to arrive; 408 after ``timeout`` seconds (30 by default)."""
    user = await api_user(request)
    mailstore = _store(request).mailstore(user.account_id)
    seconds = _seconds(request.query.get("timeout"))
    to, subject = request.query.get("to", ""), request.query.get("subject", "")
    if len(to) > 1000 or len(subject) > 1000:
        raise json_error(web.HTTPBadRequest, "to and subject: at most 1000 characters")
    waiting = request.app[_WAITING]
    if waiting[user.account_id] >= MAX_WAITING:
        raise json_error(
            web.HTTPTooManyRequests,
            f"at most {MAX_WAITING} wait calls at once per account",
            {"Retry-After": "1"},
        )
    waiting[user.account_id] += 1
    try:
        found = await mail.wait_for(_store(request), mailstore, to, subject, seconds)
    finally:
        waiting[user.account_id] -= 1
        if not waiting[user.account_id]:
            del waiting[user.account_id]
    if found is None:
        raise json_error(web.HTTPRequestTimeout, f"no such message within {seconds:g} s")
    return web.json_response(summary(found))


def _seconds(text: str | None) -> float:
    if text is None or text == "":
        return DEFAULT_WAIT
    try:
        seconds = float(text) if len(text) <= 20 else -1.0
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_WAIT:  # NaN fails this too
        raise json_error(web.HTTPBadRequest, f"timeout: seconds from 0 to {MAX_WAIT:g}")
    return seconds


async def send(request: web.Request) -> web.Response:
    """Mailpit's POST /api/v1/send (hato.web.compose has the shape), sent the way mail
    from the submission port is (hato.delivery.submission): From must be one of the
    account's addresses, aliases are expanded, Bcc is an envelope recipient only, the
    manners policy applies, local copies and the queue commit together. Answers
    ``{"ID": queue id, "MessageID": ...}``."""
    user = await api_user(request)
    context = request.app[WEB]
    submission = context.submission
    if submission is None:
        raise json_error(web.HTTPServiceUnavailable, "sending is not set up on this server")
    body = await _json_body(request)
    try:
        composed = compose(body or {}, context.config.hostname)
    except ComposeError as error:
        raise json_error(web.HTTPBadRequest, str(error)) from None
    account = await context.store.get_account(user.name)
    if account is None:
        raise json_error(web.HTTPUnauthorized, "the account is gone")
    arrival = Arrival(
        helo="web", peer=request.remote or "", protocol="HTTPS" if request.secure else "HTTP",
        hostname=context.config.hostname, queue_id=secrets.token_hex(6).upper(),
        sender=composed.sender, when=time.time(),
    )  # fmt: skip
    try:
        queue_id = await submission.submit(account, composed.recipients, composed.content, arrival)
    except Refused as refusal:
        raise json_error(_refusal_status(refusal.reply), refusal.reply) from None
    except StoreUnavailable as error:
        raise json_error(web.HTTPServiceUnavailable, error.reason) from None
    return web.json_response({"ID": queue_id, "MessageID": composed.message_id})


def _refusal_status(reply: str) -> type[web.HTTPException]:
    """An SMTP refusal as HTTP: a sender not the account's is 403, a temporary one 503."""
    if reply.startswith("553"):
        return web.HTTPForbidden
    if reply.startswith("4"):
        return web.HTTPServiceUnavailable
    return web.HTTPBadRequest
