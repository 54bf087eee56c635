"""The command grammar (RFC 3501 §9): one complete command -> Command or ParseError.

    command         = tag SP (command-any / command-auth / command-nonauth /
                      command-select) CRLF
    tag             = 1*<any ASTRING-CHAR except "+">
    command-any     = "CAPABILITY" / "LOGOUT" / "NOOP" / x-command / id / enable
    command-nonauth = login / authenticate / "STARTTLS"
    login           = "LOGIN" SP userid SP password
    authenticate    = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]  ; SASL-IR
    command-select  = "CHECK" / "CLOSE" / "UNSELECT" / "EXPUNGE" / copy / move /
                      fetch / store / search / sort / thread / uid
    uid             = "UID" SP (copy / move / fetch / search / store /
                      sort / thread / "EXPUNGE" SP sequence-set)
    store           = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
    store-modifier  = "UNCHANGEDSINCE" SP mod-sequence-valzer        ; RFC 7162
    enable          = "ENABLE" 1*(SP capability)                     ; RFC 5161
    id              = "ID" SP id-params-list                         ; RFC 2971
    id-params-list  = "(" *(string SP nstring) ")" / nil
    cancelupdate    = "CANCELUPDATE" 1*(SP quoted)                  ; RFC 5267
    compress        = "COMPRESS" SP algorithm                        ; RFC 4978
    algorithm       = "DEFLATE"
    getquota        = "GETQUOTA" SP quota-root-name                  ; RFC 9208 §7
    getquotaroot    = "GETQUOTAROOT" SP mailbox
    setquota        = "SETQUOTA" SP quota-root-name SP setquota-list
    setquota-list   = "(" [setquota-resource *(SP setquota-resource)] ")"
    setquota-resource = resource-name SP resource-limit              ; number64
    quota-root-name = astring

Errors are worded as Dovecot words them: "Error in IMAP command FROB:
Unknown command." (the reference transcript adds timings before the dot).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from . import _commands as c
from ._events import CommandError, ParseError
from ._fetch import parse_fetch
from ._flags import parse_store_flags
from ._grammar_mailbox import (
    parse_append,
    parse_create,
    parse_list,
    parse_lsub,
    parse_mailbox,
    parse_replace,
    parse_select,
    parse_status,
)
from ._grammar_metadata import parse_getmetadata, parse_setmetadata
from ._grammar_notify import parse_esearch, parse_notify
from ._grammar_search import parse_search, parse_sort, parse_thread
from ._grammar_urlauth import parse_genurlauth, parse_resetkey, parse_urlfetch
from ._seqset import parse_sequence_set
from ._spool import SpooledLiteral
from ._tokens import MAX_NUMBER64, Cursor, Utf8Mode

__all__ = ["parse_command", "read_tag"]

_TAG = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\+]+')
_BASE64 = re.compile(rb"(?:[A-Za-z0-9+/]*={0,2}|=)\Z")
SERVER_ERROR = "Error in IMAP command received by server."

_Parser = Callable[[Cursor, str, bool], c.Command]


def read_tag(data: bytes) -> str | None:
    """The tag at the start of `data`, if it is a valid one."""
    found = _TAG.match(data)
    if found is None or (found.end() < len(data) and data[found.end()] != 0x20):
        return None
    return found.group().decode("ascii")


def parse_command(
    data: bytes,
    *,
    spooled: Mapping[int, SpooledLiteral] | None = None,
    utf8: Utf8Mode = Utf8Mode.OFF,
) -> c.Command | ParseError:
    """Parse one whole command (without its final CRLF); `spooled` and `utf8` as
    `Cursor` takes them."""
    tag = read_tag(data)
    if tag is None:
        return ParseError(None, "BAD", "Error in IMAP tag.")
    cur = Cursor(data, len(tag), spooled, utf8)
    name = _command_name(cur)
    if name is None:
        return ParseError(tag, "BAD", SERVER_ERROR)
    uid = name == "UID"
    if uid:
        sub = _command_name(cur)
        name = f"UID {sub}" if sub in _UID_COMMANDS else f"UID {sub or ''}".strip()
    parser = _PARSERS.get(name)
    if parser is None:
        return ParseError(tag, "BAD", f"Error in IMAP command {name}: Unknown command.")
    try:
        return parser(cur, tag, uid)
    except CommandError as error:
        return _error(tag, name, error)


def _command_name(cur: Cursor) -> str | None:
    if not cur.try_sp():
        return None
    try:
        return cur.keyword()
    except CommandError:
        return None


def _error(tag: str, name: str, error: CommandError) -> ParseError:
    if error.status != "BAD":
        return ParseError(tag, error.status, error.detail, error.code)
    return ParseError(tag, "BAD", f"Error in IMAP command {name}: {error.detail}", error.code)


def _bare(kind: type[c.Command]) -> _Parser:
    """Commands without arguments: anything after the name is BAD."""

    def parse(cur: Cursor, tag: str, uid: bool) -> c.Command:
        cur.end()
        return kind(tag)

    return parse


def _login(cur: Cursor, tag: str, uid: bool) -> c.Login:
    """login = "LOGIN" SP userid SP password; both astrings."""
    cur.sp()
    user = cur.astring()
    cur.sp()
    password = cur.astring()
    cur.end()
    return c.Login(tag, _utf8(user), _utf8(password))


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CommandError("Invalid UTF-8 in argument.") from None


def _authenticate(cur: Cursor, tag: str, uid: bool) -> c.Authenticate:
    cur.sp()
    mechanism = cur.keyword()
    initial = None
    if cur.try_sp():
        initial = cur.data[cur.pos :]
        if not initial or not _BASE64.match(initial):
            raise CommandError("Invalid initial response.")
        cur.pos = len(cur.data)
    cur.end()
    return c.Authenticate(tag, mechanism, initial)


def _store(cur: Cursor, tag: str, uid: bool) -> c.Store:
    cur.sp()
    seqset = parse_sequence_set(cur, uid=uid)
    cur.sp()
    unchangedsince = _unchangedsince(cur) if cur.peek() == 0x28 else None
    action = cur.keyword()
    mode = {"+": "add", "-": "remove"}.get(action[:1], "replace")
    base, _, suffix = action.lstrip("+-").partition(".")
    if base != "FLAGS" or suffix not in ("", "SILENT"):
        raise CommandError("Invalid arguments.")
    cur.sp()
    flags = parse_store_flags(cur)
    return c.Store(tag, seqset, mode, flags, bool(suffix), unchangedsince, uid)


def _unchangedsince(cur: Cursor) -> int:
    """store-modifiers = "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"."""
    value = None
    for _ in cur.list_items():
        if cur.keyword() != "UNCHANGEDSINCE" or value is not None:
            raise CommandError("Invalid arguments.")
        cur.sp()
        value = cur.number(MAX_NUMBER64)
    if value is None:
        raise CommandError("Invalid arguments.")
    cur.sp()
    return value


def _copy(kind: type[c.Copy] | type[c.Move]) -> _Parser:
    def parse(cur: Cursor, tag: str, uid: bool) -> c.Command:
        cur.sp()
        seqset = parse_sequence_set(cur, uid=uid)
        mailbox = parse_mailbox(cur)
        cur.end()
        return kind(tag, seqset, mailbox, uid)

    return parse


def _uid_expunge(cur: Cursor, tag: str, uid: bool) -> c.Expunge:
    cur.sp()
    uids = parse_sequence_set(cur, uid=True)
    cur.end()
    return c.Expunge(tag, uids)


def _enable(cur: Cursor, tag: str, uid: bool) -> c.Enable:
    cur.sp()
    names = [cur.keyword()]
    while cur.try_sp():
        names.append(cur.keyword())
    cur.end()
    return c.Enable(tag, tuple(names))


def _id(cur: Cursor, tag: str, uid: bool) -> c.Id:
    cur.sp()
    if cur.try_nil():
        cur.end()
        return c.Id(tag, None)
    pairs: list[tuple[str, str | None]] = []
    for _ in cur.list_items():
        key = cur.string().decode("utf-8", "replace")
        cur.sp()
        value = cur.nstring()
        pairs.append((key, None if value is None else value.decode("utf-8", "replace")))
    cur.end()
    return c.Id(tag, tuple(pairs))


def _compress(cur: Cursor, tag: str, uid: bool) -> c.Compress:
    """Any atom parses: an algorithm other than DEFLATE is the handler's BAD."""
    cur.sp()
    mechanism = cur.keyword()
    cur.end()
    return c.Compress(tag, mechanism)


def _getquota(cur: Cursor, tag: str, uid: bool) -> c.GetQuota:
    cur.sp()
    root = cur.astring().decode("utf-8", "replace")
    cur.end()
    return c.GetQuota(tag, root)


#: Resources of one SETQUOTA: more than RFC 9208 §5 defines, far fewer than would cost.
MAX_QUOTA_RESOURCES = 16


def _setquota(cur: Cursor, tag: str, uid: bool) -> c.SetQuota:
    cur.sp()
    root = cur.astring().decode("utf-8", "replace")
    cur.sp()
    limits = []
    for index in cur.list_items():
        if index >= MAX_QUOTA_RESOURCES:
            raise CommandError("Too many quota resources.")
        name = cur.keyword()
        cur.sp()
        limits.append((name, cur.number(MAX_NUMBER64)))
    cur.end()
    return c.SetQuota(tag, root, tuple(limits))


def _cancelupdate(cur: Cursor, tag: str, uid: bool) -> c.CancelUpdate:
    tags = []
    while cur.try_sp():
        tags.append(cur.quoted().decode("ascii", "replace"))
    if not tags:
        raise CommandError("Missing arguments.")
    cur.end()
    return c.CancelUpdate(tag, tuple(tags))


def _mailbox_command(
    kind: type[c.Delete] | type[c.Subscribe] | type[c.Unsubscribe] | type[c.GetQuotaRoot],
) -> _Parser:
    def parse(cur: Cursor, tag: str, uid: bool) -> c.Command:
        mailbox = parse_mailbox(cur)
        cur.end()
        return kind(tag, mailbox)

    return parse


def _rename(cur: Cursor, tag: str, uid: bool) -> c.Rename:
    old = parse_mailbox(cur)
    new = parse_mailbox(cur)
    cur.end()
    return c.Rename(tag, old, new)


def _no_uid(parse: Callable[[Cursor, str], c.Command]) -> _Parser:
    return lambda cur, tag, uid: parse(cur, tag)


_UID_COMMANDS = frozenset({"COPY", "MOVE", "FETCH", "SEARCH", "STORE", "SORT", "THREAD", "EXPUNGE"})
_SELECTED: dict[str, _Parser] = {
    "FETCH": parse_fetch, "SEARCH": parse_search, "SORT": parse_sort, "THREAD": parse_thread,
    "STORE": _store, "COPY": _copy(c.Copy), "MOVE": _copy(c.Move), "REPLACE": parse_replace,
}  # fmt: skip
_PARSERS: dict[str, _Parser] = {
    "CAPABILITY": _bare(c.Capability), "NOOP": _bare(c.Noop), "LOGOUT": _bare(c.Logout),
    "STARTTLS": _bare(c.StartTLS), "CHECK": _bare(c.Check), "CLOSE": _bare(c.Close),
    "UNSELECT": _bare(c.Unselect), "EXPUNGE": _bare(c.Expunge), "IDLE": _bare(c.Idle),
    "NAMESPACE": _bare(c.Namespace), "LOGIN": _login, "AUTHENTICATE": _authenticate,
    "UNAUTHENTICATE": _bare(c.Unauthenticate),
    "SELECT": lambda cur, tag, uid: parse_select(cur, tag, examine=False),
    "EXAMINE": lambda cur, tag, uid: parse_select(cur, tag, examine=True),
    "CREATE": _no_uid(parse_create), "DELETE": _mailbox_command(c.Delete),
    "RENAME": _rename, "SUBSCRIBE": _mailbox_command(c.Subscribe),
    "UNSUBSCRIBE": _mailbox_command(c.Unsubscribe), "LIST": _no_uid(parse_list),
    "LSUB": _no_uid(parse_lsub), "STATUS": _no_uid(parse_status),
    "APPEND": _no_uid(parse_append), "ENABLE": _enable, "ID": _id,
    "CANCELUPDATE": _cancelupdate, "UID EXPUNGE": _uid_expunge, "COMPRESS": _compress,
    "GETQUOTA": _getquota, "GETQUOTAROOT": _mailbox_command(c.GetQuotaRoot),
    "SETQUOTA": _setquota, "GETMETADATA": _no_uid(parse_getmetadata),
    "SETMETADATA": _no_uid(parse_setmetadata), "NOTIFY": _no_uid(parse_notify),
    "GENURLAUTH": _no_uid(parse_genurlauth), "RESETKEY": _no_uid(parse_resetkey),
    "URLFETCH": _no_uid(parse_urlfetch), "ESEARCH": _no_uid(parse_esearch),
    **_SELECTED, **{f"UID {name}": parser for name, parser in _SELECTED.items()},
}  # fmt: skip
