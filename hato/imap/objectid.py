"""OBJECTID (RFC 8474): ids that name a mailbox and a message's content for good.

- MAILBOXID (§4): ``F`` and 24 hex digits of a hash of the mailbox's row id and its
  UIDVALIDITY. RENAME keeps both, so the id survives it (§4). Renaming INBOX moves its
  messages with their UIDs and UIDVALIDITY to the new name, and the id goes with them;
  the empty INBOX left behind has a new UIDVALIDITY, so clients see a new mailbox, and
  it has a new id to match. A new mailbox gets a new UIDVALIDITY from the
  account's counter, which only grows, so an id is never given again even where the
  database reuses a row id. It is sent in SELECT/EXAMINE's untagged OK (§4.2), in
  CREATE's tagged OK (§4.1), and as STATUS MAILBOXID (§4.3).
- EMAILID (§5.1): ``M`` and 24 hex digits of the message's content digest (its
  trace prefix and its body; ``Mailstore.digests``): a copy or a move keeps it, two
  messages of the same octets share it, messages that differ never do.
- THREADID (§5.2): NIL, which §5.2 allows a server that keeps no thread ids (THREAD
  works out threads per command); SEARCH THREADID matches nothing.

The ids are hashes, not row numbers, so they tell nothing of how many mailboxes or
bodies the server holds, nor whether another account has a body of the same octets.
"""

from __future__ import annotations

import hashlib

from hato.bounded import SizedLru

__all__ = ["KEPT_MAILBOX_IDS", "email_id", "mailbox_id"]

#: MAILBOXIDs kept, of the mailboxes selected last (about 150 bytes each with the key).
KEPT_MAILBOX_IDS = 1024
_DIGITS = 24  # 96 bits: no two of an account's mailboxes or messages meet by chance


def mailbox_id(row_id: int, uidvalidity: int) -> str:
    """The MAILBOXID of the mailbox with this row id and UIDVALIDITY (kept: every
    SELECT of the mailbox says it)."""
    key = (row_id, uidvalidity)
    found = _kept_mailbox_ids.get(key)
    if found is None:
        digest = hashlib.sha256(b"MAILBOXID\0%d\0%d" % key).hexdigest()
        found = "F" + digest[:_DIGITS]
        _kept_mailbox_ids.keep(key, found)
    return found


_kept_mailbox_ids: SizedLru[tuple[int, int], str] = SizedLru(KEPT_MAILBOX_IDS, lambda _: 1)


def email_id(content_digest: bytes) -> str:
    """The EMAILID of a message whose content digest is ``content_digest``."""
    return "M" + content_digest.hex()[:_DIGITS]
