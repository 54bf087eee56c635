"""The mail every web view needs, written once: the JSON API and the HTML pages both
call these functions, with the ``Mailstore`` of the account that logged in.

Theory of operation.

- **Ids.** A message's id is ``MAILBOX-UIDVALIDITY-UID`` (``message_id``), three
  numbers the store already keys the message by. An id is only ever looked up
  through the logged-in account's own ``Mailstore``, whose every call is scoped to
  that account (the account-isolation invariant, docs/architecture.md): another
  account's id, a mailbox deleted and made again (a new UIDVALIDITY, RFC 3501
  §2.3.1.1), or anything that is not an id at all is ``NotFound``, never a message.
- **Lists.** ``list_page`` asks the store for one page, newest first
  (``Mailstore.list_page``: an index walk, no body read, so the 1,000th page of a
  big INBOX costs what the first does). The snippet and attachment count come from
  what delivery kept; for bodies stored before that, they are worked out here from
  the message, once, and kept (``Mailstore.keep_listing``).
- **Search.** ``search_page`` reads the search box (hato.web.query) into IMAP
  SEARCH keys and evaluates them with IMAP's own machinery over a read-only view of
  the mailbox (hato.imap.search_eval, as EXAMINE would see it), so the answers are
  IMAP SEARCH's; ``has:attachment`` then keeps the messages whose kept attachment
  count is not zero.
- **One message.** ``message`` gives the view model of hato.web.view, built from the
  stored bytes and the parse the store kept at delivery; ``attachment`` one decoded
  part; ``raw_source`` the bytes as stored.
- **Changes.** Flags, move, delete (to Trash; from Trash, for good), empty Trash and
  delete everything in a mailbox go through the same store calls as IMAP's STORE,
  MOVE and EXPUNGE, so IMAP sessions hear of them as of any other change.
- **Waiting.** ``wait_for`` subscribes to the account's mailboxes (the notifier IMAP
  IDLE listens to, hato.store.notify) before it looks, so a message delivered
  between the look and the wait still wakes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hato.imap.reply import ImapError
from hato.imap.search_eval import evaluate
from hato.imap.view import open_view
from hato.mime import MessageInfo, parse_message, snippet
from hato.proto import imap as p
from hato.store import (
    INBOX,
    FlagMode,
    ListedMessage,
    Mailbox,
    MailboxError,
    Mailstore,
    MessageSummary,
    NoSuchMailbox,
    Store,
)
from hato.store.meta import work_out_listing
from hato.web.query import parse_query
from hato.web.view import Heading, MessageView, Person, attachment_data, heading, message_view
from hato.web.view import inline_images as view_inline_images

__all__ = [
    "MAX_IDS", "MAX_PAGE", "PAGE_SIZE", "BadRequest", "Download", "Line", "MailError",
    "NotFound", "Opened", "Page", "attachment", "delete", "delete_all", "empty_trash",
    "expunge", "inline_images", "list_page", "locate", "mailbox", "mailboxes", "message",
    "message_id", "move", "raw_source", "search_page", "set_flags", "set_flags_everywhere", "trash",
    "wait_for",
]  # fmt: skip

PAGE_SIZE = 50
MAX_PAGE = 1000  # lines one request may ask for
MAX_IDS = 10_000  # messages one request may name

_ID = re.compile(r"([0-9]{1,18})-([0-9]{1,18})-([0-9]{1,18})")
_KEYWORD = re.compile(r"\$?[A-Za-z0-9_.-]{1,64}")
_SETTABLE = frozenset({"\\Seen", "\\Answered", "\\Flagged", "\\Draft", "\\Deleted"})


_NO_HEADING = Heading("", "", "", (), (), (), (), ())


class MailError(Exception):
    """A request the mail layer cannot carry out; the text is for people."""


class NotFound(MailError):
    """No such message, part or mailbox in this account."""


class BadRequest(MailError):
    """The request itself is wrong (a search that is not one, an unknown flag...)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One message in a list: what the list shows of it."""

    id: str
    mailbox: str
    uid: int
    received: int  # INTERNALDATE, seconds since the epoch
    date: str  # the Date field as written
    message_id: str
    from_: Person | None
    to: tuple[Person, ...]
    cc: tuple[Person, ...]
    subject: str
    size: int
    flags: tuple[str, ...]
    attachments: int
    snippet: str

    @property
    def seen(self) -> bool:
        return "\\Seen" in self.flags

    @property
    def flagged(self) -> bool:
        return "\\Flagged" in self.flags


@dataclass(frozen=True, slots=True)
class Page:
    """Lines ``start`` to ``start + len(lines)`` of ``total``, newest first."""

    mailbox: Mailbox
    total: int
    start: int
    lines: list[Line]


@dataclass(frozen=True, slots=True)
class Opened:
    """One message opened: its list line and its view model."""

    line: Line
    view: MessageView


@dataclass(frozen=True, slots=True)
class Download:
    """One part to download: sanitised file name, Content-Type, decoded bytes."""

    filename: str
    content_type: str
    data: bytes


def message_id(mailbox: Mailbox, uid: int) -> str:
    """The id of message ``uid`` of ``mailbox`` (see the module docstring)."""
    return f"{mailbox.id}-{mailbox.uidvalidity}-{uid}"


async def mailboxes(mailstore: Mailstore) -> list[Mailbox]:
    """The account's mailboxes with their counters (``messages``, ``unseen``), by name."""
    return await mailstore.list_mailboxes()


async def mailbox(mailstore: Mailstore, name: str) -> Mailbox:
    """The mailbox called ``name`` (NotFound if the account has none)."""
    found = await mailstore.get_mailbox(name) if 0 < len(name) <= 1000 else None
    if found is None:
        raise NotFound(f"no mailbox {name!r}")
    return found


async def trash(mailstore: Mailstore) -> Mailbox:
    """The account's Trash: the mailbox marked \\Trash (RFC 6154), else one named Trash,
    made if there is none."""
    boxes = await mailstore.list_mailboxes()
    for box in boxes:
        if box.special_use == "\\Trash":
            return box
    found = await mailstore.get_mailbox("Trash")
    if found is None:
        with contextlib.suppress(MailboxError):  # made meanwhile by another request
            await mailstore.create_mailbox("Trash", "\\Trash", subscribed=True)
        found = await mailbox(mailstore, "Trash")
    return found


def _check_page(start: int, limit: int) -> None:
    if start < 0 or not 0 < limit <= MAX_PAGE:
        raise BadRequest(f"start must be 0 or more and limit 1 to {MAX_PAGE}")


async def list_page(
    mailstore: Mailstore, name: str = INBOX, start: int = 0, limit: int = PAGE_SIZE
) -> Page:
    """Lines ``start`` .. ``start + limit`` of mailbox ``name``, newest first, with its total."""
    _check_page(start, limit)
    box = await mailbox(mailstore, name)
    try:
        listed = await mailstore.list_page(box.id, start, limit)
    except NoSuchMailbox:
        raise NotFound(f"no mailbox {name!r}") from None
    return Page(box, box.messages, start, await _lines(mailstore, box, listed))


async def search_page(
    store: Store,
    mailstore: Mailstore,
    query: str,
    name: str = INBOX,
    start: int = 0,
    limit: int = PAGE_SIZE,
) -> Page:
    """The messages of mailbox ``name`` that the search box's ``query`` finds (the
    syntax of hato.web.query, IMAP SEARCH's meaning), newest first; BadRequest says
    what is wrong with a query that is not one."""
    _check_page(start, limit)
    try:
        wanted = parse_query(query)
    except ValueError as error:
        raise BadRequest(str(error)) from None
    box = await mailbox(mailstore, name)
    found = await _matching(store, mailstore, box, wanted.key)
    if wanted.attachments:
        found = await _with_attachments(mailstore, box, found)
    newest = sorted(found, reverse=True)
    chosen = newest[start : start + limit]
    listed = await mailstore.list_messages(box.id, chosen) if chosen else []
    return Page(box, len(newest), start, await _lines(mailstore, box, listed))


async def _matching(
    store: Store, mailstore: Mailstore, box: Mailbox, key: p.SearchKey
) -> list[int]:
    """UIDs of the messages of ``box`` that IMAP SEARCH ``key`` finds, ascending."""
    view = await open_view(store, mailstore, box.name, read_only=True)
    try:
        pairs = await evaluate(mailstore, view, key, list(enumerate(view.uids, 1)))
    finally:
        view.close()
    return [uid for _, uid in pairs]


async def _with_attachments(mailstore: Mailstore, box: Mailbox, uids: list[int]) -> list[int]:
    """The messages among ``uids`` with an attachment, by the counts kept at delivery
    (worked out, and kept, for the bodies stored before they were)."""
    counts = await mailstore.attachment_counts(box.id)
    unknown = [uid for uid in uids if uid in counts and counts[uid] is None]
    for at in range(0, len(unknown), MAX_PAGE):
        listed = await mailstore.list_messages(box.id, unknown[at : at + MAX_PAGE])
        for line in await _lines(mailstore, box, listed):
            counts[line.uid] = line.attachments
    return [uid for uid in uids if counts.get(uid)]


async def _lines(mailstore: Mailstore, box: Mailbox, listed: list[ListedMessage]) -> list[Line]:
    """List lines, working out (and keeping) what delivery did not keep for old bodies."""
    worked = await _work_out(mailstore, box, listed)
    lines = []
    for one in listed:
        text, count = worked.get(one.summary.uid, (one.snippet or "", one.attachments or 0))
        lines.append(_line(box, one.summary, _parsed(one.structure_json), text, count))
    return lines


async def _work_out(
    mailstore: Mailstore, box: Mailbox, listed: list[ListedMessage]
) -> dict[int, tuple[str, int]]:
    """uid -> (snippet, attachments) for the bodies stored before delivery kept them,
    worked out from the messages and kept, so that each is worked out once."""
    missing = [one.summary.uid for one in listed if one.snippet is None or one.attachments is None]
    if not missing:
        return {}
    return await work_out_listing(mailstore, box.id, missing, PAGE_SIZE)


def _parsed(structure_json: str, prefix: int = 0) -> MessageInfo | None:
    try:
        return MessageInfo.from_json(structure_json, prefix)
    except (ValueError, TypeError, IndexError, KeyError):
        return None


def _line(
    box: Mailbox, summary: MessageSummary, info: MessageInfo | None, text: str, count: int
) -> Line:
    head = heading(info) if info is not None else _NO_HEADING
    return Line(
        id=message_id(box, summary.uid),
        mailbox=box.name,
        uid=summary.uid,
        received=summary.internal_date,
        date=head.date,
        message_id=head.message_id,
        from_=head.from_[0] if head.from_ else None,
        to=head.to,
        cc=head.cc,
        subject=head.subject,
        size=summary.size,
        flags=tuple(sorted(summary.flags)),
        attachments=count,
        snippet=text,
    )


async def locate(mailstore: Mailstore, ident: str) -> tuple[Mailbox, int]:
    """The mailbox and UID an id names in this account (NotFound if none)."""
    return _located(await mailstore.list_mailboxes(), ident)


def _located(boxes: list[Mailbox], ident: str) -> tuple[Mailbox, int]:
    """The mailbox among the account's ``boxes`` and the UID that ``ident`` names."""
    match = _ID.fullmatch(ident) if len(ident) <= 60 else None
    if match is None:
        raise NotFound("no such message")
    mailbox_id, uidvalidity, uid = (int(group) for group in match.groups())
    for box in boxes:
        if box.id == mailbox_id and box.uidvalidity == uidvalidity:
            return box, uid
    raise NotFound("no such message")


async def _stored(
    mailstore: Mailstore, ident: str
) -> tuple[Mailbox, MessageSummary, bytes, MessageInfo]:
    box, uid = await locate(mailstore, ident)
    details = await mailstore.message_details(box.id, [uid])
    if not details:
        raise NotFound("no such message")
    found = details[0]
    raw = await mailstore.read_message(box.id, uid, size=found.summary.size)
    if raw is None:
        raise NotFound("no such message")
    cached = _parsed(found.structure_json, len(found.prefix))
    info = parse_message(raw) if cached is None else cached
    return box, found.summary, raw, info


async def message(mailstore: Mailstore, ident: str) -> Opened:
    """The message ``ident`` opened for reading (it is not marked \\Seen: ``set_flags``)."""
    box, summary, raw, info = await _stored(mailstore, ident)
    view = message_view(raw, info)
    count = len(view.attachments)
    line = _line(box, summary, info, snippet(raw, info), count)
    return Opened(line, view)


async def raw_source(mailstore: Mailstore, ident: str) -> bytes:
    """The message as stored, trace headers included (RFC 5322 bytes)."""
    box, uid = await locate(mailstore, ident)
    raw = await mailstore.read_message(box.id, uid)
    if raw is None:
        raise NotFound("no such message")
    return raw


async def attachment(mailstore: Mailstore, ident: str, part: str) -> Download:
    """Part ``part`` (an attachment id: its IMAP part number, e.g. "2" or "1.3") of the
    message, its transfer encoding undone (NotFound if there is no such part)."""
    _box, _summary, raw, info = await _stored(mailstore, ident)
    found = attachment_data(raw, info, part) if len(part) <= 200 else None
    if found is None:
        raise NotFound("no such part")
    described, data = found
    return Download(described.filename, described.content_type, data)


async def inline_images(mailstore: Mailstore, ident: str) -> dict[str, tuple[str, bytes]]:
    """The images the HTML part of message ``ident`` may show by content id (``cid:``
    URLs, RFC 2392): hato.web.view.inline_images."""
    _box, _summary, raw, info = await _stored(mailstore, ident)
    return view_inline_images(raw, info)


async def _by_mailbox(
    mailstore: Mailstore, ids: Sequence[str]
) -> dict[int, tuple[Mailbox, list[int]]]:
    """The ids grouped by mailbox; NotFound names the first that is not this account's."""
    if len(ids) > MAX_IDS:
        raise BadRequest(f"at most {MAX_IDS} messages at once")
    boxes = await mailstore.list_mailboxes()
    groups: dict[int, tuple[Mailbox, list[int]]] = {}
    for ident in ids:
        box, uid = _located(boxes, ident)
        groups.setdefault(box.id, (box, []))[1].append(uid)
    return groups


def _flags(flags: Iterable[str]) -> list[str]:
    found = []
    for flag in flags:
        if flag not in _SETTABLE and not _KEYWORD.fullmatch(flag):
            raise BadRequest(f"not a flag: {flag[:64]!r}")
        found.append(flag)
    return found


async def set_flags(
    mailstore: Mailstore, ids: Sequence[str], add: Iterable[str] = (), remove: Iterable[str] = ()
) -> None:
    """Add and remove flags (\\Seen, \\Flagged, \\Answered, \\Draft, \\Deleted or a
    keyword) on messages, as IMAP STORE +FLAGS / -FLAGS (RFC 3501 §6.4.6) does."""
    adding, removing = _flags(add), _flags(remove)
    for box, uids in (await _by_mailbox(mailstore, ids)).values():
        await _store_flags(mailstore, box, uids, adding, removing)


async def set_flags_everywhere(
    mailstore: Mailstore, name: str = INBOX, add: Iterable[str] = (), remove: Iterable[str] = ()
) -> None:
    """``set_flags`` on every message of mailbox ``name`` (mark all read, ...)."""
    adding, removing = _flags(add), _flags(remove)
    box = await mailbox(mailstore, name)
    uids = [uid for uid, _size in await mailstore.listing(box.id)]
    if uids:
        await _store_flags(mailstore, box, uids, adding, removing)


async def _store_flags(
    mailstore: Mailstore, box: Mailbox, uids: list[int], adding: list[str], removing: list[str]
) -> None:
    if adding:
        await mailstore.store_flags(box.id, uids, adding, FlagMode.ADD)
    if removing:
        await mailstore.store_flags(box.id, uids, removing, FlagMode.REMOVE)


async def move(mailstore: Mailstore, ids: Sequence[str], target: str) -> list[str]:
    """Move messages to mailbox ``target`` (IMAP MOVE, RFC 6851); their new ids."""
    destination = await mailbox(mailstore, target)
    moved: list[str] = []
    for box, uids in (await _by_mailbox(mailstore, ids)).values():
        if box.id == destination.id:
            moved += [message_id(box, uid) for uid in uids]
            continue
        pairs = await mailstore.move(box.id, uids, destination.name)
        moved += [message_id(destination, new) for _, new in pairs]
    return moved


async def delete(mailstore: Mailstore, ids: Sequence[str]) -> None:
    """Delete messages as a mail program does: into Trash, and out of Trash for good."""
    bin_ = await trash(mailstore)
    for box, uids in (await _by_mailbox(mailstore, ids)).values():
        if box.id == bin_.id:
            await mailstore.expunge(box.id, uids)
        else:
            await mailstore.move(box.id, uids, bin_.name)


async def expunge(mailstore: Mailstore, ids: Sequence[str]) -> int:
    """Remove messages for good (IMAP EXPUNGE); how many there were."""
    removed = 0
    for box, uids in (await _by_mailbox(mailstore, ids)).values():
        removed += len(await mailstore.expunge(box.id, uids))
    return removed


async def delete_all(mailstore: Mailstore, name: str = INBOX) -> int:
    """Remove every message of mailbox ``name`` for good; how many there were."""
    box = await mailbox(mailstore, name)
    uids = [uid for uid, _size in await mailstore.listing(box.id)]
    return len(await mailstore.expunge(box.id, uids)) if uids else 0


async def empty_trash(mailstore: Mailstore) -> int:
    """Remove every message in Trash for good; how many there were."""
    return await delete_all(mailstore, (await trash(mailstore)).name)


async def wait_for(
    store: Store, mailstore: Mailstore, to: str, subject: str, seconds: float
) -> Line | None:
    """The newest message in any of the account's mailboxes whose To contains ``to``
    and whose Subject contains ``subject`` (IMAP SEARCH TO and SUBJECT; an empty one
    matches any), at once if there is one, else the first to arrive within
    ``seconds``; None on time-out."""
    keys = [
        p.SearchHeader(field, value) for field, value in (("TO", to), ("SUBJECT", subject)) if value
    ]
    key: p.SearchKey = p.SearchAnd(tuple(keys)) if keys else p.SearchAll()
    boxes = await mailstore.list_mailboxes()
    changed = asyncio.Event()  # one event set by a change to any of the boxes
    subscriptions = [store.notifier.subscribe(box.id, changed=changed) for box in boxes]
    try:
        async with asyncio.timeout(seconds):
            while True:
                changed.clear()  # before the search: a change during it wakes the wait
                found = await _newest_match(store, mailstore, boxes, key)
                if found is not None:
                    return found
                await changed.wait()
    except TimeoutError:
        return None
    finally:
        for subscription in subscriptions:
            subscription.close()


async def _newest_match(
    store: Store, mailstore: Mailstore, boxes: list[Mailbox], key: p.SearchKey
) -> Line | None:
    best: tuple[int, Mailbox, int] | None = None
    for box in boxes:
        try:
            uids = await _matching(store, mailstore, box, key)
        except (MailboxError, ImapError):
            continue  # deleted meanwhile
        if uids:
            listed = await mailstore.list_messages(box.id, uids[-1:])
            if listed and (best is None or listed[0].summary.internal_date > best[0]):
                best = (listed[0].summary.internal_date, box, uids[-1])
    if best is None:
        return None
    _, box, uid = best
    lines = await _lines(mailstore, box, await mailstore.list_messages(box.id, [uid]))
    return lines[0] if lines else None
