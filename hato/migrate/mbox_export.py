"""``hato export mbox``: one mailbox as an mboxrd file (RFC 4155), read a batch at a time.

Each message gets a From_ line (``MAILER-DAEMON`` and its INTERNALDATE in UTC
asctime form: the envelope sender is not kept), ``Status``/``X-Status`` for its
flags at the end of its header (as ``hato import mbox`` and mutt read them),
LF line ends, and one more ``>`` on every ``>*From `` line (mboxrd), so the
import gives back the same bytes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from hato.store.base import Mailstore, MessageSummary

__all__ = ["BATCH", "export_mbox", "mbox_entry"]

BATCH = 200
_FROM = re.compile(rb"^(>*From )", re.MULTILINE)
_X_STATUS = (("\\Answered", "A"), ("\\Flagged", "F"), ("\\Draft", "T"), ("\\Deleted", "D"))


def mbox_entry(content: bytes, flags: frozenset[str], internal_date: int) -> bytes:
    """One message as it stands in an mboxrd file, ending in the separating empty line."""
    text = content.replace(b"\r\n", b"\n")
    header, blank, body = text.partition(b"\n\n")
    if not blank:  # a header without a body
        header, body = header.rstrip(b"\n"), b""
    stamp = time.asctime(time.gmtime(internal_date))
    lines = [f"From MAILER-DAEMON {stamp}\n".encode(), header, b"\n", _status(flags), b"\n"]
    body = _FROM.sub(rb">\1", body)
    lines += [body, b"" if body.endswith(b"\n") or not body else b"\n", b"\n"]
    return b"".join(lines)


def _status(flags: frozenset[str]) -> bytes:
    status = "RO" if "\\Seen" in flags else "O"
    x_status = "".join(letter for flag, letter in _X_STATUS if flag in flags)
    return f"Status: {status}\n".encode() + (
        f"X-Status: {x_status}\n".encode() if x_status else b""
    )


async def export_mbox(mailstore: Mailstore, name: str, write: Callable[[bytes], object]) -> int:
    """Write every message of the mailbox in UID order; the number written."""
    mailbox = await mailstore.get_mailbox(name)
    assert mailbox is not None
    summaries = await mailstore.messages(mailbox.id)
    for start in range(0, len(summaries), BATCH):
        await _write_batch(mailstore, mailbox.id, summaries[start : start + BATCH], write)
    return len(summaries)


async def _write_batch(
    mailstore: Mailstore,
    mailbox_id: int,
    batch: list[MessageSummary],
    write: Callable[[bytes], object],
) -> None:
    bodies = await mailstore.read_messages(mailbox_id, [s.uid for s in batch])
    for summary in batch:
        write(mbox_entry(bodies[summary.uid], summary.flags, summary.internal_date))
