"""Evaluating SEARCH keys (RFC 3501 §6.4.4) over the session's view, in memory.

Keys about flags, sizes, dates, UIDs and sequence numbers need only the
view; HEADER, FROM/TO/CC/BCC/SUBJECT, BODY and TEXT need the message itself
and SENT* its parsed Date (the caller loads those in batches, only when the
program has such a key).  Strings match as case-insensitive substrings of
the decoded header values or of the text (RFC 3501: "case-insensitive"); BODY
and TEXT match the text parts with their transfer encoding and charset undone
(hato.imap.search_text).
"""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, date, datetime

from hato.imap.fetch_items import MessageData
from hato.imap.search_text import decoded_text
from hato.imap.view import MailboxView
from hato.mime import Address, decode_words, header_fields
from hato.proto import imap as p

__all__ = ["Matcher", "needs_message"]


def needs_message(key: p.SearchKey) -> bool:
    """True if any part of the program looks into the message or its Date."""
    if isinstance(key, p.SearchHeader | p.SearchText):
        return True
    if isinstance(key, p.SearchDate):
        return key.sent
    if isinstance(key, p.SearchNot):
        return needs_message(key.key)
    if isinstance(key, p.SearchOr):
        return needs_message(key.left) or needs_message(key.right)
    if isinstance(key, p.SearchAnd):
        return any(needs_message(k) for k in key.keys)
    return False


def _day(stamp: int) -> date:
    return datetime.fromtimestamp(stamp, UTC).date()


def _compare(op: str, day: date, wanted: date) -> bool:
    if op == "BEFORE":
        return day < wanted
    if op == "ON":
        return day == wanted
    return day >= wanted


class Matcher:
    """Evaluates one program against messages of one view."""

    def __init__(self, view: MailboxView) -> None:
        self.view = view
        self.now = time.time()
        self.largest_uid = view.uids[-1] if view.uids else 0

    def matches(self, key: p.SearchKey, seq: int, data: MessageData) -> bool:
        method = getattr(self, "_" + type(key).__name__)
        return bool(method(key, seq, data))

    def _SearchAll(self, key: p.SearchAll, seq: int, data: MessageData) -> bool:
        return True

    def _SearchFlag(self, key: p.SearchFlag, seq: int, data: MessageData) -> bool:
        if key.flag == "\\Recent":
            return self.view.is_recent(data.uid) == key.present
        flags = {flag.lower() for flag in self.view.summary(data.uid).flags}
        return (key.flag.lower() in flags) == key.present

    def _SearchSize(self, key: p.SearchSize, seq: int, data: MessageData) -> bool:
        size = self.view.summary(data.uid).size
        return size > key.size if key.op == "LARGER" else size < key.size

    def _SearchDate(self, key: p.SearchDate, seq: int, data: MessageData) -> bool:
        if not key.sent:
            return _compare(key.op, _day(self.view.summary(data.uid).internal_date), key.day)
        sent = _sent_day(data.info.envelope.date) if data.details is not None else None
        return sent is not None and _compare(key.op, sent, key.day)

    def _SearchAge(self, key: p.SearchAge, seq: int, data: MessageData) -> bool:
        age = self.now - self.view.summary(data.uid).internal_date
        return age >= key.seconds if key.op == "OLDER" else age < key.seconds

    def _SearchSequence(self, key: p.SearchSequence, seq: int, data: MessageData) -> bool:
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
        if data.raw is None:
            return False
        header = data.raw[: data.info.root.body_offset]
        lines = header_fields(header, (key.field,)).rstrip(b"\r\n")
        if not lines:
            return False
        if not key.value:
            return True
        values = [_field_value(line) for line in lines.split(b"\r\n") if line[:1] not in b" \t"]
        wanted = key.value.casefold()
        if any(wanted in value for value in values) or wanted in _field_value(lines):
            return True
        addresses = _ADDRESS_FIELDS.get(key.field)
        return addresses is not None and wanted in _addresses(addresses(data))

    def _SearchText(self, key: p.SearchText, seq: int, data: MessageData) -> bool:
        if data.raw is None:
            return False
        wanted = key.value.casefold()
        if not wanted:
            return True
        chunks = decoded_text(data.raw, data.info, header=key.where == "TEXT")
        return any(wanted in chunk.casefold() for chunk in chunks)


_ADDRESS_FIELDS = {
    "FROM": lambda data: data.info.envelope.from_,
    "TO": lambda data: data.info.envelope.to,
    "CC": lambda data: data.info.envelope.cc,
    "BCC": lambda data: data.info.envelope.bcc,
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
    return ", ".join(out).casefold()


def _field_value(line: bytes) -> str:
    _, _, value = line.partition(b":")
    text = value.decode("utf-8", "replace").replace("\r\n", "").strip()
    return decode_words(text).casefold()
