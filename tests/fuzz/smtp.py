"""SMTP, submission and LMTP framing for the fuzzer (RFC 5321 §4.1, §4.2; RFC 2033 §4.2).

Every command line (up to LF, as aiosmtpd reads it) gets one reply: lines of
``NNN-text`` ended by one ``NNN text``.  After ``354`` the lines are message
data, unanswered, up to a line that is a lone ``.`` after a CRLF; after
``334`` the next line is a SASL response (RFC 4954 §4), answered.  LMTP
answers the end of DATA once per accepted recipient, so the LMTP dialogue
follows the first of those replies with a NOOP and reads up to NOOP's reply.
"""

from __future__ import annotations

import re

from tests.fuzz.dialogue import Dialogue

__all__ = ["LmtpDialogue", "SmtpDialogue"]

_REPLY = re.compile(rb"\d{3}([ -]|\r?\n)")
_TLS_GO_AHEAD = re.compile(rb"220 .*TLS")
_NOOP_REPLY = b"250 2.0.0 OK\r\n"


class SmtpDialogue(Dialogue):
    probe = b"NOOP\r\n"

    data = False  # after 354: message lines, answered only at the final "."
    data_line = b""  # the DATA line being assembled (aiosmtpd ends a data line at CRLF)
    sasl = False  # after 334: the next line is a SASL response

    def line(self, line: bytes) -> None:
        if self.data:
            self.data_line += line
            if self.data_line.endswith(b"\r\n"):
                ended, self.data_line = self.data_line == b".\r\n", b""
                if ended:
                    self.data = False
                    self.end_of_data(line)
            return
        sasl, self.sasl = self.sasl, False
        self.replied(line, self.answer(line), sasl)

    def replied(self, line: bytes, reply: bytes | None, sasl: bool) -> None:
        if reply is None:
            return
        if reply.startswith(b"354"):
            self.data = True
        elif reply.startswith(b"334"):
            self.sasl = True
        elif not sasl and _TLS_GO_AHEAD.match(reply):
            self.go_tls()

    def end_of_data(self, line: bytes) -> None:
        self.answer(line)

    def read_answer(self) -> bytes | None:
        while (line := self.wire.line()) is not None:
            if not _REPLY.match(line):
                raise AssertionError(f"not an SMTP reply line: {line[:200]!r}")
            if line[3:4] != b"-":
                return line
        return None

    def pending(self) -> bytes:
        if self.data:
            return b"\r\n.\r\n" if self.partial or self.data_line else b".\r\n"
        if self.partial:
            return b"\r\n"
        return b"*\r\n" if self.sasl else b""  # RFC 4954 §4: "*" cancels

    def positive(self, answer: bytes) -> bool:
        return answer[:1] in (b"2", b"3")

    def goodbye(self, sent: bytes, answer: bytes) -> bool:
        return answer[:3] in (b"221", b"421") or answer.startswith(b"502 5.5.1 Too many")


class LmtpDialogue(SmtpDialogue):
    def end_of_data(self, line: bytes) -> None:
        """RFC 2033 §4.2: one reply per recipient; a NOOP marks where they end."""
        if self.answer(line) is None:
            return
        self.wire.send(self.probe)
        while (reply := self.read_answer()) is not None:
            if reply == _NOOP_REPLY:
                return
