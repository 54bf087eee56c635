"""The response encoder (RFC 3501 §7, §9 "response").

    response        = *(continue-req / response-data) response-done
    continue-req    = "+" SP (resp-text / base64) CRLF
    response-tagged = tag SP resp-cond-state CRLF
    resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text
    resp-text       = ["[" resp-text-code "]" SP] text
    response-data   = "*" SP (resp-cond-state / resp-cond-bye /
                      mailbox-data / message-data / capability-data) CRLF
    msg-att         = "(" (msg-att-dynamic / msg-att-static)
                      *(SP (msg-att-dynamic / msg-att-static)) ")"

Values are an s-expression: None is NIL, int a number, str/bytes an IMAP
string (quoted when RFC 3501 `quoted` can hold it, else a literal), lists
and tuples parenthesised lists, `Atom` written as is, `Raw` bytes spliced
in, `Literal` always a literal (message data, as Dovecot sends it), `Utf8Quoted` a
string quoted even with UTF-8 in it (RFC 6855 §3 utf8-quoted, for a session that
enabled UTF8=ACCEPT).

A literal carries CHAR8 (RFC 3501 §9: `CHAR8 = %x01-ff`, "any OCTET except
NUL"; §4.3: "8-bit textual data ... MUST NOT contain NUL"), so a `Literal`'s
NUL bytes (a message's, in BODY[] answers) are sent as 0x80, as Dovecot's
imap-msgpart does: the length stays the one RFC822.SIZE announced.  A BINARY answer's
`Literal` (`binary=True`) that holds NUL goes as a literal8 instead, its bytes as they
are (RFC 3516 §4.2: "literal8 = "~{" number "}" CRLF *OCTET").
`fetch_response_parts` keeps each literal's data a piece of its own, so a
large body is written as it is, never copied into the line around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Union

__all__ = [
    "Atom", "Literal", "Raw", "Utf8Quoted",
    "Value", "capability_response", "continuation", "encode",
    "encode_flags", "esearch_response", "expunge_response", "fetch_response",
    "fetch_response_parts", "fetch_template", "numbers_response", "resp_code", "tagged",
    "thread_response", "untagged", "untagged_status", "vanished_response",
]  # fmt: skip

MAX_QUOTED = 4096  # longer strings go as literals, which need no escaping
_QUOTABLE = re.compile(rb"[^\x00\r\n\x80-\xff]*\Z")
_UTF8_QUOTABLE = re.compile(rb"[^\x00\r\n]*\Z")
_PLAIN = re.compile(rb'[^\x00\r\n\x80-\xff"\\]*\Z')  # quotable, and nothing to escape
_FETCH_START = b"* %d FETCH ("


@dataclass(frozen=True, slots=True)
class Atom:
    """Written as is: flags (\\Seen), keywords, NIL-free names like EXISTS."""

    text: str


@dataclass(frozen=True, slots=True)
class Raw:
    """Pre-encoded bytes spliced in unchanged (e.g. a cached BODYSTRUCTURE)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Literal:
    """Sent as a literal whatever it holds: body sections (RFC 3501 §7.4.2 BODY[]).
    With `binary` (BINARY[], RFC 3516 §4.2), data holding NUL goes as a literal8."""

    data: bytes
    binary: bool = False


@dataclass(frozen=True, slots=True)
class Utf8Quoted:
    """utf8-quoted (RFC 6855 §3): quoted with its UTF-8 unless it needs a literal."""

    text: str


Value = Union[None, int, str, bytes, Atom, Raw, Literal, Utf8Quoted, "Sequence[Value]"]


def encode(value: Value) -> bytes:
    """One value as IMAP (RFC 3501 §4)."""
    out: list[bytes] = []
    _encode_into(value, out)
    return b"".join(out)


def _encode_into(value: Value, out: list[bytes]) -> None:
    kind = type(value)  # the common kinds by their exact type first: the leaves of ENVELOPE
    if kind is str:  # and BODYSTRUCTURE are mostly strings, NIL and numbers
        out.append(_string(value.encode("utf-8")))  # type: ignore[union-attr]
    elif value is None:
        out.append(b"NIL")
    elif kind is list or kind is tuple:
        _encode_list(value, out)  # type: ignore[arg-type]
    elif kind is int:
        out.append(b"%d" % value)  # type: ignore[str-format]
    else:
        _encode_other(value, out)


def _encode_other(value: Value, out: list[bytes]) -> None:
    """Any value (the exact common kinds are done before it: ``_encode_into``)."""
    if value is None:
        out.append(b"NIL")
    elif isinstance(value, Atom):
        out.append(value.text.encode())
    elif isinstance(value, int):  # bool is refused below: it is no IMAP type
        if isinstance(value, bool):
            raise TypeError("bool is not an IMAP value")
        out.append(b"%d" % value)
    elif isinstance(value, str):
        out.append(_string(value.encode("utf-8")))
    elif isinstance(value, bytes):
        out.append(_string(value))
    elif isinstance(value, Raw):
        out.append(value.data)
    elif isinstance(value, Literal) and value.binary and b"\x00" in value.data:
        out.append(b"~{%d}\r\n" % len(value.data))
        out.append(value.data)
    elif isinstance(value, Literal):
        out.append(b"{%d}\r\n" % len(value.data))
        out.append(_char8(value.data))
    elif isinstance(value, Utf8Quoted):
        out.append(_string(value.text.encode("utf-8"), _UTF8_QUOTABLE))
    else:
        _encode_list(value, out)


def _encode_list(values: Sequence[Value], out: list[bytes]) -> None:
    out.append(b"(")
    for index, item in enumerate(values):
        if index:
            out.append(b" ")
        _encode_into(item, out)
    out.append(b")")


def _string(data: bytes, quotable: re.Pattern[bytes] = _QUOTABLE) -> bytes:
    """quoted if possible (RFC 3501 §9 quoted), else literal = "{" number "}" CRLF *CHAR8."""
    if len(data) > MAX_QUOTED:
        return b"{%d}\r\n%s" % (len(data), data)
    if _PLAIN.match(data):  # most strings: quoted as they are, nothing to escape
        return b'"' + data + b'"'
    if quotable.match(data):
        if b"\\" in data or b'"' in data:
            data = data.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
        return b'"' + data + b'"'
    return b"{%d}\r\n%s" % (len(data), data)


def _char8(data: bytes) -> bytes:
    """`data` as literal content: NUL becomes 0x80 (RFC 3501 §9 CHAR8; Dovecot's choice)."""
    if b"\x00" in data:
        return data.replace(b"\x00", b"\x80")
    return data


def encode_flags(flags: Iterable[str]) -> bytes:
    """flag-list = "(" [flag *(SP flag)] ")"; flags are atoms."""
    return b"(" + " ".join(flags).encode() + b")"


def resp_code(name: str, *args: Value) -> str:
    """resp-text-code, e.g. resp_code("UIDVALIDITY", 5) -> "UIDVALIDITY 5"."""
    if not args:
        return name
    return name + " " + b" ".join(encode(arg) for arg in args).decode("utf-8")


def _resp_text(status: str, text: str, code: str | None) -> bytes:
    if code:
        return f"{status} [{code}] {text}\r\n".encode()
    return f"{status} {text}\r\n".encode()


def tagged(tag: str, status: str, text: str, code: str | None = None) -> bytes:
    """response-tagged: `A1 OK [READ-WRITE] Select completed.`."""
    return tag.encode() + b" " + _resp_text(status, text, code)


def untagged_status(status: str, text: str, code: str | None = None) -> bytes:
    """`* OK [UNSEEN 1] First unseen.`, `* BYE Logging out`, `* BAD ...`."""
    return b"* " + _resp_text(status, text, code)


def untagged(*values: Value) -> bytes:
    """`* ` then the values separated by SP: untagged(3, Atom("EXISTS"))."""
    return b"* " + b" ".join(encode(value) for value in values) + b"\r\n"


def capability_response(capabilities: str) -> bytes:
    """capability-data = "CAPABILITY" *(SP capability) (RFC 3501 §7.2.1), given as
    the space-separated capabilities."""
    return b"* CAPABILITY " + capabilities.encode() + b"\r\n"


def numbers_response(name: str, numbers: Sequence[int], tail: bytes = b"") -> bytes:
    """`* SEARCH 2 3 6` (RFC 3501 §7.2.5), `* SORT 5 3 4` (RFC 5256 §4): a name and
    numbers; `tail` is what an extension appends, as SEARCH's ` (MODSEQ n)` (RFC 7162
    §3.1.5)."""
    return b"* " + name.encode() + (b" %d" * len(numbers)) % tuple(numbers) + tail + b"\r\n"


def thread_response(pieces: Sequence[bytes]) -> bytes:
    """`* THREAD (2)(3 6 (4 23)(44 7 96))` (RFC 5256 §4): `pieces` joined are the
    thread-lists, none when nothing matched."""
    if not pieces:
        return b"* THREAD\r\n"
    return b"".join([b"* THREAD ", *pieces, b"\r\n"])


def esearch_response(
    tag: str, uid: bool, data: Sequence[bytes], source: tuple[Value, int] | None = None
) -> bytes:
    """`* ESEARCH (TAG "A1") UID MIN 2 ALL 2:4` (RFC 4731 §3.1, RFC 5267 §4.3):
    `data` are the search-return-data items, each already written (`MIN 2`); `source`,
    the mailbox and its UIDVALIDITY in MULTISEARCH's correlator (RFC 7377 §2.1)."""
    correlator = b"TAG " + encode(tag)
    if source is not None:
        mailbox, uidvalidity = source
        correlator += b" MAILBOX " + encode(mailbox) + b" UIDVALIDITY %d" % uidvalidity
    words = [b"* ESEARCH (" + correlator + b")"]
    if uid:
        words.append(b"UID")
    return b" ".join([*words, *data]) + b"\r\n"


def expunge_response(seq: int) -> bytes:
    """message-data = nz-number SP "EXPUNGE" (RFC 3501 §7.4.1)."""
    return b"* %d EXPUNGE\r\n" % seq


#: SELECT's closing untagged OKs, in Dovecot's words: UIDVALIDITY and UIDNEXT (RFC 3501
#: §7.1), HIGHESTMODSEQ (RFC 7162 §3.1.2.1).
_SELECTED_NUMBERS = (
    b"* OK [UIDVALIDITY %d] UIDs valid\r\n"
    b"* OK [UIDNEXT %d] Predicted next UID\r\n"
    b"* OK [HIGHESTMODSEQ %d] Highest\r\n"
)


def selected_numbers(uidvalidity: int, uidnext: int, modseq: int) -> bytes:
    """The three lines SELECT and EXAMINE end with, the numbers put in at once."""
    return _SELECTED_NUMBERS % (uidvalidity, uidnext, modseq)


def exists_response(count: int) -> bytes:
    """mailbox-data = number SP "EXISTS" (RFC 3501 §7.3.1)."""
    return b"* %d EXISTS\r\n" % count


def recent_response(count: int) -> bytes:
    """mailbox-data = number SP "RECENT" (RFC 3501 §7.3.2)."""
    return b"* %d RECENT\r\n" % count


def vanished_response(uid_set: str, earlier: bool = False) -> bytes:
    """`* VANISHED [(EARLIER)] uid-set` (RFC 7162 §3.2.10); `uid_set` as written by
    `format_sequence`."""
    tag = b" (EARLIER)" if earlier else b""
    return b"* VANISHED" + tag + b" " + uid_set.encode() + b"\r\n"


def fetch_template(pieces: Sequence[bytes]) -> bytes:
    """`* %d FETCH (piece piece)`: one FETCH line (RFC 3501 §7.4.2) with `%`
    placeholders, the message number first, for lines written many times over."""
    return _FETCH_START + b" ".join(pieces) + b")\r\n"


def continuation(text: str | bytes = b"") -> bytes:
    """continue-req = "+" SP (resp-text / base64) CRLF."""
    data = text.encode() if isinstance(text, str) else text
    return b"+ " + data + b"\r\n"


def fetch_response(seq: int, items: Iterable[tuple[str | bytes, Value]]) -> bytes:
    """`* seq FETCH (key value ...)`; keys as `FetchAttr.response_key()` gives them.

    Flag lists are best passed as `Raw(encode_flags(...))` or a list of `Atom`.
    """
    return b"".join(fetch_response_parts(seq, items))


def fetch_response_parts(seq: int, items: Iterable[tuple[str | bytes, Value]]) -> list[bytes]:
    """`fetch_response` as pieces to write in turn; a `Literal`'s data is one of them."""
    out: list[bytes] = [_FETCH_START % seq]
    first = True
    for key, value in items:
        if not first:
            out.append(b" ")
        first = False
        out.append(key.encode() if isinstance(key, str) else key)
        out.append(b" ")
        _encode_into(value, out)
    out.append(b")\r\n")
    return out
