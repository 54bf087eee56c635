"""Line framing and trace redaction for the POP3 core.

RFC 1939 §3: "Commands in the POP3 consist of a case-insensitive keyword,
possibly followed by one or more arguments ... terminated by a CRLF pair."
RFC 2449 §4: "The maximum length of a command is increased from 47 characters
... to 255 octets, including the terminating CRLF." AUTH lines (RFC 5034 §4)
carry base64 and may be longer, so the reader's hard cap is ``MAX_SASL_LINE`` and
the connection applies ``MAX_COMMAND_LINE`` once it knows what the line is.
A bare LF is accepted as a line end (telnet and some scripts send it).
"""

from __future__ import annotations

import enum

__all__ = [
    "MAX_COMMAND_LINE",
    "MAX_SASL_LINE",
    "TOO_LONG",
    "LineReader",
    "printable",
    "redact",
    "redact_reply",
]

MAX_COMMAND_LINE = 255
MAX_SASL_LINE = 8192
_COMPACT_AT = 16384


class _TooLong(enum.Enum):
    TOO_LONG = "too long"


TOO_LONG = _TooLong.TOO_LONG


class LineReader:
    """Buffers received bytes and hands out complete lines, CRLF removed."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._start = 0
        self._discarding = False  # inside an overlong line: drop bytes until its LF

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def clear(self) -> None:
        """Forget everything buffered (STLS: pipelined plaintext must not survive)."""
        self._buffer.clear()
        self._start = 0
        self._discarding = False

    def next_line(self) -> bytes | _TooLong | None:
        """The next line; TOO_LONG once per overlong line; None if incomplete."""
        while (end := self._buffer.find(b"\n", self._start)) >= 0:
            line = bytes(self._buffer[self._start : end])
            self._start = end + 1
            self._compact()
            if self._discarding:
                self._discarding = False
                continue
            if len(line) > MAX_SASL_LINE:
                return TOO_LONG
            return line.removesuffix(b"\r")
        return self._overflow()

    def _overflow(self) -> _TooLong | None:
        if len(self._buffer) - self._start <= MAX_SASL_LINE:
            return None
        already = self._discarding
        self.clear()
        self._discarding = True
        return None if already else TOO_LONG

    def _compact(self) -> None:
        if self._start == len(self._buffer):
            self._buffer.clear()
            self._start = 0
        elif self._start > _COMPACT_AT:
            del self._buffer[: self._start]
            self._start = 0


def printable(text: str) -> str:
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def redact(line: bytes, *, sasl: bool = False) -> str:
    """A client line for ``--trace``: secrets become ``[REDACTED]``.

    PASS arguments, APOP digests, AUTH initial responses and (``sasl=True``) every
    SASL continuation line except the cancel ``*`` (RFC 5034 §4) are hidden.
    """
    text = printable(line.decode("utf-8", "replace"))
    if sasl:
        return text if text == "*" else "[REDACTED]"
    name, space, args = text.partition(" ")
    keyword = name.upper()
    if keyword == "PASS" and space:
        return f"{name} [REDACTED]"
    if keyword in ("APOP", "AUTH") and " " in args:
        return f"{name} {args.partition(' ')[0]} [REDACTED]"
    return text


def redact_reply(line: bytes) -> str:
    """A server line for ``--trace``: SASL challenges (``+ ...``) become ``[REDACTED]``."""
    if line.startswith(b"+ "):
        return "+ [REDACTED]"
    return printable(line.decode("utf-8", "replace").removesuffix("\r\n"))
