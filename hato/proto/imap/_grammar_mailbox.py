"""Commands about mailboxes: SELECT/EXAMINE, CREATE, LIST, LSUB, STATUS, APPEND.

mailbox         = "INBOX" / astring
                  ; INBOX is case-insensitive.  All case variants of
                  ; INBOX (e.g., "iNbOx") MUST be interpreted as INBOX
select          = "SELECT" SP mailbox [select-params]         ; RFC 4466
select-param    = "CONDSTORE" / "QRESYNC" SP "(" uidvalidity SP
                  mod-sequence-value [SP known-uids]
                  [SP seq-match-data] ")"                      ; RFC 7162
seq-match-data  = "(" known-sequence-set SP known-uid-set ")"
create          = "CREATE" SP mailbox [create-params]         ; RFC 4466
create-param    = "USE" SP "(" [use-attr *(SP use-attr)] ")"  ; RFC 6154
list            = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
                  [SP list-return-opts]                       ; RFC 5258
mbox-or-pat     = list-mailbox / patterns
patterns        = "(" list-mailbox *(SP list-mailbox) ")"
return-option   =/ "STATUS" SP "(" status-att *(SP status-att) ")"  ; RFC 5819
status          = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"
append          = "APPEND" SP mailbox 1*append-message       ; RFC 3502
append-message  = append-opts SP append-data
append-opts     = [SP flag-list] [SP date-time] *(SP append-ext)
append-data     = literal / literal8                         ; RFC 3516
append-data     =/ "UTF8" SP "(" literal8 ")"                 ; RFC 6855 §4
"""

from __future__ import annotations

from ._commands import (
    Append,
    AppendMessage,
    CatenateText,
    CatenateUrl,
    Create,
    Examine,
    List,
    Lsub,
    QResync,
    Replace,
    Select,
    Status,
)
from ._dates import parse_date_time
from ._events import CommandError
from ._flags import parse_flag_list
from ._mutf7 import MUTF7Error, decode_mutf7
from ._seqset import parse_sequence_set
from ._spool import SpooledLiteral
from ._tokens import MAX_NUMBER64, Cursor, Utf8Mode

__all__ = [
    "decode_mailbox", "parse_append", "parse_create", "parse_list", "parse_lsub",
    "parse_mailbox", "parse_replace", "parse_select", "parse_status",
]  # fmt: skip

STATUS_ITEMS = frozenset(
    [
        "MESSAGES",
        "RECENT",
        "UIDNEXT",
        "UIDVALIDITY",
        "UNSEEN",
        "SIZE",
        "HIGHESTMODSEQ",
        "APPENDLIMIT",
        "DELETED",
        "DELETED-STORAGE",  # RFC 9208 §4.2.2: what expunging \Deleted would free
        "MAILBOXID",  # RFC 8474 §4.3
    ]
)
_SELECT_OPTS = frozenset({"SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"})
_RETURN_OPTS = frozenset({"SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "STATUS"})


def decode_mailbox(raw: bytes, utf8: bool = False) -> str:
    """Wire name -> Unicode, INBOX upper-cased: modified UTF-7 (RFC 3501 §5.1.3), or
    UTF-8 once the session enabled UTF8=ACCEPT (RFC 6855 §3), where "&" is itself."""
    name = _utf8_name(raw) if utf8 else _mutf7_name(raw)
    return "INBOX" if name.upper() == "INBOX" else name


def _mutf7_name(raw: bytes) -> str:
    try:
        return decode_mutf7(raw)
    except MUTF7Error:
        raise CommandError("Mailbox name is not valid mUTF-7", status="NO") from None


def _utf8_name(raw: bytes) -> str:
    """RFC 6855 §3's utf8-quoted holds well-formed UTF-8 (RFC 3629 §4): Python's strict
    decoder refuses overlong forms, surrogates and truncated sequences, in linear time."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CommandError("Mailbox name is not valid UTF-8") from None


def _pattern(cur: Cursor, raw: bytes) -> str:
    """LIST patterns: decoded like names, but an invalid one is kept as sent."""
    try:
        return decode_mailbox(raw, cur.utf8 is not Utf8Mode.OFF)
    except CommandError:
        return raw.decode("utf-8", "replace")


def parse_mailbox(cur: Cursor) -> str:
    cur.sp()
    return decode_mailbox(cur.astring(), cur.utf8 is not Utf8Mode.OFF)


def parse_select(cur: Cursor, tag: str, examine: bool) -> Select:
    mailbox = parse_mailbox(cur)
    condstore, qresync = False, None
    if cur.try_sp():
        for _ in cur.list_items():
            word = cur.keyword()
            if word == "CONDSTORE":
                condstore = True
            elif word == "QRESYNC" and qresync is None:
                qresync = _qresync(cur)
            else:
                raise CommandError("Unknown select parameter.")
    cur.end()
    kind = Examine if examine else Select
    return kind(tag, mailbox, condstore, qresync)


def _qresync(cur: Cursor) -> QResync:
    cur.sp()
    cur.expect(b"(")
    uidvalidity = cur.nz_number()
    cur.sp()
    modseq = cur.nz_number(MAX_NUMBER64)
    known = seqs = uids = None
    if cur.try_sp() and cur.peek() != 0x28:
        known = parse_sequence_set(cur, uid=True, allow_saved=False)
        cur.try_sp()
    if cur.try_byte(b"("):
        seqs = parse_sequence_set(cur, allow_saved=False)
        cur.sp()
        uids = parse_sequence_set(cur, uid=True, allow_saved=False)
        cur.expect(b")")
    cur.expect(b")")
    return QResync(uidvalidity, modseq, known, seqs, uids)


def parse_create(cur: Cursor, tag: str) -> Create:
    mailbox = parse_mailbox(cur)
    uses: list[str] = []
    if cur.try_sp():
        for _ in cur.list_items():
            if cur.keyword() != "USE":
                raise CommandError("Unknown CREATE parameter.")
            cur.sp()
            uses.extend(parse_flag_list(cur))
    cur.end()
    return Create(tag, mailbox, tuple(uses))


def parse_list(cur: Cursor, tag: str) -> List:
    cur.sp()
    selection = _options(cur, _SELECT_OPTS) if cur.peek() == 0x28 else None
    if selection is not None:
        cur.sp()
        _check_selection(selection)
    reference = _pattern(cur, cur.astring())
    cur.sp()
    patterns, multiple = _patterns(cur)
    returning, status = _list_return(cur) if cur.try_sp() else (None, None)
    cur.end()
    extended = selection is not None or returning is not None or multiple
    return List(
        tag, reference, patterns, frozenset(selection or ()), frozenset(returning or ()),
        status, extended,
    )  # fmt: skip


def _options(cur: Cursor, known: frozenset[str]) -> set[str]:
    options: set[str] = set()
    for _ in cur.list_items():
        option = cur.keyword()
        if option not in known:
            raise CommandError(f"Unknown LIST option {option}.")
        options.add(option)
    return options


def _check_selection(selection: set[str]) -> None:
    """RFC 5258 §3: RECURSIVEMATCH alone (or with only REMOTE) is BAD."""
    if "RECURSIVEMATCH" in selection and not selection & {"SUBSCRIBED", "SPECIAL-USE"}:
        raise CommandError("RECURSIVEMATCH must be combined with other options.")


def _patterns(cur: Cursor) -> tuple[tuple[str, ...], bool]:
    if cur.peek() != 0x28:
        return (_pattern(cur, cur.list_mailbox()),), False
    patterns = tuple(_pattern(cur, cur.list_mailbox()) for _ in cur.list_items())
    if not patterns:
        raise CommandError("Invalid arguments.")
    return patterns, True


def _list_return(cur: Cursor) -> tuple[set[str], tuple[str, ...] | None]:
    """list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"."""
    if cur.keyword() != "RETURN":
        raise CommandError("Invalid arguments.")
    cur.sp()
    options: set[str] = set()
    status = None
    for _ in cur.list_items():
        option = cur.keyword()
        if option not in _RETURN_OPTS:
            raise CommandError(f"Unknown LIST RETURN option {option}.")
        options.add(option)
        if option == "STATUS":
            cur.sp()
            status = _status_items(cur)
    return options, status


def _status_items(cur: Cursor) -> tuple[str, ...]:
    items = tuple(cur.keyword() for _ in cur.list_items())
    unknown = [item for item in items if item not in STATUS_ITEMS]
    if unknown or not items:
        raise CommandError(f"Invalid status item {unknown[0] if unknown else ''}".rstrip())
    return items


def parse_lsub(cur: Cursor, tag: str) -> Lsub:
    reference = parse_mailbox(cur)
    cur.sp()
    pattern = _pattern(cur, cur.list_mailbox())
    cur.end()
    return Lsub(tag, reference, pattern)


def parse_status(cur: Cursor, tag: str) -> Status:
    mailbox = parse_mailbox(cur)
    cur.sp()
    items = _status_items(cur)
    cur.end()
    return Status(tag, mailbox, items)


def parse_append(cur: Cursor, tag: str) -> Append:
    mailbox = parse_mailbox(cur)
    messages = [_append_message(cur)]
    while not cur.at_end():
        messages.append(_append_message(cur))
    return Append(tag, mailbox, tuple(messages))


def parse_replace(cur: Cursor, tag: str, uid: bool) -> Replace:
    """replace = "REPLACE" SP seq-number SP mailbox append-message;
    uid-replace = "UID" SP replace (RFC 8508 §6): one message, no MULTIAPPEND."""
    cur.sp()
    number = None if cur.try_byte(b"*") else cur.nz_number()
    mailbox = parse_mailbox(cur)
    message = _append_message(cur)
    cur.end()
    return Replace(tag, number, mailbox, message, uid)


def _append_message(cur: Cursor) -> AppendMessage:
    cur.sp()
    flags: tuple[str, ...] = ()
    if cur.peek() == 0x28:
        flags = parse_flag_list(cur, storable=True)
        cur.sp()
    date_time = None
    if cur.peek() == 0x22:
        date_time = parse_date_time(cur)
        cur.sp()
    if cur.peek() in (0x43, 0x63):  # "C": CATENATE (RFC 4469 §5)
        return AppendMessage(flags, date_time, b"", catenate=_catenate(cur))
    if cur.peek() == 0x55:  # "U"
        return AppendMessage(flags, date_time, _utf8_data(cur), utf8=True)
    if not cur.at_literal():
        raise CommandError("Invalid arguments.")
    data, binary = cur.message_literal(literal8=True)
    return AppendMessage(flags, date_time, data, binary)


#: Parts of one CATENATE: each URL is a message read, so their number is bounded.
MAX_CATENATE_PARTS = 50


def _catenate(cur: Cursor) -> tuple[CatenateText | CatenateUrl, ...]:
    """cat-part = text-literal / url; text-literal = "TEXT" SP literal;
    url = "URL" SP astring (RFC 4469 §5); a TEXT may be a literal8 (RFC 3516 §4.4)."""
    if cur.keyword() != "CATENATE":
        raise CommandError("Invalid arguments.")
    cur.sp()
    parts: list[CatenateText | CatenateUrl] = []
    for _ in cur.list_items():
        kind = cur.keyword()
        cur.sp()
        if kind == "TEXT":
            data, binary = cur.message_literal(literal8=True)
            parts.append(CatenateText(data, binary))
        elif kind == "URL":
            parts.append(CatenateUrl(cur.astring().decode("ascii", "replace")))
        else:
            raise CommandError("Invalid arguments.")
        if len(parts) > MAX_CATENATE_PARTS:
            raise CommandError(f"Too many CATENATE parts (at most {MAX_CATENATE_PARTS}).")
    if not parts:
        raise CommandError("Invalid arguments.")
    return tuple(parts)


def _utf8_data(cur: Cursor) -> bytes | SpooledLiteral:
    """RFC 6855 §4: ``UTF8 (literal8)``, refused with BAD unless the session enabled
    UTF8=ACCEPT; the literal8 is the message as it is (no transfer encoding undone)."""
    if cur.keyword() != "UTF8":
        raise CommandError("Invalid arguments.")
    if cur.utf8 is not Utf8Mode.ACCEPT:
        raise CommandError("UTF8 APPEND data needs ENABLE UTF8=ACCEPT first.")
    cur.sp()
    cur.expect(b"(")
    if cur.peek() != 0x7E:  # "~": literal8 only
        raise CommandError("Invalid arguments.")
    data, _ = cur.message_literal(literal8=True)
    cur.expect(b")")
    return data
