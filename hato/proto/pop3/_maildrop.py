"""The TRANSACTION state's view of a maildrop (RFC 1939 §5) and message output.

Message numbers are 1..n, fixed for the session; DELE only marks (RFC 1939 §6:
deletion happens in the UPDATE state). Replies copy Dovecot 2.3's texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet

from hato.mime import crlf_lines, dot_stuffed
from hato.proto.pop3._events import RemoteProtocolError
from hato.proto.pop3._lines import printable

__all__ = ["Maildrop", "Scan", "dot_terminated", "top_of"]

_NUMBER = re.compile(r"[0-9]+")
_UINT32_MAX = 2**32 - 1
_UINT64_MAX = 2**64 - 1


class Scan:
    """A maildrop's messages as a login finds them: each one's UIDL string and size in
    message-number order, and what is the same for every session over them, made once:
    the total, and the "n value" lines of LIST and UIDL with nothing deleted.

    Never changed once made, so sessions over a mailbox that has not changed since may
    share one (hato.server.maildrops keeps them: the next login's STAT, UIDL and LIST
    cost no pass over the messages). The two sequences are kept as given, not copied: the
    caller may hand compact ones (arrays, and UIDL strings made when asked), so that
    100,000 messages cost a few bytes each, not a string and a tuple."""

    __slots__ = ("_list_lines", "_uidl_lines", "sizes", "total", "uids")

    def __init__(self, uids: Sequence[str], sizes: Sequence[int]) -> None:
        if len(uids) != len(sizes):
            raise ValueError("a UIDL and a size for each message")
        self.uids = uids
        self.sizes = sizes
        self.total = sum(sizes)
        self._list_lines: bytes | None = None
        self._uidl_lines: bytes | None = None

    def __len__(self) -> int:
        return len(self.uids)

    def list_lines(self) -> bytes:
        """LIST's "n size" line of every message."""
        if self._list_lines is None:
            self._list_lines = _numbered_lines(self.sizes)
        return self._list_lines

    def uidl_lines(self) -> bytes:
        """UIDL's "n unique-id" line of every message."""
        if self._uidl_lines is None:
            self._uidl_lines = _numbered_lines(self.uids)
        return self._uidl_lines


def _numbered_lines(values: Iterable[object], deleted: AbstractSet[int] = frozenset()) -> bytes:
    """An "n value" line for each message whose index is not in ``deleted``; with none
    deleted (a client lists before it deletes), without a membership test per message."""
    if not deleted:
        return "".join([f"{n} {value}\r\n" for n, value in enumerate(values, 1)]).encode()
    return "".join([f"{i + 1} {v}\r\n" for i, v in enumerate(values) if i not in deleted]).encode()


class Maildrop:
    """A session's maildrop: its ``Scan`` (shared, never changed) plus the deletion marks
    of DELE (its own)."""

    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self.uids = scan.uids
        self.sizes = scan.sizes
        self.deleted: set[int] = set()  # indexes marked by DELE
        self.deleted_size = 0

    def stat(self) -> str:
        """RFC 1939 §5 STAT: "+OK nn mm", deleted messages not counted."""
        scan = self.scan
        return f"+OK {len(scan) - len(self.deleted)} {scan.total - self.deleted_size}"

    def listing(self) -> bytes:
        """LIST without argument: scan listing of every undeleted message, dot-ended."""
        head = f"+OK {len(self.uids) - len(self.deleted)} messages:\r\n".encode()
        if not self.deleted:  # a client lists before it deletes: the shared lines
            return b"".join((head, self.scan.list_lines(), b".\r\n"))
        return b"".join((head, _numbered_lines(self.sizes, self.deleted), b".\r\n"))

    def uidl_listing(self) -> bytes:
        """UIDL without argument (RFC 1939 §7): "n unique-id" lines, dot-ended."""
        if not self.deleted:
            return b"".join((b"+OK\r\n", self.scan.uidl_lines(), b".\r\n"))
        return b"".join((b"+OK\r\n", _numbered_lines(self.uids, self.deleted), b".\r\n"))

    def delete(self, index: int) -> None:
        self.deleted.add(index)
        self.deleted_size += self.sizes[index]

    def reset(self) -> None:
        """RSET: unmark every message (RFC 1939 §5)."""
        self.deleted.clear()
        self.deleted_size = 0

    def resolve(self, args: str, *, more: bool = False) -> tuple[int, str]:
        """Parse a message number as Dovecot does: (index, rest of the arguments).

        ``more`` means another argument must follow (TOP msg n).
        """
        digits = _NUMBER.match(args)
        if digits is None:
            raise RemoteProtocolError(f"-ERR Invalid message number: {printable(args)}")
        rest = _check_rest(args, digits.group(), "message number", more, _UINT32_MAX)
        number = int(digits.group())
        if not 0 < number <= len(self.uids):
            raise RemoteProtocolError(f"-ERR There's no message {number}.")
        if number - 1 in self.deleted:
            raise RemoteProtocolError("-ERR Message is deleted.")
        return number - 1, rest.lstrip(" ")


def parse_size(args: str) -> int:
    """TOP's line count: a non-negative decimal, nothing after it."""
    digits = _NUMBER.match(args)
    if digits is None:
        raise RemoteProtocolError(f"-ERR Invalid size: {printable(args)}")
    _check_rest(args, digits.group(), "size", False, _UINT64_MAX)
    return int(digits.group())


def _check_rest(args: str, digits: str, what: str, more: bool, limit: int) -> str:
    if len(digits) > 20 or int(digits) > limit:
        raise RemoteProtocolError(f"-ERR {what.capitalize()} too large: {printable(args)}")
    rest = args[len(digits) :]
    if rest[:1] != (" " if more else ""):
        raise RemoteProtocolError(f"-ERR Noise after {what}: {printable(rest)}")
    return rest


def top_of(content: bytes, lines: int) -> bytes:
    """RFC 1939 §7 TOP: the header, the blank line, then ``lines`` lines of the body."""
    content = crlf_lines(content)  # as Dovecot sends it (RFC 1939 §3: CRLF lines)
    if content.startswith(b"\r\n"):
        end = 2
    elif (blank := content.find(b"\r\n\r\n")) >= 0:
        end = blank + 4
    else:
        return content
    for _ in range(lines):
        newline = content.find(b"\n", end)
        if newline < 0:
            return content
        end = newline + 1
    return content[:end]


def dot_terminated(content: bytes, status: bytes = b"") -> bytes:
    """``status``, then ``content`` byte-stuffed (a line starting with '.' gets another),
    ended with CRLF and the "." line (RFC 1939 §3): joined in one copy."""
    content = dot_stuffed(crlf_lines(content))  # CRLF lines, as Dovecot sends them
    end = b".\r\n" if not content or content.endswith(b"\r\n") else b"\r\n.\r\n"
    return b"".join((status, content, end))
