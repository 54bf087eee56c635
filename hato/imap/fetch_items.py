"""The value of each FETCH item for one message (RFC 3501 §6.4.5, §7.4.2).

Items answered from the session's view ("buffered" in Dovecot's words:
FLAGS, UID, RFC822.SIZE, INTERNALDATE, MODSEQ) come first, in the order asked;
then ENVELOPE, BODY, BODYSTRUCTURE and body sections, in the order asked.
That is the order of Dovecot's answers in the reference transcript.
BINARY[] and BINARY.SIZE[] (RFC 3516 §4.2) are a part's body with its content transfer
encoding undone; an encoding that cannot be undone fails the FETCH with
`NO [UNKNOWN-CTE]`.

ENVELOPE and BODYSTRUCTURE made of the stored octets are the same for every session when
they are ASCII (RFC 2047's encoded words are; a header in UTF-8, RFC 6532, is not, and a
client without UTF8=ACCEPT is shown such a message downgraded): a body keeps such answers
as IMAP sent them (``Mailstore.keep_imap_answers``, as Dovecot's cache file does), and a
FETCH copies them instead of decoding the structure and encoding it again.
``MessageData.made`` holds those a FETCH made, for it to keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from hato.imap.objectid import email_id
from hato.imap.reply import no
from hato.imap.view import MailboxView
from hato.mime import (
    Envelope,
    MessageInfo,
    as_legacy,
    binary_section,
    bodystructure_sexp,
    envelope_sexp,
    has_utf8,
    parse_message,
    section_bytes,
)
from hato.proto.imap import (
    Atom,
    FetchAttr,
    Literal,
    Raw,
    Value,
    encode,
    encode_flags,
    format_date_time,
)
from hato.store import MessageDetails

__all__ = ["FROM_VIEW", "MessageData", "item_value", "order_items", "section_content"]

FROM_VIEW = frozenset({"FLAGS", "UID", "RFC822.SIZE", "INTERNALDATE", "MODSEQ"})
_NEED_STRUCTURE = frozenset({"ENVELOPE", "BODYSTRUCTURE", "BODY"})
_NEED_BODY = frozenset({"RFC822", "RFC822.HEADER", "RFC822.TEXT"})


def needs_details(items: tuple[FetchAttr, ...]) -> bool:
    """The cached structure is needed for ENVELOPE, BODY[STRUCTURE] and a part's section:
    the whole message's (BODY[], BODY[HEADER.FIELDS (...)], RFC822.HEADER) need none
    (``hato.mime.section_bytes``)."""
    return any(
        (item.name in _NEED_STRUCTURE and item.section is None) or _structured(item)
        for item in items
    )


def _structured(item: FetchAttr) -> bool:
    section = item.section
    return section is not None and bool(section.part)


def needs_body(items: tuple[FetchAttr, ...]) -> bool:
    return any(item.name in _NEED_BODY or item.section is not None for item in items)


def order_items(
    items: tuple[FetchAttr, ...], implicit_flags: bool, implicit_modseq: bool = False
) -> list[FetchAttr]:
    """Buffered items first (with FLAGS added when BODY[] just set \\Seen, and MODSEQ
    too once CONDSTORE is on, RFC 7162 §3.1.2), then the rest."""
    quick = [item for item in items if item.name in FROM_VIEW and item.section is None]
    names = {item.name for item in quick}
    if implicit_flags and "FLAGS" not in names:
        quick.append(FetchAttr("FLAGS"))
    if implicit_flags and implicit_modseq and "MODSEQ" not in names:
        quick.append(FetchAttr("MODSEQ"))
    return quick + [item for item in items if item not in quick]


@dataclass(slots=True)
class MessageData:
    """What one message's items are made of; `info` is parsed on first use."""

    uid: int
    details: MessageDetails | None = None
    raw: bytes | None = None
    zone: int = 0  # INTERNALDATE's zone, minutes east of UTC (RFC 3501 §2.3.3)
    preview: str | None = None  # PREVIEW (RFC 8970): the snippet kept at delivery
    saved: int | None = None  # SAVEDATE (RFC 8514): when it was saved to the mailbox
    digest: bytes = b""  # EMAILID (RFC 8474 §5.1): the content digest it is made of
    size: int | None = None  # RFC822.SIZE of the octets shown, when not the stored ones
    _info: MessageInfo | None = None
    _envelope: Envelope | None = None  # decoded alone, when no more of ``info`` was needed
    made: dict[str, str] | None = None  # ENVELOPE, BODYSTRUCTURE made here, to be kept

    def show_legacy(self) -> None:
        """Show the message as a client without UTF-8 sees it (``hato.mime.as_legacy``):
        every item, RFC822.SIZE included, is then made of the downgraded octets."""
        if self.raw is None:
            return
        shown = as_legacy(self.raw)
        if shown is not self.raw:
            self.raw, self.size, self._info = shown, len(shown), parse_message(shown)

    @property
    def info(self) -> MessageInfo:
        if self._info is None:
            assert self.details is not None
            details = self.details
            self._info = MessageInfo.from_json(details.structure_json, len(details.prefix))
        return self._info

    def envelope_has_utf8(self) -> bool:
        """Whether the ENVELOPE holds UTF-8 (``hato.mime.has_utf8``), decoded only if
        nothing kept tells: a kept ENVELOPE is ASCII, and so is a stored structure
        without a JSON escape (most mail's)."""
        details = self.details
        if self._info is None and details is not None:
            if details.envelope_imap is not None:
                return False
            if MessageInfo.ascii_json(details.structure_json):
                return False
        return has_utf8(self.envelope)

    def kept_or_made(self, name: str) -> Value:
        """ENVELOPE or BODYSTRUCTURE: as the body kept it, else made, encoded here and,
        if ASCII, noted in ``made`` for the body to keep. Neither for octets shown
        downgraded (``show_legacy``): those answers are the session's own."""
        details, shown_as_stored = self.details, self.size is None
        if details is not None and shown_as_stored:
            kept = details.envelope_imap if name == "ENVELOPE" else details.bodystructure_imap
            if kept is not None:
                return Raw(kept.encode())
        if name == "ENVELOPE":
            answer: Value = envelope_sexp(self.envelope)
        else:
            answer = bodystructure_sexp(self.info, True)
        if details is None or not shown_as_stored:
            return answer
        encoded = encode(answer)
        if not encoded.isascii():  # UTF-8 in it: another session's differs (RFC 6855)
            return Raw(encoded)
        if self.made is None:
            self.made = {}
        self.made[name] = encoded.decode("ascii")
        return Raw(encoded)

    @property
    def envelope(self) -> Envelope:
        """``info.envelope``, without decoding the rest of ``info`` if it was not yet."""
        if self._info is not None:
            return self._info.envelope
        if self._envelope is None:
            assert self.details is not None
            self._envelope = MessageInfo.envelope_from_json(self.details.structure_json)
        return self._envelope


def item_value(item: FetchAttr, data: MessageData, view: MailboxView) -> Value:
    name = item.name
    if name == "FLAGS":
        return Raw(encode_flags(view.flags(data.uid)))
    if name == "UID":
        return data.uid
    if name == "RFC822.SIZE":
        return view.size(data.uid) if data.size is None else data.size
    if name == "INTERNALDATE":
        return _date_time(view.summary(data.uid).internal_date, data.zone)
    if name == "MODSEQ":
        return Raw(b"(%d)" % view.summary(data.uid).modseq)
    if name == "ENVELOPE" or (name == "BODYSTRUCTURE" and item.section is None):
        return data.kept_or_made(name)
    if name == "BODY" and item.section is None:
        return bodystructure_sexp(data.info, False)
    if name == "SAVEDATE":  # RFC 8514 §5: a date-time, in UTC
        return None if data.saved is None else _date_time(data.saved, 0)
    if name == "EMAILID":  # RFC 8474 §5.1, §7: "(" objectid ")"
        return [Atom(email_id(data.digest))]
    if name == "THREADID":  # RFC 8474 §5.2: NIL, no thread ids are kept
        return None
    if name in ("PREVIEW", "SNIPPET"):  # NIL: not kept, and LAZY asked not to work it out now
        return [Atom("FUZZY"), data.preview] if item.fuzzy else data.preview
    if name == "BINARY.SIZE":
        return len(_binary(item, data))
    if name == "BINARY":
        return Literal(_partial(item, _binary(item, data)), binary=True)
    return Literal(section_content(item, data))  # always a literal, as Dovecot sends body data


def _date_time(stamp: int, zone: int) -> str:
    """date-time (RFC 3501 §9) of ``stamp`` in ``zone``, minutes east of UTC."""
    return format_date_time(datetime.fromtimestamp(stamp, timezone(timedelta(minutes=zone))))


def _binary(item: FetchAttr, data: MessageData) -> bytes:
    """BINARY[part] (RFC 3516 §4.2): "If the content transfer encoding is unknown, the
    server MUST respond with a tagged NO response containing UNKNOWN-CTE"."""
    assert item.section is not None
    raw, part = data.raw or b"", item.section.part
    content = binary_section(raw, data.info, part) if part else raw  # BINARY[]: no structure
    if content is None:
        raise no("Unknown Content-Transfer-Encoding.", "UNKNOWN-CTE")
    return content


def _partial(item: FetchAttr, content: bytes) -> bytes:
    """`<origin.length>` (RFC 3501 §6.4.5): the octets from origin, at most length."""
    if item.partial is None:
        return content
    origin, length = item.partial
    return content[origin : origin + length]


def section_content(item: FetchAttr, data: MessageData) -> bytes:
    """The octets of BODY[section]<partial> (and of RFC822, .HEADER, .TEXT)."""
    raw = data.raw or b""
    if item.name == "RFC822":
        return raw
    if item.name == "RFC822.HEADER":
        return section_bytes(raw, None, (), "HEADER")
    if item.name == "RFC822.TEXT":
        return section_bytes(raw, None, (), "TEXT")
    section = item.section
    assert section is not None
    if section.part or section.text:
        info = data.info if section.part else None  # the whole message's need no structure
        content = section_bytes(raw, info, section.part, section.text, section.fields)
    else:
        content = raw
    return _partial(item, content)
