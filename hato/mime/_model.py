"""The parsed form of a message: frozen, slotted dataclasses, JSON round-trippable.

The JSON is positional (lists, not objects) because it is stored for every message; the
field order of each dataclass is the list order, and decoding checks nothing beyond shape.
Header strings are kept as ``str`` decoded from UTF-8 with ``surrogateescape``, so 8-bit
header bytes survive; the JSON escapes them (``ensure_ascii``), which keeps it lossless.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from types import MappingProxyType
from typing import Any

# (name, adl, mailbox, host) as in RFC 3501 §7.4.2; a group start is
# (None, None, group-name, None) and a group end (None, None, None, None).
Address = tuple[str | None, str | None, str | None, str | None]
Params = tuple[tuple[str, str], ...]
_COLUMN = "column"  # the metadata key of a HeaderColumns field: its stored column


@dataclass(frozen=True, slots=True)
class Envelope:
    """RFC 3501 §7.4.2 ENVELOPE: raw unfolded header values, parsed address lists.

    ``sender`` and ``reply_to`` already default to ``from_``; an empty tuple is NIL.
    """

    date: str | None = None
    subject: str | None = None
    from_: tuple[Address, ...] = ()
    sender: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    in_reply_to: str | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class BodyPart:
    """One MIME entity (RFC 2045/2046) with byte offsets into the raw message.

    The header is ``raw[header_offset:body_offset]`` (blank line included, if any), the
    body ``raw[body_offset:body_end]``. ``size`` is the body in octets with bare LFs
    counted as CRLF, ``lines`` its LF count. A message/rfc822 part has exactly one child,
    the embedded message's top-level entity, and ``envelope`` is that message's envelope.
    """

    header_offset: int
    body_offset: int
    body_end: int
    type: str = "text"
    subtype: str = "plain"
    params: Params = ()
    id: str | None = None
    description: str | None = None
    encoding: str | None = None
    size: int = 0
    lines: int = 0
    md5: str | None = None
    disposition: str | None = None
    disposition_params: Params = ()
    language: tuple[str, ...] = ()
    location: str | None = None
    boundary: str | None = None
    children: tuple[BodyPart, ...] = ()
    envelope: Envelope | None = None

    @property
    def is_multipart(self) -> bool:
        return self.type == "multipart"

    @property
    def is_message(self) -> bool:
        return self.type == "message" and self.subtype == "rfc822"


@dataclass(frozen=True, slots=True)
class HeaderColumns:
    """Header values for SEARCH, SORT (RFC 5256, RFC 5957) and THREAD, as the store keeps them.

    ``subject``/``from_``/``to``/``cc`` are RFC 2047-decoded for substring search. The
    ``sort_*`` keys are mapped as i;unicode-casemap does (RFC 5051: upper case, NFKD), so
    a store can ORDER BY them with a plain binary collation: ``sort_subject`` is the base
    subject (RFC 5256 §2.1), ``sort_from``/``sort_to``/``sort_cc`` the first address's
    mailbox (RFC 5256 §3),
    ``sort_display_from``/``sort_display_to`` the display name or else the address
    (RFC 5957 §3). ``sent_date`` is the Date header as a UTC epoch, None if missing or
    invalid. ``message_id`` and ``in_reply_to`` are the first msg-id of their field, ""
    if none; ``references`` the References msg-ids joined by single spaces.

    This is the one list of stored header columns: each field names the column that
    keeps it (``COLUMN_OF``), and the store's insert, the names ``header_columns``
    accepts and the keys SORT, THREAD and SEARCH read all follow from it.
    """

    subject: str = field(default="", metadata={_COLUMN: "subject"})
    base_subject: str = field(default="", metadata={_COLUMN: "base_subject"})
    from_: str = field(default="", metadata={_COLUMN: "from_addr"})
    to: str = field(default="", metadata={_COLUMN: "to_addr"})
    cc: str = field(default="", metadata={_COLUMN: "cc_addr"})
    sort_subject: str = field(default="", metadata={_COLUMN: "sort_subject"})
    sort_from: str = field(default="", metadata={_COLUMN: "sort_from"})
    sort_to: str = field(default="", metadata={_COLUMN: "sort_to"})
    sort_cc: str = field(default="", metadata={_COLUMN: "sort_cc"})
    sort_display_from: str = field(default="", metadata={_COLUMN: "sort_display_from"})
    sort_display_to: str = field(default="", metadata={_COLUMN: "sort_display_to"})
    sent_date: int | None = field(default=None, metadata={_COLUMN: "sent_date"})
    message_id: str = field(default="", metadata={_COLUMN: "message_id"})
    in_reply_to: str = field(default="", metadata={_COLUMN: "in_reply_to"})
    references: str = field(default="", metadata={_COLUMN: "refs"})

    def values(self) -> tuple[str | int | None, ...]:
        """The field values in field order (the order of ``COLUMN_OF``)."""
        return tuple(getattr(self, name) for name in COLUMN_OF)


def stored_columns(record: type[HeaderColumns]) -> Mapping[str, str]:
    """Each field of ``record``, in order, and the stored column its metadata names;
    a field that names none is refused (TypeError) when the module loads, not at the
    first insert."""
    missing = [f.name for f in dataclass_fields(record) if _COLUMN not in f.metadata]
    if missing:
        raise TypeError(f"{record.__name__} fields without a stored column: {missing}")
    return MappingProxyType({f.name: f.metadata[_COLUMN] for f in dataclass_fields(record)})


#: Each ``HeaderColumns`` field, in order, and the stored column that keeps it.
COLUMN_OF = stored_columns(HeaderColumns)


@dataclass(frozen=True, slots=True)
class MessageInfo:
    """Everything IMAP needs from one message, computed once at delivery."""

    size: int
    root: BodyPart
    envelope: Envelope
    columns: HeaderColumns

    def to_json(self) -> str:
        """Compact positional JSON (see module docstring)."""
        data = [self.size, _part_out(self.root), _env_out(self.envelope), _cols_out(self.columns)]
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, prefix: int = 0) -> MessageInfo:
        """The info ``to_json`` gave ``text`` for; with ``prefix``, that of the message
        behind a trace prefix of that many octets (Return-Path, Delivered-To, Received
        ...), which the store keeps apart from the shared body: the prefix joins the
        top-level header, which still starts at 0, and every other offset moves by it,
        as it is decoded (no second pass over the parts)."""
        size, root, env, cols = json.loads(text)
        return cls(size + prefix, _part_in(root, prefix, 0), _env_in(env), _cols_in(cols))

    @staticmethod
    def ascii_json(text: str) -> bool:
        """Whether the info ``to_json`` gave ``text`` for surely holds only ASCII text:
        its JSON escapes every other character (``\\uXXXX``), so a text without such an
        escape holds none (one with one may: a backslash before a ``u`` looks the same)."""
        return "\\u" not in text

    @staticmethod
    def envelope_from_json(text: str) -> Envelope:
        """Only the envelope of the info ``to_json`` gave ``text`` for (FETCH ENVELOPE
        and SEARCH's address keys need no parts, which are most of the decoding)."""
        return _env_in(json.loads(text)[2])


def _addrs_out(addrs: tuple[Address, ...]) -> list[list[str | None]]:
    return [list(a) for a in addrs]


def _addrs_in(data: list[list[str | None]]) -> tuple[Address, ...]:
    return tuple((a[0], a[1], a[2], a[3]) for a in data)


def _env_out(env: Envelope) -> list[Any]:
    # Sender and Reply-To usually equal From: store them as null then.
    sender = None if env.sender == env.from_ else _addrs_out(env.sender)
    reply_to = None if env.reply_to == env.from_ else _addrs_out(env.reply_to)
    return [
        env.date,
        env.subject,
        _addrs_out(env.from_),
        sender,
        reply_to,
        _addrs_out(env.to),
        _addrs_out(env.cc),
        _addrs_out(env.bcc),
        env.in_reply_to,
        env.message_id,
    ]


def _env_in(data: list[Any]) -> Envelope:
    from_ = _addrs_in(data[2])
    sender = from_ if data[3] is None else _addrs_in(data[3])
    reply_to = from_ if data[4] is None else _addrs_in(data[4])
    to, cc, bcc = (_addrs_in(data[i]) for i in (5, 6, 7))
    return Envelope(data[0], data[1], from_, sender, reply_to, to, cc, bcc, data[8], data[9])


# A part's list ends at its last non-default field; these are the defaults to restore.
_PART_DEFAULTS: list[Any] = [0, 0, 0, "text", "plain", [], None, None, None, 0, 0, None, None]
_PART_DEFAULTS += [[], [], None, None, [], None]


def _part_out(part: BodyPart) -> list[Any]:
    out = _part_fields(part)
    while len(out) > 3 and out[-1] == _PART_DEFAULTS[len(out) - 1]:
        out.pop()
    return out


def _part_fields(part: BodyPart) -> list[Any]:
    return [
        part.header_offset,
        part.body_offset,
        part.body_end,
        part.type,
        part.subtype,
        [list(p) for p in part.params],
        part.id,
        part.description,
        part.encoding,
        part.size,
        part.lines,
        part.md5,
        part.disposition,
        [list(p) for p in part.disposition_params],
        list(part.language),
        part.location,
        part.boundary,
        [_part_out(c) for c in part.children],
        None if part.envelope is None else _env_out(part.envelope),
    ]


def _params_in(data: list[list[str]]) -> Params:
    return tuple((p[0], p[1]) for p in data)


def _part_in(d: list[Any], delta: int = 0, start: int | None = None) -> BodyPart:
    """A part from its list, its offsets moved by ``delta`` (its header's start set to
    ``start`` if given: the top-level header, which a prefix joins)."""
    d = d + _PART_DEFAULTS[len(d) :]
    return BodyPart(
        header_offset=d[0] + delta if start is None else start,
        body_offset=d[1] + delta,
        body_end=d[2] + delta,
        type=d[3],
        subtype=d[4],
        params=_params_in(d[5]),
        id=d[6],
        description=d[7],
        encoding=d[8],
        size=d[9],
        lines=d[10],
        md5=d[11],
        disposition=d[12],
        disposition_params=_params_in(d[13]),
        language=tuple(d[14]),
        location=d[15],
        boundary=d[16],
        children=tuple(_part_in(c, delta) for c in d[17]),
        envelope=None if d[18] is None else _env_in(d[18]),
    )


def _cols_out(cols: HeaderColumns) -> list[Any]:
    return list(cols.values())


def _cols_in(data: list[Any]) -> HeaderColumns:
    values = dict(zip(COLUMN_OF, data, strict=True))
    # Bodies stored before the record was one: ids were null when absent, references a list.
    for name in ("message_id", "in_reply_to"):
        values[name] = values[name] or ""
    if isinstance(values["references"], list):
        values["references"] = " ".join(values["references"])
    return HeaderColumns(**values)
