"""POP3 framing for the fuzzer (RFC 1939 §3, RFC 2449 §4, RFC 5034 §4).

Every line gets one status line, ``+OK`` or ``-ERR``, or a SASL continuation
``+ ``, after which the next line is the client's response (one line,
answered).  A positive answer is multi-line, ended by a lone ``.``, for CAPA,
RETR and TOP, and for LIST, UIDL and AUTH without an argument (RFC 1939 §5,
§7; RFC 2449 §5; RFC 5034 §4).  A bare LF ends a line too (hato accepts it,
as the module docstring of hato.proto.pop3._lines says).
"""

from __future__ import annotations

from tests.fuzz.dialogue import Dialogue

__all__ = ["Pop3Dialogue"]

_ALWAYS_MULTILINE = {"CAPA", "RETR", "TOP"}
_MULTILINE_WITHOUT_ARGUMENT = {"LIST", "UIDL", "AUTH"}
_TLS_GO_AHEAD = b"+OK Begin TLS"


def multiline(text: bytes) -> bool:
    """Whether a positive answer to the command ``text`` is a multi-line one."""
    name, _, argument = text.decode("utf-8", "replace").partition(" ")
    keyword = name.upper()
    if keyword == "AUTH":
        return not argument  # the mechanism list; AUTH's argument is taken verbatim
    return keyword in _ALWAYS_MULTILINE or (
        keyword in _MULTILINE_WITHOUT_ARGUMENT and not argument.lstrip(" ")
    )


class Pop3Dialogue(Dialogue):
    probe = b"NOOP\r\n"

    sasl = False  # the next line is a SASL response
    text = b""  # the command being answered
    answering_sasl = False  # ... and it was a SASL response

    def line(self, line: bytes) -> None:
        self.text = line[:-1].removesuffix(b"\r")
        self.answering_sasl, self.sasl = self.sasl, False
        answer = self.answer(line)
        if answer is None:
            return
        if answer.startswith(b"+ ") or answer == b"+\r\n":
            self.sasl = True
        elif answer.startswith(_TLS_GO_AHEAD) and not self.answering_sasl:
            self.go_tls()

    def read_answer(self) -> bytes | None:
        status = self.wire.line()
        if status is None or not status.startswith(b"+OK") or not self.greeted:
            return status
        if self.answering_sasl or not multiline(self.text):
            return status
        while (line := self.wire.line()) is not None:
            if line in (b".\r\n", b".\n"):
                return status
        return None

    def pending(self) -> bytes:
        if self.partial:
            return b"\r\n"
        return b"*\r\n" if self.sasl else b""  # RFC 5034 §4: "*" cancels

    def positive(self, answer: bytes) -> bool:
        return answer.startswith(b"+")

    def goodbye(self, sent: bytes, answer: bytes) -> bool:
        """QUIT, or the bad-command limit (whose -ERR comes after the command's own)."""
        keyword = sent.removesuffix(b"\n").removesuffix(b"\r").partition(b" ")[0].upper()
        quit_ = keyword == b"QUIT" and not self.answering_sasl
        return quit_ or answer.startswith(b"-ERR Too many")
