"""What went wrong with the database, told in one line an operator can act on.

libpq's connection errors name the cause well ("Connection refused", "password
authentication failed for user ...", "database ... does not exist") but come
wrapped ("connection failed: ... failed: FATAL:  ...") and over several lines;
this keeps the cause and adds what to do.
"""

from __future__ import annotations

import re

__all__ = ["describe"]

_WRAPPING = re.compile(r"^(?:connection failed|connection is bad): |(?<=: )FATAL: +")
_SPACE = re.compile(r"\s+")

#: (libpq's words for a cause, what the operator can do about it)
_REMEDIES = tuple(
    (re.compile(pattern), remedy)
    for pattern, remedy in (
        ("password authentication failed", "check the user and password in the store url"),
        ('role "[^"]*" does not exist', "check the user in the store url"),
        (r"no pg_hba\.conf entry", "allow this host and user in pg_hba.conf"),
        ('database "[^"]*" does not exist', "create it with createdb, or correct the store url"),
        ("Connection refused", "check the host and port in the store url"),
        ("resolve host|translate host name", "check the host in the store url"),
        ("timeout expired", "check the host, the port and the network"),
        ("No such file or directory", "check the socket directory in the store url"),
        ("the database system is", "wait for PostgreSQL to finish starting or stopping"),
    )
)


def describe(error: BaseException | None) -> str:
    """libpq's message on one line, with a remedy when the cause is a known one."""
    text = _SPACE.sub(" ", _WRAPPING.sub("", str(error))).strip()
    for cause, remedy in _REMEDIES:
        if cause.search(text):
            return f"{text.rstrip('.')} ({remedy})"
    return text or type(error).__name__
