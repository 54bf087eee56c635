"""What every protocol's fuzz dialogue shares: feed bytes as a client would, demand answers.

Theory of operation.  A fuzz case is a payload of arbitrary bytes.  The dialogue
cuts it where the server will (at each LF, and around the octets the protocol
reads unframed, such as an IMAP literal), sends one piece at a time, and after
each complete command waits for the answer that must end it (a tagged line,
``+OK``/``-ERR``, an SMTP reply, or a continuation ``+``).  Its model of the
framing is written from the RFCs, not from hato's reader, so a server that
disagrees shows up as an unanswered command.  A server that closes the
connection after saying something is allowed (BYE, ``421``, too many bad
commands); one that closes without a word, or keeps silent, is not.

``finish()`` completes whatever the payload left open (a line, a literal, a
SASL exchange, DATA), then sends a probe command that must be answered too.
A protocol is one subclass: its ``line`` (what a complete line means in the
current mode), its ``read_answer`` (where an answer ends) and its ``pending``
(the bytes that would complete an open construct).
"""

from __future__ import annotations

import ssl
from abc import ABC, abstractmethod
from dataclasses import dataclass

from tests.fuzz.wire import Unanswered, Wire

__all__ = ["Dialogue", "Limits"]

#: Octets the fuzzer will send to complete an open literal; past this it hangs up.
MAX_PAD = 1_000_000


@dataclass(frozen=True)
class Limits:
    """The server's configured limits the framing depends on."""

    line: int
    literal: int


class Dialogue(ABC):
    #: The command ``finish`` sends last; it must be answered.
    probe: bytes

    def __init__(self, wire: Wire, limits: Limits, *, tls_garbage: bool = False) -> None:
        self.wire = wire
        self.limits = limits
        self.tls_garbage = tls_garbage  # after a STARTTLS go-ahead: plaintext, no handshake
        self.raw = False  # sending plaintext into a TLS handshake: no answers expected
        self.partial = b""  # the start of a line already sent, its LF not yet
        self.owed = 0  # octets the server reads unframed (a literal) before the next line
        self.answers: list[bytes] = []  # the line that ended each answer, in order
        self.greeted = False
        self.said_goodbye = False  # the server ended the session; it may close at once

    # -- sending --------------------------------------------------------------------

    def feed(self, payload: bytes) -> None:
        pos = 0
        while pos < len(payload) and not self.wire.closed:
            pos = self._step(payload, pos)

    def _step(self, payload: bytes, pos: int) -> int:
        if self.raw:
            self.wire.send(payload[pos:])
            return len(payload)
        if self.owed:
            chunk = payload[pos : pos + self.owed]
            self.wire.send(chunk)
            self.owed -= len(chunk)
            return pos + len(chunk)
        end = payload.find(b"\n", pos)
        if end < 0:
            self.wire.send(payload[pos:])
            self.partial += payload[pos:]
            return len(payload)
        piece = payload[pos : end + 1]
        self.wire.send(piece)
        line, self.partial = self.partial + piece, b""
        self.line(line)
        return end + 1

    def finish(self) -> None:
        """Complete what is open, then the probe; hang up instead where that is absurd."""
        for _ in range(8):
            if self.wire.closed or self.raw:
                return
            if self.owed > MAX_PAD:
                return
            completion = b"x" * self.owed or self.pending()
            if not completion:
                break
            self.feed(completion)
        if not self.wire.closed and not self.raw:
            self.feed(self.probe)

    # -- receiving ------------------------------------------------------------------

    def answer(self, sent: bytes) -> bytes | None:
        """The line that ends the answer to ``sent``; None if the server closed after
        saying something (allowed), Unanswered if it closed without a word."""
        before = len(self.wire.transcript)
        ending = self.read_answer()
        if ending is None:
            said = any(who == "S" for who, _ in self.wire.transcript[before:])
            if not said and not self.said_goodbye and not self.wire.reset:
                raise Unanswered(f"connection closed without an answer to {sent[:200]!r}")
            return None
        self.answers.append(ending)
        self.said_goodbye = self.said_goodbye or self.goodbye(sent, ending)
        return ending

    def go_tls(self) -> None:
        """The server said to start TLS: shake hands, or (a fuzz case) send plaintext."""
        if self.tls_garbage:
            self.raw = True
            return
        try:
            self.wire.start_tls()
        except (OSError, ssl.SSLError) as error:  # TimeoutError among them
            raise Unanswered(f"no TLS handshake after the go-ahead: {error}") from error

    # -- the protocol ---------------------------------------------------------------

    def greet(self) -> bytes:
        greeting = self.read_answer()
        if greeting is None:
            raise Unanswered("no greeting")
        self.greeted = True
        return greeting

    @abstractmethod
    def line(self, line: bytes) -> None:
        """A complete line (LF included) has been sent: read what it must bring."""

    @abstractmethod
    def read_answer(self) -> bytes | None:
        """Read one whole answer; its last line, or None at end of stream."""

    @abstractmethod
    def pending(self) -> bytes:
        """Bytes that complete an open line or exchange; b"" when nothing is open."""

    @abstractmethod
    def goodbye(self, sent: bytes, answer: bytes) -> bool:
        """True if ``answer`` ends the session (the connection closes after it)."""

    @abstractmethod
    def positive(self, answer: bytes) -> bool:
        """True if ``answer`` accepted the command (for the set-up lines of a state)."""
