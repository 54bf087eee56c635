"""IMAP client helpers shared by the rows: log in, select, check answers, and tell a
server that refuses a command (BAD or NO: an extension it lacks) from one that fails."""

from __future__ import annotations

import imaplib
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bench.target import Target

if TYPE_CHECKING:
    from bench.measurements import Context

__all__ = [
    "TIMEOUT",
    "Refused",
    "accepted",
    "check",
    "expect",
    "login",
    "ms_since",
    "refusals",
    "selected",
]

TIMEOUT = 300.0
_SHOWN = 40  # characters of the server's answer kept for the table
_PREFIX = re.compile(r"^Error in IMAP command \S+: ")  # Dovecot's (and hato's) preamble


class Refused(Exception):
    """The server answered BAD or NO to the command a row measures: the row shows
    ``n/a (BAD …)`` for that server instead of a number."""

    def __init__(self, status: str, text: str) -> None:
        text = _PREFIX.sub("", text)
        shown = text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
        super().__init__(f"{status} {shown}".strip())


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def login(target: Target) -> imaplib.IMAP4:
    client = imaplib.IMAP4(target.host, target.ports["imap"], timeout=TIMEOUT)
    client.login(target.user, target.password)
    return client


@contextmanager
def selected(target: Target, context: Context) -> Iterator[imaplib.IMAP4]:
    """A logged-in client with INBOX selected, holding ``context.count`` messages."""
    client = login(target)
    try:
        status, data = client.select("INBOX")
        if status != "OK" or data[0] != str(context.count).encode():
            raise RuntimeError(f"{target.name}: SELECT INBOX says {status} {data}")
        yield client
    finally:
        client.logout()


def check(status: str, data: object) -> None:
    if status != "OK":
        raise RuntimeError(f"IMAP said {status} {data!r}")


def expect(target: Target, what: str, got: int, wanted: int) -> None:
    """Checked after the clock stops: a fast wrong answer must not pass for a fast one."""
    if got != wanted:
        raise RuntimeError(f"{target.name}: {what}: {got} answers, not {wanted}")


def _text(data: object) -> str:
    if isinstance(data, list) and data and isinstance(data[0], bytes):
        return data[0].decode(errors="replace")
    return str(data)


@contextmanager
def refusals() -> Iterator[None]:
    """Turn imaplib's error for a tagged BAD into ``Refused`` (imaplib raises on BAD)."""
    try:
        yield
    except imaplib.IMAP4.error as error:
        # imaplib's text: "SORT command error: BAD [b'Unknown command.']"
        found = re.search(r"\bBAD \[b?['\"](.*)['\"]\]", str(error))
        if found is None:
            raise
        raise Refused("BAD", found.group(1)) from error


def accepted(status: str, data: object) -> None:
    """A NO to an extension command is a refusal too; anything but OK stops the row."""
    if status != "OK":
        raise Refused(status, _text(data))
