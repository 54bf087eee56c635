"""NOTIFY (RFC 5465): from an LMTP delivery to INBOX to the STATUS line of a client that
has another mailbox selected and asked for INBOX's events.

One raw-socket client logs in, selects a mailbox of its own (``Notified``, created if
need be), and sends ``NOTIFY SET (selected ...) (inboxes (MessageNew MessageExpunge))``;
the clock starts before one small message goes over a new LMTP connection and stops when
the client reads ``* STATUS INBOX``. Both servers list NOTIFY (Dovecot 2.3 learns of the
change through its mailbox watch, as its IDLE does).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bench.imap_session import ms_since
from bench.load import deliver_one
from bench.raw_client import open_imap, tagged

if TYPE_CHECKING:
    from bench.measurements import Context
    from bench.target import Target

__all__ = ["delivery_to_status"]

_EVENTS = b"(MessageNew MessageExpunge)"


def delivery_to_status(target: Target, context: Context) -> float:
    client = open_imap(target, select=False)
    try:
        client.send(b"c CREATE Notified\r\n")
        tagged(client, b"c", refused_too=True)  # there already from an earlier run
        client.send(b"s SELECT Notified\r\n")
        tagged(client, b"s")
        client.send(b"n NOTIFY SET (selected %s) (inboxes %s)\r\n" % (_EVENTS, _EVENTS))
        tagged(client, b"n")
        start = time.perf_counter()
        deliver_one(target)
        while not client.line().startswith(b"* STATUS INBOX "):
            pass
        return ms_since(start)
    finally:
        client.close()
