"""FETCH answered from what the store kept (RFC 3501 §6.4.5, §7.4.2).

What a client asks of mail new to it is the same for every message, and mostly the same
from one client to the next: Thunderbird's ``(UID RFC822.SIZE FLAGS
BODY.PEEK[HEADER.FIELDS (From To Cc ...)])``, Apple Mail's and most mobile clients'
``(UID RFC822.SIZE FLAGS ENVELOPE BODYSTRUCTURE)``. The store keeps such answers the first
time a FETCH makes them (ENVELOPE and BODYSTRUCTURE a body's, hato.imap.fetch_items; a
list of header fields a message's, ``fields_key``), as Dovecot keeps them in its cache
file. A FETCH that asks only for the view's numbers (UID, FLAGS, RFC822.SIZE, MODSEQ) and
for such answers (``kept_plan``) is then answered a batch at a time from one store
statement that reads neither bodies nor parsed structures: each line the view's part
(hato.imap.fetch_quick) and the kept bytes, one %-format. A batch in which a message kept
not all it needs is answered the general way (hato.imap.commands.fetch), which keeps
them for the next time.

Header fields are kept only for a message whose top-level header is ASCII (``keepable``):
a client without UTF8=ACCEPT is shown the same octets then (RFC 6855 §7 downgrades only
fields with UTF-8 in them), and RFC822.SIZE is the stored one for every session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hato.imap.fetch_quick import QUICK_ITEMS, quick_lines
from hato.imap.view import MailboxView
from hato.mime import may_downgrade
from hato.proto.imap import FetchAttr

__all__ = ["MAX_KEPT", "MAX_KEY", "KeptPlan", "fields_key", "keepable", "kept_answer", "kept_plan"]

_FIELD_LISTS = ("HEADER.FIELDS", "HEADER.FIELDS.NOT")
#: The longest key a list of header fields is kept under (a longer list is picked anew).
MAX_KEY = 512
#: The most octets of header fields kept for one message and list.
MAX_KEPT = 64 * 1024
_ENVELOPE, _BODYSTRUCTURE, _FIELDS = 1, 2, 3  # columns of a kept row (hato.store.sql.kept)


def fields_key(item: FetchAttr) -> str | None:
    """The key under which the answers to ``item`` are kept, if it is a top-level
    ``BODY[HEADER.FIELDS (names)]`` or ``.NOT`` without a partial range: the names
    lowered (as ``hato.mime.header_fields`` compares them), once each, sorted, joined by
    spaces, "NOT " first for .NOT; the answer depends on nothing else. None for any other
    item, and for a list with a name that is not printable ASCII without spaces, or one
    longer than ``MAX_KEY``."""
    section = item.section
    if (
        item.name != "BODY"
        or section is None
        or section.part
        or section.text not in _FIELD_LISTS
        or item.partial is not None
    ):
        return None
    names = sorted({name.lower() for name in section.fields})
    if not all(name.isascii() and name.isprintable() and " " not in name for name in names):
        return None
    key = ("NOT " if section.text == "HEADER.FIELDS.NOT" else "") + " ".join(names)
    return key if len(key) <= MAX_KEY else None


def keepable(raw: bytes, fields: bytes) -> bool:
    """Whether header fields picked of the stored octets ``raw`` may be kept: the
    top-level header is ASCII (no session is shown it downgraded), the fields hold no
    NUL (a literal shows it as 0x80) and come to at most ``MAX_KEPT`` octets (a message
    whose header is megabytes is not kept again and again, once a list)."""
    return len(fields) <= MAX_KEPT and not may_downgrade(raw) and b"\x00" not in fields


@dataclass(frozen=True, slots=True)
class KeptPlan:
    """How a FETCH is answered from kept answers: ``quick``, the view's items, lead each
    line (their order is ``order_items``'s), then the kept ones, taken from the columns
    ``columns`` of a kept row with the %-template ``tail``; ``names``, the key of the list
    of header fields asked, if one is."""

    quick: list[FetchAttr]
    columns: tuple[int, ...]
    tail: bytes
    names: str | None

    @property
    def answers(self) -> bool:
        """Whether the plan takes a kept ENVELOPE or BODYSTRUCTURE (the store reads them
        only if asked)."""
        return _ENVELOPE in self.columns or _BODYSTRUCTURE in self.columns


def kept_plan(items: Sequence[FetchAttr]) -> KeptPlan | None:
    """The plan for ``items`` (ordered, hato.imap.fetch_items.order_items), None unless
    each is one of the view's numbers, ENVELOPE, BODYSTRUCTURE, or a list of header
    fields kept under a key (one at most)."""
    quick: list[FetchAttr] = []
    columns: list[int] = []
    pieces: list[bytes] = []
    names = None
    for item in items:
        if item.name in QUICK_ITEMS and item.section is None:
            quick.append(item)
        elif item.name in ("ENVELOPE", "BODYSTRUCTURE") and item.section is None:
            columns.append(_ENVELOPE if item.name == "ENVELOPE" else _BODYSTRUCTURE)
            pieces.append(item.name.encode() + b" %s")
        else:
            key = fields_key(item)
            if key is None or names is not None:
                return None
            names = key
            columns.append(_FIELDS)
            key_bytes = item.response_key().encode().replace(b"%", b"%%")  # a name may hold "%"
            pieces.append(key_bytes + b" {%d}\r\n%s")
    if not columns:
        return None
    tail = (b"%s " if quick else b"%s") + b" ".join(pieces) + b")\r\n"
    return KeptPlan(quick, tuple(columns), tail, names)


def kept_answer(
    view: MailboxView,
    batch: Sequence[tuple[int, int]],
    plan: KeptPlan,
    rows: Sequence[tuple[int, str | None, str | None, bytes | None]],
) -> tuple[list[bytes], bool] | None:
    """The lines of ``batch`` (seq, UID) from the kept ``rows`` (Mailstore.kept_answers),
    and whether a message of it was gone; None if a message kept not all the plan needs.
    Made without awaiting: the view's part follows the index's current snapshot."""
    by_uid = {row[0]: row for row in rows}
    lines: list[bytes] = []
    missing = False
    tail, columns = plan.tail, plan.columns
    for (_, uid), line in zip(batch, quick_lines(view, batch, plan.quick), strict=True):
        row = by_uid.get(uid)
        if line is None or row is None:
            missing = True
            continue
        values: list[int | bytes] = [line[:-3]]  # "* n FETCH (...", without ")\r\n"
        for column in columns:
            value = row[column]
            if value is None:
                return None
            if column == _FIELDS:
                values += (len(value), value)  # type: ignore[arg-type]
            else:
                values.append(value.encode())  # type: ignore[union-attr]
        lines.append(tail % tuple(values))
    return lines, missing
