"""IMAP framing for the fuzzer (RFC 3501 §2.2, §4.3, §7.5; LITERAL+ RFC 7888 §3).

    literal  = "{" number ["+"] "}" CRLF *CHAR8      ; at the end of a line
    literal8 = "~{" number ["+"] "}" CRLF *OCTET     ; RFC 3516

A line ending with a literal header is followed by that many octets and the
rest of the command.  A synchronizing literal waits for the server's ``+``
(or its refusal, which ends the command); a non-synchronizing one is sent at
once.  hato's documented limits: a line longer than the line limit is
answered BAD (never read as a literal header); a literal over the size limit
is refused, and a refused non-synchronizing one is still read and thrown away
together with the rest of its command.  A blank line is no command (telnet
users press Enter).  After a ``+`` that is not for a literal, the next line is
an AUTHENTICATE response or IDLE's DONE: one line, answered, never a literal.
"""

from __future__ import annotations

import re

from tests.fuzz.dialogue import Dialogue

__all__ = ["ImapDialogue"]

_LITERAL_AT_END = re.compile(rb"~?\{(\d+)(\+?)\}\Z")
_ANSWER_LITERAL = re.compile(rb"\{(\d+)\}\r?\n\Z")
_TLS_GO_AHEAD = b"OK Begin TLS"
_TAGLESS_ENDINGS = (b"* BAD", b"* NO [TOOBIG]")
#: A size with more digits than this is "huge" (the framer never needs its value).
_HUGE = 10**30


def literal_size(digits: bytes) -> int:
    return int(digits) if len(digits) <= 30 else _HUGE


class ImapDialogue(Dialogue):
    probe = b"zz NOOP\r\n"

    in_command = False  # a literal was read; the command goes on after it
    special = False  # the next line answers a `+` (AUTHENTICATE, IDLE)
    dropping = False  # the server throws away the rest of a refused command
    bye = False  # the server said BYE

    def line(self, line: bytes) -> None:
        text = line[:-1].removesuffix(b"\r")
        if self.special:
            self.special = False
            self._answered(line)
        elif self.dropping:
            self._drop(text)
        elif len(text) > self.limits.line:
            self.in_command = False
            self._answered(line)
        elif (found := _LITERAL_AT_END.search(text)) is not None:
            self._literal(line, literal_size(found.group(1)), bool(found.group(2)))
        elif self.in_command or text.strip():
            self.in_command = False
            self._answered(line)

    def _drop(self, text: bytes) -> None:
        found = _LITERAL_AT_END.search(text)
        if found is not None and found.group(2):
            self.owed = literal_size(found.group(1))
        else:
            self.dropping = False

    def _literal(self, line: bytes, size: int, nonsync: bool) -> None:
        if size > self.limits.literal:
            self.in_command = False
            self._answered(line)  # NO [TOOBIG] before any octet, or BAD [TOOBIG]
            if nonsync:
                self.owed, self.dropping = size, True
            return
        self.in_command = True
        if nonsync:
            self.owed = size
            return
        answer = self.answer(line)
        if answer is not None and answer.startswith(b"+"):
            self.owed = size
        else:
            self.in_command = False

    def _answered(self, line: bytes) -> None:
        answer = self.answer(line)
        if answer is None:
            return
        if answer.startswith(b"+"):
            self.special = True
        elif _TLS_GO_AHEAD in answer:
            self.go_tls()

    def read_answer(self) -> bytes | None:
        """Lines up to a tagged one or a `+`; a line without a valid tag is answered
        untagged (BAD, or NO [TOOBIG] for its literal)."""
        while (line := self._response_line()) is not None:
            if not line.startswith(b"*") or line.startswith(_TAGLESS_ENDINGS):
                return line
            if line.startswith(b"* OK") and not self.greeted:
                return line
        return None

    def _response_line(self) -> bytes | None:
        """One response line, with the literals it carries (FETCH BODY[] and such)."""
        whole = line = self.wire.line()
        self.bye = self.bye or (line is not None and line.startswith(b"* BYE"))
        while line is not None and (found := _ANSWER_LITERAL.search(line)) is not None:
            if self.wire.exactly(int(found.group(1))) is None:
                return None
            line = self.wire.line()
            whole = None if line is None or whole is None else whole + line
        return whole

    def pending(self) -> bytes:
        if self.partial or self.in_command or self.dropping:
            return b"\r\n"
        if self.special:
            return b"*\r\n"  # cancels AUTHENTICATE; a BAD that ends IDLE
        return b""

    def goodbye(self, sent: bytes, answer: bytes) -> bool:
        return self.bye

    def positive(self, answer: bytes) -> bool:
        return answer.startswith(b"+") or b" OK" in answer.split(b"[")[0]
