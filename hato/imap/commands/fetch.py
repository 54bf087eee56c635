"""FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8).

One store call per batch, never per message: flags, sizes and dates come
from the session's view; ENVELOPE/BODYSTRUCTURE/sections take the cached
structure of a whole batch (`message_details`), with the ENVELOPE and BODYSTRUCTURE
answers a body kept (made once and kept after the FETCH, off its path:
hato.imap.fetch_items); bodies are read only when a
body section or RFC822 item asks for them, in batches of at most BODY_BYTES
(a larger message alone, hato.imap.batches), whose answers are written out (and the
transport drained) before the next is read once they come to a write chunk (64 KB; fewer
wait for the next batch's: ``_in_turn``): memory follows one batch and a chunk of answers,
never the whole FETCH. Items only of the view's numbers go straight to its index
(hato.imap.fetch_quick); those numbers with kept answers (ENVELOPE, BODYSTRUCTURE, one
list of header fields, kept after a FETCH made them: ``_Answering.keep_soon``) are
answered from what the messages kept, a batch at a time (hato.imap.fetch_kept), a batch
in which one kept not all it needs the general way (and, after ``KEPT_MISSES`` such
batches in a row, the rest of the FETCH).
BODY[] and RFC822[.TEXT] set \\Seen first (one STORE for the whole set), and
FLAGS then leads the answer, as in the reference transcript.  PREVIEW (RFC 8970) is the
snippet delivery kept (hato.mime.snippet); a body stored before snippets were kept has its
own worked out from the message and kept, unless every PREVIEW asked is LAZY (§3.2),
which answers NIL for it instead.  A session without UTF8=ACCEPT is shown internationalized
messages downgraded (RFC 6855 §7, RFC 6858).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hato.imap.batches import BODY_BYTES, Pair, batches, total_size
from hato.imap.condstore import enable_condstore, vanished_line
from hato.imap.fetch_items import MessageData, item_value, needs_body, needs_details, order_items
from hato.imap.fetch_kept import KeptPlan, fields_key, keepable, kept_answer, kept_plan
from hato.imap.fetch_quick import is_quick, quick_answer
from hato.imap.reply import Reply, bad
from hato.imap.updates import keyword_lines
from hato.imap.view import MailboxView
from hato.mime import may_downgrade
from hato.proto.imap import Fetch, FetchAttr, Literal, Utf8Mode, Value, fetch_response_parts
from hato.store import FlagMode, Mailstore, StoreError
from hato.store.meta import work_out_listing

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__: list[str] = []

log = logging.getLogger(__name__)

BATCH = 256
QUICK_BATCH = 4096
# An answer longer than one batch starts with a small one, whose answers (bodies: 16 of
# them come to a write chunk) go out while the rest is made (Dovecot streams its answers);
# the batches then grow to the full size. An answer of one batch is made whole and goes
# out in one write with the tagged reply: each batch costs a store query, and an early
# write a send for the server and a wake-up for the client (FETCH 1:100 (ENVELOPE) was
# three of each; the raw FETCH 1:* (FLAGS) of 200 messages, answered from the index in
# batches of 16, 64 and 120 lines, took 0.35 ms, 0.23 ms in one write).
FIRST_BATCH = 16
PREVIEW_PAGE = 16  # bodies read at once to work out PREVIEWs delivery did not keep
KEEP_AT_ONCE = 1_000  # ENVELOPE/BODYSTRUCTURE answers a FETCH keeps at most (the rest later)
KEEPING = 8  # such writes under way at most, over all sessions
# Batches in a row whose messages had not kept what the FETCH asks, after which it stops
# asking the store for kept answers: a first sync of a large mailbox would pay one more
# query a batch (what the general way keeps, at most KEEP_AT_ONCE, comes after the FETCH).
KEPT_MISSES = 2
_keeping: set[asyncio.Task[None]] = set()  # the writes under way (a task needs a reference)


async def _mark_seen(session: ImapSession, view: MailboxView, uids: list[int]) -> set[int]:
    """Set \\Seen where it is missing; the UIDs whose flags changed."""
    unseen = [uid for uid in uids if "\\Seen" not in view.flag_set(uid)]  # no summary made
    if not unseen:
        return set()
    changed = await session.mailstore.store_flags(view.id, unseen, ["\\Seen"], FlagMode.ADD)
    view.update(changed)
    return {summary.uid for summary in changed}


async def _load(
    session: ImapSession, view: MailboxView, uids: list[int], items: tuple[FetchAttr, ...]
) -> dict[int, MessageData]:
    found = {uid: MessageData(uid) for uid in uids}
    details, body = needs_details(items), needs_body(items)
    names = {item.name for item in items}  # each item asked about once, not once a test
    if details:
        for loaded in await session.mailstore.message_details(view.id, uids):
            found[loaded.summary.uid].details = loaded
        found = {uid: data for uid, data in found.items() if data.details is not None}
    if body:
        size = total_size(view, found)
        bodies = await session.mailstore.read_messages(view.id, list(found), size=size)
        for uid, raw in bodies.items():
            found[uid].raw = raw
        found = {uid: data for uid, data in found.items() if data.raw is not None}
    if "PREVIEW" in names or "SNIPPET" in names:
        previews = [item for item in items if item.name in ("PREVIEW", "SNIPPET")]
        await _load_previews(session, view, found, all(item.lazy for item in previews))
    if "SAVEDATE" in names:
        for uid, saved in (await session.mailstore.save_dates(view.id, list(found))).items():
            found[uid].saved = saved
    if "EMAILID" in names:
        for uid, digest in (await session.mailstore.digests(view.id, list(found))).items():
            found[uid].digest = digest
        found = {uid: data for uid, data in found.items() if data.digest}  # expunged meanwhile
    if "INTERNALDATE" in names:
        for uid, zone in (await session.mailstore.internal_zones(view.id, list(found))).items():
            found[uid].zone = zone
    if session.utf8 is not Utf8Mode.ACCEPT and (body or details):
        await _show_legacy(session, view, found)
    return found


async def _show_legacy(
    session: ImapSession, view: MailboxView, found: dict[int, MessageData]
) -> None:
    """RFC 6855 §7: a client that did not ENABLE UTF8=ACCEPT is shown internationalized
    messages downgraded (RFC 6858, ``MessageData.show_legacy``). A message whose body was
    not asked for is read only if its ENVELOPE holds UTF-8, the mark of such mail."""
    unread = [
        uid
        for uid, data in found.items()
        if data.raw is None and data.details is not None and data.envelope_has_utf8()
    ]
    if unread:
        for uid, raw in (await session.mailstore.read_messages(view.id, unread)).items():
            found[uid].raw = raw
    eight_bit = [
        data for data in found.values() if data.raw is not None and may_downgrade(data.raw)
    ]
    if eight_bit:  # off the event loop: a header may be megabytes of UTF-8
        await asyncio.to_thread(_show_all_legacy, eight_bit)


async def _load_previews(
    session: ImapSession, view: MailboxView, found: dict[int, MessageData], lazy: bool
) -> None:
    """PREVIEW (RFC 8970 §3): the kept snippets of a batch, one query."""
    missing = []
    for line in await session.mailstore.list_messages(view.id, list(found)):
        uid = line.summary.uid
        if uid in found:
            found[uid].preview = line.snippet
            if line.snippet is None:
                missing.append(uid)
    if missing and not lazy:
        worked = await work_out_listing(session.mailstore, view.id, missing, PREVIEW_PAGE)
        for uid, (text, _) in worked.items():
            found[uid].preview = text


def _show_all_legacy(found: list[MessageData]) -> None:
    for data in found:
        data.show_legacy()


async def _targets(session: ImapSession, view: MailboxView, cmd: Fetch) -> list[tuple[int, int]]:
    """The (seq, uid) pairs to answer.  With CHANGEDSINCE (RFC 7162 §3.1.4.1) only
    messages whose MODSEQ is above it: candidates from the store's MODSEQ index,
    then kept if the set names them, never a walk over the whole mailbox (but for the
    shared index's walk of a small mailbox, which spares the store a query)."""
    if cmd.changedsince is None:
        return view.resolve(cmd.sequence_set, cmd.uid)
    candidates = view.index.changed_since(cmd.changedsince)
    if candidates is None:
        changes = await session.mailstore.changes_since(view.id, cmd.changedsince)
        candidates = [summary.uid for summary in changes.changed]
    return view.resolve_among(cmd.sequence_set, cmd.uid, candidates)


async def _vanished_earlier(session: ImapSession, view: MailboxView, cmd: Fetch) -> None:
    """UID FETCH ... (CHANGEDSINCE n VANISHED), RFC 7162 §3.2.6: first the UIDs of the
    set expunged after n, from the store's tombstones ("*" reaches every one)."""
    assert cmd.changedsince is not None
    gone = await session.mailstore.expunged_since(view.id, cmd.changedsince)
    largest = max(gone[-1] if gone else 0, view.uids[-1] if view.uids else 0)
    line = vanished_line((uid for uid in gone if cmd.sequence_set.contains(uid, largest)), True)
    if line:
        session.send(line)


def _check_condstore(session: ImapSession, cmd: Fetch) -> None:
    """FETCH MODSEQ and CHANGEDSINCE enable CONDSTORE (RFC 7162 §3.1); VANISHED needs
    ENABLE QRESYNC first (§3.2.6)."""
    if cmd.vanished and not session.qresync:
        raise bad("VANISHED used without ENABLE QRESYNC.")
    if cmd.changedsince is not None or any(item.name == "MODSEQ" for item in cmd.items):
        enable_condstore(session)


async def _quick(
    session: ImapSession, view: MailboxView, targets: list[tuple[int, int]], items: list[FetchAttr]
) -> Reply:
    """Only index-held items: lines made from the shared index's columns (hato.imap.fetch_quick)."""
    missing = False
    groups = batches(view, targets, QUICK_BATCH)  # its lines are made at ~0.25 us each
    for number, batch in enumerate(groups):
        await _in_turn(session, number)
        _announce_keywords(session, view)
        lines, gone = quick_answer(view, batch, items)
        missing = missing or gone
        session.send(*lines)
    return _done(missing)


async def _in_turn(session: ImapSession, number: int) -> None:
    """Before each batch but the first (``number`` 0), the answers queued go out once
    they come to a write chunk (``ImapSession.chunk_queued``): the client reads them
    while the next is made, and what is held stays bounded. Fewer wait for the next
    batch's: small answers (header fields, of messages whose bodies fill batches) go out
    in one write, not one a batch, each a send for the server and a wake-up for the
    client. The last batch's answers go out with the tagged reply. (A coroutine, not an
    async generator of the batches: the event loop tracks every async generator in a weak
    set, a cost each FETCH of one message paid.)"""
    if number and session.chunk_queued():
        await session.flush()


def _announce_keywords(session: ImapSession, view: MailboxView) -> None:
    """FLAGS before a batch whose answers may show a keyword the session was not told of
    (another session's STORE changes the shared index at once, even mid-FETCH)."""
    for line in keyword_lines(view):
        session.send(line)


def _done(missing: bool) -> Reply:
    if missing:
        text = "Some of the requested messages no longer exist."
        return Reply(text, "NO", "EXPUNGEISSUED")
    return Reply("Fetch completed.")


async def fetch(session: ImapSession, cmd: Fetch) -> Reply:
    view = session.require_view()
    _check_condstore(session, cmd)
    targets = await _targets(session, view, cmd)
    if cmd.vanished:
        await _vanished_earlier(session, view, cmd)
    seen: set[int] = set()
    if any(item.sets_seen for item in cmd.items) and not view.read_only:
        seen = await _mark_seen(session, view, [uid for _, uid in targets])
    if not seen and is_quick(cmd.items):
        return await _quick(
            session, view, targets, order_items(cmd.items, False, session.condstore)
        )
    answering = _Answering(session, view, cmd, seen)
    plan = None if seen else kept_plan(answering.answered[False].items)
    body_bytes = answering.body_bytes if plan is None else None  # kept rows are small
    first = FIRST_BATCH if len(targets) > BATCH else None
    misses = 0  # batches in a row the kept answers did not cover
    for number, batch in enumerate(batches(view, targets, BATCH, body_bytes, first=first)):
        await _in_turn(session, number)
        if plan is None:
            await answering.answer_batch(batch)
        elif misses < KEPT_MISSES and await _from_kept(answering, batch, plan):
            misses = 0
        else:
            misses += 1
            await answering.answer(batch)  # split again by BODY_BYTES
    answering.keep_soon()
    return _done(answering.missing)


async def _from_kept(answering: _Answering, batch: Sequence[Pair], plan: KeptPlan) -> bool:
    """Answer ``batch`` from what its messages kept (hato.imap.fetch_kept), if each kept
    all ``plan`` needs."""
    session, view = answering.session, answering.view
    uids = [uid for _, uid in batch]
    rows = await session.mailstore.kept_answers(view.id, uids, plan.names, plan.answers)
    _announce_keywords(session, view)
    answer = kept_answer(view, batch, plan, rows)
    if answer is None:
        return False
    lines, gone = answer
    session.send(*lines)
    answering.missing = answering.missing or gone
    return True


class _Answering:
    """One FETCH answered the general way, a batch at a time (``answer``): the items'
    keys, whether a message was gone, and the answers made to keep (``keep_soon``)."""

    def __init__(self, session: ImapSession, view: MailboxView, cmd: Fetch, seen: set[int]):
        self.session, self.view, self.cmd, self.seen = session, view, cmd, seen
        self.answered = {False: _Keyed(cmd, False, session)}
        if seen:  # the messages \Seen just set show FLAGS first
            self.answered[True] = _Keyed(cmd, True, session)
        self.body_bytes = BODY_BYTES if needs_body(cmd.items) else None
        self.missing = False
        self.made: list[tuple[int, str | None, str | None]] = []
        self.fields: list[tuple[int, bytes]] = []  # header fields picked, to keep

    async def answer(self, group: Sequence[Pair]) -> None:
        """Answer ``group`` (a batch the kept answers could not answer), in batches that
        hold at most ``BODY_BYTES`` of bodies when bodies are read."""
        for number, batch in enumerate(batches(self.view, group, BATCH, self.body_bytes)):
            await _in_turn(self.session, number)
            await self.answer_batch(batch)

    async def answer_batch(self, batch: Sequence[Pair]) -> None:
        """Answer ``batch``: one load from the store, then each message's line."""
        session, view, seen = self.session, self.view, self.seen
        loaded = await _load(session, view, [uid for _, uid in batch], self.cmd.items)
        _announce_keywords(session, view)
        for seq, uid in batch:
            data = loaded.pop(uid, None)
            if data is None or not view.has(uid):
                self.missing = True
                continue
            keyed = self.answered[uid in seen]
            values = [(key, item_value(item, data, view)) for key, item in keyed.keys]
            session.send(*fetch_response_parts(seq, values))
            if data.made is not None or keyed.fields_at is not None:
                self._note_made(data, keyed, values)

    def _note_made(self, data: MessageData, keyed: _Keyed, values: list[tuple[str, Value]]) -> None:
        """Note the answers ``data`` made that its body or message may keep."""
        made = data.made
        if made is not None and len(self.made) < KEEP_AT_ONCE:
            self.made.append((data.uid, made.get("ENVELOPE"), made.get("BODYSTRUCTURE")))
        at = keyed.fields_at
        if at is None or len(self.fields) >= KEEP_AT_ONCE:
            return
        if data.raw is not None and data.size is None:  # shown as stored
            picked = values[at][1]
            assert isinstance(picked, Literal)
            if keepable(data.raw, picked.data):
                self.fields.append((data.uid, picked.data))

    def keep_soon(self) -> None:
        """Keep the ENVELOPE and BODYSTRUCTURE answers and the header fields the FETCH
        made (hato.imap.fetch_items, hato.imap.fetch_kept) after it, off its path: its
        tagged reply does not wait for the write. At most ``KEEPING`` writes are under
        way (one more is dropped: the answers are made again and kept next time), each of
        at most ``KEEP_AT_ONCE`` messages."""
        names = self.answered[False].names
        fields = (names, self.fields) if names is not None and self.fields else None
        if (not self.made and fields is None) or len(_keeping) >= KEEPING:
            return
        task = asyncio.ensure_future(_keep(self.session.mailstore, self.view.id, self.made, fields))
        _keeping.add(task)
        task.add_done_callback(_keeping.discard)


async def _keep(
    mailstore: Mailstore,
    mailbox_id: int,
    made: list[tuple[int, str | None, str | None]],
    fields: tuple[str, list[tuple[int, bytes]]] | None,
) -> None:
    try:
        if made:
            await mailstore.keep_imap_answers(mailbox_id, made)
        if fields is not None:
            await mailstore.keep_header_fields(mailbox_id, *fields)
    except StoreError as error:  # only a speed-up lost: made again the next time
        log.debug("IMAP answers not kept: %s", error)


class _Keyed:
    """The items of an answer in their order, each with its response key: worked out
    once a command (for messages \\Seen just set, and for the others), not a message;
    where the one list of header fields whose answers are kept is (``fields_key``)."""

    def __init__(self, cmd: Fetch, seen: bool, session: ImapSession) -> None:
        self.items = order_items(cmd.items, seen, session.condstore)
        self.keys = [(item.response_key(), item) for item in self.items]
        keys = [(at, fields_key(item)) for at, item in enumerate(self.items)]
        kept = [(at, key) for at, key in keys if key is not None]
        self.fields_at: int | None = kept[0][0] if len(kept) == 1 else None
        self.names: str | None = kept[0][1] if len(kept) == 1 else None
