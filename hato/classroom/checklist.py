"""The lab checklist's rules: a session's transcript read as commands and their answers,
and which of the lecture's steps (data/steps.toml) those answers complete. Pure: fed one
transcript line at a time, by the live pages or by a test.

A command counts only with a positive answer: POP3 ``+OK`` (RFC 1939 §3), an IMAP tagged
``OK`` (RFC 9051 §7.1), an SMTP 2xx reply (RFC 5321 §4.2.1); for SMTP DATA, the reply
after the message (RFC 5321 §4.1.1.4), not the 354 that invites it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources

__all__ = ["Conversation", "Exchange", "Step", "done_steps", "load_steps", "parse_steps"]


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Command words each protocol knows: any other word is a typo, for the hints.
KNOWN = {
    "pop3": _word_set("USER PASS APOP STAT LIST RETR DELE NOOP RSET QUIT TOP UIDL CAPA STLS AUTH"),
    "imap": _word_set(
        "CAPABILITY NOOP LOGOUT STARTTLS AUTHENTICATE LOGIN ENABLE SELECT EXAMINE CREATE DELETE"
        " RENAME SUBSCRIBE UNSUBSCRIBE LIST LSUB NAMESPACE STATUS APPEND IDLE CHECK CLOSE"
        " UNSELECT EXPUNGE SEARCH FETCH STORE COPY MOVE UID ID GETQUOTA GETQUOTAROOT SETQUOTA"
    ),
    "smtp": _word_set("HELO EHLO MAIL RCPT DATA RSET VRFY EXPN HELP NOOP QUIT STARTTLS AUTH BDAT"),
}
_LOGINS = {"pop3": ("PASS", "APOP", "AUTH"), "imap": ("LOGIN", "AUTHENTICATE")}
#: An SMTP session's stages in order, and the last stage each command must be past.
_SMTP_ORDER = ("before-helo", "before-mail", "before-rcpt", "")
_SMTP_NEEDS = {"MAIL": "before-helo", "RCPT": "before-mail", "DATA": "before-rcpt"}


@dataclass(frozen=True, slots=True)
class Exchange:
    """One command and the server's answer to it, with what the session was before."""

    command: str  # the command word, upper case ("UID FETCH" for IMAP's UID commands)
    answer: str
    positive: bool
    known: bool
    logged_in: bool
    untagged: bool = False  # IMAP: the line began with a command word, not a tag
    smtp_stage: str = ""  # SMTP: "before-helo", "before-mail", "before-rcpt" or ""


def _words(line: str, count: int) -> list[str]:
    return line.split(None, count)[:count]


@dataclass(slots=True)
class Conversation:
    """A session's transcript read line by line into ``Exchange``s (``feed``)."""

    protocol: str
    logged_in: bool = False
    _pending: list[tuple[str, Exchange]] = field(default_factory=list)
    _in_data: bool = False
    _smtp: str = "before-helo"

    def feed(self, direction: str, text: str) -> Exchange | None:
        """One line: ``C`` from the client, ``S`` from the server; an ``Exchange`` when
        the line is the answer that completes a command."""
        if direction == "C":
            self._command(text)
            return None
        if direction == "S":
            return self._answer(text)
        return None

    def _command(self, text: str) -> None:
        if self._in_data:
            return  # the message itself (summarised by the trace)
        words = _words(text, 3)
        if not words:
            return
        known = KNOWN.get(self.protocol, frozenset())
        tag = ""
        untagged = False
        if self.protocol == "imap":
            untagged = words[0].upper() in known and (
                len(words) < 2 or words[1].upper() not in known
            )
            if not untagged:
                tag, words = words[0], words[1:]
        verb = words[0].upper() if words else ""
        if verb == "UID" and len(words) > 1:
            verb = f"UID {words[1].upper()}"
        exchange = Exchange(
            command=verb,
            answer="",
            positive=False,
            known=verb.split(" ")[0] in known,
            logged_in=self.logged_in,
            untagged=untagged,
            smtp_stage=self._smtp_stage(verb),
        )
        if self.protocol != "imap":
            self._pending.clear()  # POP3 and SMTP answer each command before the next
        self._pending.append((tag, exchange))
        del self._pending[:-64]  # pipelined commands with lost answers stay bounded

    def _smtp_stage(self, verb: str) -> str:
        """The step this command skipped (RFC 5321 §4.1.4's order), or ""."""
        needs = _SMTP_ORDER.index(_SMTP_NEEDS[verb]) if verb in _SMTP_NEEDS else -1
        return self._smtp if _SMTP_ORDER.index(self._smtp) <= needs else ""

    def _answer(self, text: str) -> Exchange | None:
        if self.protocol == "imap":
            return self._imap_answer(text)
        if not self._pending:
            return None
        if self.protocol == "smtp" and (len(text) < 4 or text[3] == "-"):
            return None  # a line of a multi-line reply: the last one counts
        _, exchange = self._pending[-1]
        positive = text.startswith("+OK") if self.protocol == "pop3" else text[:1] == "2"
        if self.protocol == "smtp" and exchange.command == "DATA" and text.startswith("354"):
            self._in_data = True
            return None
        self._in_data = False
        self._pending.clear()
        return self._settle(exchange, text, positive)

    def _imap_answer(self, text: str) -> Exchange | None:
        first = _words(text, 3)
        if first[:1] == ["*"] and len(first) > 1 and first[1].upper() == "PREAUTH":
            self.logged_in = True
        if len(first) < 2 or first[0] in ("*", "+"):
            if first[:2] == ["*", "BAD"] and self._pending:
                _, exchange = self._pending.pop()  # a line the server could not tag
                return self._settle(exchange, text, False)
            return None
        for index, (tag, exchange) in enumerate(self._pending):
            if tag == first[0] or (exchange.untagged and tag == ""):
                del self._pending[index]
                return self._settle(exchange, text, first[1].upper() == "OK")
        return None

    def _settle(self, exchange: Exchange, answer: str, positive: bool) -> Exchange:
        if positive and exchange.command in _LOGINS.get(self.protocol, ()):
            self.logged_in = True
        if positive and self.protocol == "smtp":
            self._advance_smtp(exchange.command)
        return Exchange(
            command=exchange.command,
            answer=answer,
            positive=positive,
            known=exchange.known,
            logged_in=exchange.logged_in,
            untagged=exchange.untagged,
            smtp_stage=exchange.smtp_stage,
        )

    def _advance_smtp(self, verb: str) -> None:
        """RFC 5321 §4.1.4: HELO/EHLO, then MAIL, RCPT, DATA; RSET and DATA start over."""
        following = {
            "HELO": "before-mail",
            "EHLO": "before-mail",
            "MAIL": "before-rcpt",
            "RCPT": "",
            "DATA": "before-mail",
            "RSET": "before-mail",
        }
        if verb in following and not (verb == "RSET" and self._smtp == "before-helo"):
            self._smtp = following[verb]


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    protocol: str
    label: str
    commands: frozenset[str]
    tls: bool = False  # a session that began with TLS completes it


def parse_steps(text: str) -> tuple[Step, ...]:
    """The step list from its TOML text; a ``ValueError`` names a malformed step."""
    steps = []
    for number, entry in enumerate(tomllib.loads(text).get("step", []), 1):
        try:
            steps.append(
                Step(
                    id=str(entry["id"]),
                    protocol=str(entry["protocol"]).lower(),
                    label=str(entry["label"]),
                    commands=frozenset(str(c).upper() for c in entry.get("commands", [])),
                    tls=bool(entry.get("tls", False)),
                )
            )
        except KeyError as missing:
            raise ValueError(f"step {number}: no {missing.args[0]}") from None
    return tuple(steps)


def load_steps() -> tuple[Step, ...]:
    """The lecture's steps, as shipped in the package."""
    return parse_steps(resources.files("hato.classroom").joinpath("data/steps.toml").read_text())


def done_steps(
    steps: Sequence[Step], protocol: str, tls_at_open: bool, exchanges: Iterable[Exchange]
) -> set[str]:
    """The ids of the steps that one session of ``protocol`` completed."""
    mine = [step for step in steps if step.protocol == protocol]
    done = {step.id for step in mine if step.tls and tls_at_open}
    succeeded = {exchange.command for exchange in exchanges if exchange.positive}
    done.update(step.id for step in mine if step.commands & succeeded)
    return done
