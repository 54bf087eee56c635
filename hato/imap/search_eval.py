"""Evaluating SEARCH keys (RFC 3501 §6.4.4) over the session's view, in memory.

Keys about flags, sizes, dates, UIDs and sequence numbers (and "$", the
result saved by SEARCH RETURN (SAVE), RFC 5182 §2.1) need only the view.
FROM, TO, CC and SUBJECT read the decoded header columns stored at delivery
(kept case-mapped in the mailbox's key cache, hato.imap.sort_cache, or one
`Mailstore.header_columns` query per SEARCH; a few messages read them from
their parsed structure instead); HEADER, BCC, BODY and TEXT need the
message itself and SENT* its parsed Date; SAVED* (RFC 8514) the save dates of the
mailbox, one query per SEARCH.  Those are loaded in batches (of at
most BODY_BYTES when bodies are read, hato.imap.batches), and only for the
messages that the cheap keys of a top-level AND let through.

BODY and TEXT keys of a top-level AND are first put to the full-text index
(`Mailstore.text_matches`, hato/store/sql/text.py), which only narrows: the
messages it rules out cannot match, and every other one is still checked.  For
BODY the store checks its stored text, which is the decoded text this module
would match, so a message it finds matches without being read; messages whose
text it does not hold whole, and every TEXT candidate (the trace prefix and the
header are one block to decode), are read and matched here as before.

Every string is matched with the i;unicode-casemap comparator (RFC 5051 §2,
I18NLEVEL=1 of RFC 5255 §4): both sides are case-mapped and decomposed
(NFKD) and the key must be a substring, so "äpfel" finds "ÄPFEL" and
full-width "ＡＢＣ" finds "abc".  BODY and TEXT match the text parts with
their transfer encoding and charset undone (hato.mime.decoded_text).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from itertools import compress, repeat
from operator import contains

from hato.imap.batches import BODY_BYTES, batches
from hato.imap.fetch_items import MessageData
from hato.imap.objectid import email_id
from hato.imap.sort_cache import view_keys
from hato.imap.view import MailboxView
from hato.mime import Address, casemap, decode_words, decoded_text, header_fields, storable
from hato.proto import imap as p
from hato.store import Mailstore

__all__ = ["Matcher", "Program", "casemap_contains", "evaluate"]

BATCH = 200  # messages loaded per store query
BULK = 64  # from this many messages on, header columns come from one column query

# FROM/TO/CC/SUBJECT -> the hato.mime.HeaderColumns field: a stored column, and the
# attribute of a parsed message's columns
_COLUMNS = {"FROM": "from_", "TO": "to", "CC": "cc", "SUBJECT": "subject"}

Pair = tuple[int, int]  # (seq, uid)


def casemap_contains(wanted: str, text: str) -> bool:
    """i;unicode-casemap substring match (RFC 5051 §2; RFC 4790 §4.2.2)."""
    return casemap(wanted) in casemap(text)


def _column_key(key: p.SearchHeader) -> str | None:
    """The stored column answering a HEADER-type key, if one can (not for "" values:
    those ask whether the field is present at all)."""
    return _COLUMNS.get(key.field) if key.value else None


@dataclass(frozen=True, slots=True)
class Program:
    """What a search program needs: header columns, parsed messages, raw messages."""

    columns: frozenset[str]
    details: bool
    raw: bool

    @classmethod
    def of(cls, key: p.SearchKey) -> Program:
        columns: set[str] = set()
        details = raw = False
        for leaf in p.search_leaves(key):
            if isinstance(leaf, p.SearchHeader):
                found = _column_key(leaf)
                if found is not None:
                    columns.add(found)
                else:
                    details = raw = True
            elif isinstance(leaf, p.SearchText):
                details = raw = True
            elif isinstance(leaf, p.SearchDate) and leaf.sent:
                details = True
        return cls(frozenset(columns), details, raw)


def _split(key: p.SearchKey, columns: bool) -> tuple[p.SearchKey | None, p.SearchKey | None]:
    """(cheap, costly) parts of a program: a top-level AND is split so that the keys
    answered by the view (and the columns, when loaded) run first, over every message."""
    parts = key.keys if isinstance(key, p.SearchAnd) else (key,)
    cheap = [part for part in parts if not _costly(part, columns)]
    costly = [part for part in parts if _costly(part, columns)]
    return _joined(cheap), _joined(costly)


def _joined(parts: list[p.SearchKey]) -> p.SearchKey | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else p.SearchAnd(tuple(parts))


def _costly(key: p.SearchKey, columns: bool) -> bool:
    need = Program.of(key)
    return need.details or (bool(need.columns) and not columns)


async def evaluate(
    mailstore: Mailstore,
    view: MailboxView,
    criteria: p.SearchKey,
    pairs: Sequence[Pair] | None = None,
) -> list[Pair]:
    """The (seq, uid) pairs among ``pairs`` that match, in the order given; ``pairs``
    None: every message of the view, and then what the full-text index settles is
    placed by UID (``_among``), with no walk over the mailbox for a rare word."""
    need = Program.of(criteria)
    matcher = Matcher(view)
    leaves = list(p.search_leaves(criteria))
    if any(isinstance(leaf, p.SearchDate) and leaf.saved for leaf in leaves):
        matcher.save_dates = await mailstore.save_dates(view.id)
    if any(isinstance(leaf, p.SearchObjectId) and leaf.kind == "EMAILID" for leaf in leaves):
        digests = await mailstore.digests(view.id)
        matcher.email_ids = {uid: email_id(digest) for uid, digest in digests.items()}
    count = len(view.uids) if pairs is None else len(pairs)
    bulk = bool(need.columns) and count >= BULK
    if bulk:
        await _bulk_columns(mailstore, view, matcher, sorted(need.columns))
    cheap, costly = _split(criteria, bulk)
    if cheap is not None:
        walked = _flag_walk(view, cheap, pairs)
        if walked is None:
            walked = _header_walk(view, matcher, cheap, pairs)
        pairs = walked if walked is not None else [
            (seq, uid)
            for seq, uid in _all(view, pairs)
            if matcher.matches(cheap, seq, MessageData(uid))
        ]  # fmt: skip
    if costly is None:
        return list(_all(view, pairs))
    settled, residual = await _narrow(mailstore, view, matcher, costly)
    if settled is None:
        return await _checked(mailstore, view, matcher, costly, _all(view, pairs))
    known = _among(view, pairs, settled.found)
    if residual is not None:
        known = await _checked(mailstore, view, matcher, residual, known)
    unsure = _among(view, pairs, settled.unsure)
    unsure = await _checked(mailstore, view, matcher, costly, unsure)
    return sorted(known + unsure)  # disjoint, each in message order


def _flag_walk(
    view: MailboxView, key: p.SearchKey, pairs: Sequence[Pair] | None
) -> list[Pair] | None:
    """A lone flag key over the whole mailbox (SEARCH FLAGGED, UNSEEN, KEYWORD k: what
    clients search most): each distinct flag set is tested once, then the shared index's
    flag-set ids are walked inside ``map`` and ``compress``, as ``_header_walk`` walks a
    column, with no Python code a message. Only when the
    view numbers by the index's own snapshot (its flags are the ones the Matcher would
    read); None otherwise, and the Matcher decides."""
    if pairs is not None or not isinstance(key, p.SearchFlag) or key.flag == "\\Recent":
        return None
    index = view.index
    if view.uids is not index.uids:
        return None
    wanted = key.flag.lower()
    holds = [_holds(flags, wanted) == key.present for flags in index.flag_sets.sets]
    return list(compress(enumerate(index.uids, 1), map(holds.__getitem__, index.flag_ids)))


def _header_walk(
    view: MailboxView, matcher: Matcher, key: p.SearchKey, pairs: Sequence[Pair] | None
) -> list[Pair] | None:
    """A lone FROM, TO, CC or SUBJECT key over the whole mailbox, its case-mapped column
    loaded (UID SEARCH FROM: what a client or the mixed load asks most after flags):
    the substring test of every message runs inside ``map`` and ``compress``, with no
    Python call a message. A message the column lacks does not match, as in the
    Matcher. None when the key is another, or the column was not loaded."""
    if pairs is not None or not isinstance(key, p.SearchHeader):
        return None
    column = _column_key(key)
    table = matcher.columns.get(column) if column is not None else None
    wanted = matcher.wanted(key.value)
    if table is None or not wanted:
        return None
    texts = map(table.get, view.uids, repeat(""))
    return list(compress(enumerate(view.uids, 1), map(contains, texts, repeat(wanted))))


def _holds(flags: frozenset[str], wanted: str) -> bool:
    """Whether a flag set holds ``wanted`` (in lower case): keywords are
    case-insensitive (RFC 3501 §2.3.2)."""
    return wanted in {flag.lower() for flag in flags}


#: Below one UID in this many of the view's, looking them up beats a walk over the view.
_LOOKUP_SHARE = 8


def _all(view: MailboxView, pairs: Sequence[Pair] | None) -> Sequence[Pair]:
    return list(enumerate(view.uids, 1)) if pairs is None else pairs


def _among(view: MailboxView, pairs: Sequence[Pair] | None, uids: frozenset[int]) -> list[Pair]:
    """The pairs whose UID is in ``uids``, in message order: when ``pairs`` is all of
    the view and ``uids`` few of it, each looked up (O(k log n) for k UIDs); else the
    pairs filtered (O(n)), cheaper once k is a good share of n."""
    if pairs is None and len(uids) * _LOOKUP_SHARE < len(view.uids):
        return [(seq, uid) for uid in sorted(uids) if (seq := view.seq(uid))]
    return [pair for pair in _all(view, pairs) if pair[1] in uids]


@dataclass(frozen=True, slots=True)
class _Settled:
    """What the full-text index settled for a program: the messages for which every
    BODY key holds (``found``), and those it could not rule out (``unsure``); a
    message in neither cannot match."""

    found: frozenset[int]
    unsure: frozenset[int]


async def _narrow(
    mailstore: Mailstore, view: MailboxView, matcher: Matcher, costly: p.SearchKey
) -> tuple[_Settled | None, p.SearchKey | None]:
    """Put the BODY and TEXT keys of a top-level AND to the full-text index: what it
    settled, and the rest of the program, still to be checked for the messages it
    found (None: nothing left). (None, costly) when there was nothing to ask."""
    parts = costly.keys if isinstance(costly, p.SearchAnd) else (costly,)
    found: frozenset[int] | None = None
    possible: frozenset[int] | None = None
    rest: list[p.SearchKey] = []
    for part in parts:
        if not (isinstance(part, p.SearchText) and part.value):
            rest.append(part)
            continue
        wanted = matcher.wanted(part.value)
        key = storable(wanted)
        matches = await mailstore.text_matches(view.id, key, header=part.where == "TEXT")
        hits = matches.found | matches.unsure
        possible = hits if possible is None else possible & hits
        if part.where == "BODY" and key == wanted and "\ufffd" not in key:
            found = matches.found if found is None else found & matches.found
        else:  # the store's answers are candidates: the message must be read
            rest.append(part)
    if possible is None:
        return None, costly
    certain = found if found is not None else frozenset()
    if found is None:  # no BODY key settled anything: every candidate is checked
        certain, rest = frozenset(), list(parts)
    return _Settled(certain & possible, possible - certain), _joined(rest)


async def _checked(
    mailstore: Mailstore,
    view: MailboxView,
    matcher: Matcher,
    key: p.SearchKey,
    pairs: Sequence[Pair],
) -> list[Pair]:
    """The pairs whose messages match ``key``, loaded in batches (read whole if it
    needs the raw message)."""
    full = Program.of(key)
    found: list[Pair] = []
    for batch in batches(view, pairs, BATCH, BODY_BYTES if full.raw else None):
        loaded = await _load(mailstore, view, [uid for _, uid in batch], full.raw)
        for seq, uid in batch:
            data = loaded.get(uid)
            if data is not None and matcher.matches(key, seq, data):
                found.append((seq, uid))
    return found


async def _bulk_columns(
    mailstore: Mailstore, view: MailboxView, matcher: Matcher, names: list[str]
) -> None:
    """The case-mapped columns of every message: from the mailbox's key cache
    (hato.imap.sort_cache, mapped once per snapshot) when the view is up to
    date, else from one `header_columns` query."""
    keys = await view_keys(mailstore, view, names)
    if keys is not None:
        for name in names:
            make = partial(_mapped_table, keys.uids, keys.column(name))
            matcher.columns[name] = keys.memoized(("search", name), make)
        return
    matcher.take_columns(names, await mailstore.header_columns(view.id, names))


def _mapped_table(uids: Sequence[int], values: Sequence[object]) -> dict[int, str]:
    return {
        uid: casemap(value) if isinstance(value, str) else ""
        for uid, value in zip(uids, values, strict=True)
    }


async def _load(
    mailstore: Mailstore, view: MailboxView, uids: list[int], raw: bool
) -> dict[int, MessageData]:
    found = {uid: MessageData(uid) for uid in uids}
    for details in await mailstore.message_details(view.id, uids):
        found[details.summary.uid].details = details
    if raw:
        for uid, content in (await mailstore.read_messages(view.id, uids)).items():
            found[uid].raw = content
    return {uid: data for uid, data in found.items() if data.details is not None}


def _day(stamp: int) -> date:
    return datetime.fromtimestamp(stamp, UTC).date()


def _compare(op: str, day: date, wanted: date) -> bool:
    if op == "BEFORE":
        return day < wanted
    if op == "ON":
        return day == wanted
    return day >= wanted


#: Matcher's method for each kind of key, looked up once a kind (not once a message).
_METHODS: dict[type, Callable[..., object]] = {}


class Matcher:
    """Evaluates one program against messages of one view."""

    def __init__(self, view: MailboxView) -> None:
        self.view = view
        self.now = time.time()
        self.largest_uid = view.uids[-1] if view.uids else 0
        self.saved = frozenset(view.saved_uids)
        self.save_dates: dict[int, int] = {}  # uid -> save date, for SAVED* keys
        self.email_ids: dict[int, str] = {}  # uid -> EMAILID, for EMAILID keys
        # HeaderColumns field -> uid -> case-mapped value (when loaded in bulk)
        self.columns: dict[str, dict[int, str]] = {}
        # the program's strings, case-mapped once for this search: a cache shared by
        # every search would keep clients' strings, and thrash past its size
        self._wanted: dict[str, str] = {}
        # (flag in lower case, a message's interned flag set) -> whether the set holds it:
        # a mailbox has few distinct flag sets, so a flag key costs a lookup a message
        self._holds: dict[tuple[str, frozenset[str]], bool] = {}

    def wanted(self, value: str) -> str:
        """A search string of the program, case-mapped."""
        mapped = self._wanted.get(value)
        if mapped is None:
            mapped = self._wanted[value] = casemap(value)
        return mapped

    def take_columns(self, names: Sequence[str], rows: Iterable[tuple[object, ...]]) -> None:
        """Keep `header_columns` rows, case-mapped once for the whole search."""
        tables: list[dict[int, str]] = [{} for _ in names]
        for row in rows:
            uid = int(row[0])  # type: ignore[call-overload]
            for table, value in zip(tables, row[1:], strict=True):
                table[uid] = casemap(value) if isinstance(value, str) else ""
        self.columns.update(zip(names, tables, strict=True))

    def matches(self, key: p.SearchKey, seq: int, data: MessageData) -> bool:
        method = _METHODS.get(type(key))
        if method is None:
            method = _METHODS[type(key)] = getattr(Matcher, "_" + type(key).__name__)
        return bool(method(self, key, seq, data))

    def _SearchAll(self, key: p.SearchAll, seq: int, data: MessageData) -> bool:
        return True

    def _SearchFlag(self, key: p.SearchFlag, seq: int, data: MessageData) -> bool:
        if key.flag == "\\Recent":
            return self.view.is_recent(data.uid) == key.present
        flags = self.view.flag_set(data.uid)
        wanted = key.flag.lower()
        holds = self._holds.get((wanted, flags))
        if holds is None:
            holds = self._holds[wanted, flags] = _holds(flags, wanted)
        return holds == key.present

    def _SearchSize(self, key: p.SearchSize, seq: int, data: MessageData) -> bool:
        size = self.view.summary(data.uid).size
        return size > key.size if key.op == "LARGER" else size < key.size

    def _SearchDate(self, key: p.SearchDate, seq: int, data: MessageData) -> bool:
        if key.saved:  # RFC 8514 §4.1: a message saved during the search is saved today
            saved = self.save_dates.get(data.uid, int(self.now))
            return _compare(key.op, _day(saved), key.day)
        if not key.sent:
            return _compare(key.op, _day(self.view.summary(data.uid).internal_date), key.day)
        sent = _sent_day(data.envelope.date) if data.details is not None else None
        return sent is not None and _compare(key.op, sent, key.day)

    def _SearchObjectId(self, key: p.SearchObjectId, seq: int, data: MessageData) -> bool:
        """RFC 8474 §6: the message whose EMAILID is the one given; THREADID, which is
        NIL for every message here, matches none."""
        return key.kind == "EMAILID" and self.email_ids.get(data.uid) == key.value

    def _SearchAge(self, key: p.SearchAge, seq: int, data: MessageData) -> bool:
        """RFC 5032 §3: OLDER n is INTERNALDATE at least n seconds ago, YOUNGER n
        less than n seconds ago (so OLDER n and YOUNGER n never overlap)."""
        age = self.now - self.view.summary(data.uid).internal_date
        return age >= key.seconds if key.op == "OLDER" else age < key.seconds

    def _SearchSequence(self, key: p.SearchSequence, seq: int, data: MessageData) -> bool:
        if key.sequence_set.saved:  # RFC 5182 §2.1: "$", the same messages either way
            return data.uid in self.saved
        if key.uid:
            return key.sequence_set.contains(data.uid, self.largest_uid)
        return key.sequence_set.contains(seq, self.view.count)

    def _SearchModSeq(self, key: p.SearchModSeq, seq: int, data: MessageData) -> bool:
        return self.view.summary(data.uid).modseq >= key.modseq

    def _SearchNot(self, key: p.SearchNot, seq: int, data: MessageData) -> bool:
        return not self.matches(key.key, seq, data)

    def _SearchOr(self, key: p.SearchOr, seq: int, data: MessageData) -> bool:
        return self.matches(key.left, seq, data) or self.matches(key.right, seq, data)

    def _SearchAnd(self, key: p.SearchAnd, seq: int, data: MessageData) -> bool:
        return all(self.matches(k, seq, data) for k in key.keys)

    def _SearchHeader(self, key: p.SearchHeader, seq: int, data: MessageData) -> bool:
        column = _column_key(key)
        if column is not None:
            text = self._column(column, data)
            return text is not None and self.wanted(key.value) in text
        if data.raw is None:
            return False
        header = data.raw[: data.info.root.body_offset]
        lines = header_fields(header, (key.field,)).rstrip(b"\r\n")
        if not lines:
            return False
        if not key.value:
            return True
        values = [_field_value(line) for line in lines.split(b"\r\n") if line[:1] not in b" \t"]
        wanted = self.wanted(key.value)
        if any(wanted in value for value in values) or wanted in _field_value(lines):
            return True
        addresses = _ADDRESS_FIELDS.get(key.field)
        return addresses is not None and wanted in _addresses(addresses(data))

    def _column(self, name: str, data: MessageData) -> str | None:
        """A decoded header column, case-mapped: from the bulk query, else the message."""
        table = self.columns.get(name)
        if table is not None and data.uid in table:
            return table[data.uid]
        if data.details is None:
            return None
        value = getattr(data.info.columns, name)
        return casemap(value) if value else ""

    def _SearchText(self, key: p.SearchText, seq: int, data: MessageData) -> bool:
        if data.raw is None:
            return False
        if not key.value:
            return True
        wanted = self.wanted(key.value)
        chunks = decoded_text(data.raw, data.info, header=key.where == "TEXT")
        return any(wanted in casemap(chunk) for chunk in chunks)


_ADDRESS_FIELDS = {
    "FROM": lambda data: data.envelope.from_,
    "TO": lambda data: data.envelope.to,
    "CC": lambda data: data.envelope.cc,
    "BCC": lambda data: data.envelope.bcc,
}


def _sent_day(value: str | None) -> date | None:
    """RFC 3501 §6.4.4 SENT*: the Date field's date, in its own time zone."""
    parsed = email.utils.parsedate_tz(value) if value else None
    if parsed is None:
        return None
    try:
        return date(parsed[0], parsed[1], parsed[2])
    except ValueError:
        return None


def _addresses(addresses: tuple[Address, ...]) -> str:
    """Parsed addresses as `name <mailbox@host>`: comments and spacing gone."""
    out = []
    for name, _adl, mailbox, host in addresses:
        spec = mailbox if host is None else f"{mailbox}@{host}"
        out.append(f"{decode_words(name)} <{spec}>" if name else (spec or ""))
    return casemap(", ".join(out))


def _field_value(line: bytes) -> str:
    _, _, value = line.partition(b":")
    text = value.decode("utf-8", "replace").replace("\r\n", "").strip()
    return casemap(decode_words(text))
