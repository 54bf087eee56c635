"""POP3 maildrops kept between sessions, so that a login to an unchanged INBOX costs no
pass over its messages.

A POP3 client logs in, asks STAT, UIDL and often LIST, fetches what is new and leaves;
most of its logins find the mailbox as the last one left it. Reading every message's UID
and size from the store and writing the UIDL and LIST lines anew is then the same work
each time: 86,719 messages take about 100 ms of it. Dovecot answers from its index
files; hato keeps the last ``Scan`` of each INBOX (the UIDs, the sizes, and the listing
lines once a session has made them) under the mailbox's stamp, and the next login uses
it if the stamp has not moved.

The stamp is what the store says of the mailbox at login: its UIDVALIDITY, UIDNEXT,
HIGHESTMODSEQ, message count and total size. Every change to the set of messages moves
it: an arrival takes a new UID and a new mod-sequence, an expunge a new mod-sequence
(hato's, which QRESYNC's VANISHED (EARLIER) answers from: RFC 7162), and an INBOX made anew after
a rename has a new id and a higher UIDVALIDITY. Another process writing the store
(`hato` commands, a second node on PostgreSQL) is seen the same way, since the stamp is
read from the store at every login. A session reads the stamp first and the listing
after it, so a listing is never older than the stamp it is kept under: one kept under a
stamp a change has since passed is only ever found by a login that read the stamp
before that change, and the listing it gets is the state just after.

The cache has a bound in bytes (``limit``), counted at most ``BYTES_A_MESSAGE`` a
message; the least recently used maildrops go first, and a maildrop over the whole
bound is not kept. A session holds its own reference, so dropping one from the cache
never takes it from a session.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import overload

from hato.proto.pop3 import Scan
from hato.store.base import Mailbox

__all__ = [
    "BYTES_A_MESSAGE",
    "DEFAULT_LIMIT",
    "KeptMaildrop",
    "MaildropCache",
    "Uidls",
    "stamp",
    "uidl",
]

#: The most a kept message can cost: two 8-byte array entries, and its lines in the
#: UIDL listing ("n " and 16 hex digits and CRLF, n up to 10 digits: 29 bytes) and the
#: LIST one ("n size" and CRLF, a size up to 20 digits: 33 bytes).
BYTES_A_MESSAGE = 16 + 29 + 33
#: 64 MiB: about 860,000 messages, the lecture's mailbox ten times over.
DEFAULT_LIMIT = 64 * 1024 * 1024

Stamp = tuple[int, int, int, int, int, int, int]


def stamp(account_id: int, mailbox: Mailbox) -> Stamp:
    """What moves whenever the mailbox's set of messages changes (see the module's text)."""
    return (
        account_id,
        mailbox.id,
        mailbox.uidvalidity,
        mailbox.uidnext,
        mailbox.highestmodseq,
        mailbox.messages,
        mailbox.size,
    )


def uidls(uids: Iterable[int], uidvalidity: int) -> Iterator[str]:
    """Each message's UIDL: its UID then the mailbox's UIDVALIDITY, 8 hex digits each
    (Dovecot's ``pop3_uidl_format = %08Xu%08Xv``: unique, and stable across sessions as
    RFC 1939 §7 asks), the UIDVALIDITY's digits made once."""
    validity = f"{uidvalidity:08x}"
    return (f"{uid:08x}{validity}" for uid in uids)


def uidl(uid: int, uidvalidity: int) -> str:
    return next(uidls((uid,), uidvalidity))


class Uidls(Sequence[str]):
    """A maildrop's UIDL strings, each made when asked from its UID (``uidl``)."""

    def __init__(self, uids: array[int], uidvalidity: int) -> None:
        self._uids = uids
        self._validity = uidvalidity

    def __len__(self) -> int:
        return len(self._uids)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return list(uidls(self._uids[index], self._validity))
        return uidl(self._uids[index], self._validity)

    def __iter__(self) -> Iterator[str]:
        return uidls(self._uids, self._validity)


@dataclass(frozen=True, slots=True)
class KeptMaildrop:
    """An INBOX as a login found it: UIDs and sizes by message number, and the core's
    ``Scan`` over them (its UIDL strings made from the UIDs when asked)."""

    uids: array[int]
    sizes: array[int]
    scan: Scan

    @classmethod
    def of(cls, listing: Sequence[tuple[int, int]], uidvalidity: int) -> KeptMaildrop:
        """From the store's listing, (UID, size) of each message in UID order."""
        uids = array("q", map(itemgetter(0), listing))
        sizes = array("q", map(itemgetter(1), listing))
        return cls(uids, sizes, Scan(Uidls(uids, uidvalidity), sizes))

    @property
    def weight(self) -> int:
        return len(self.uids) * BYTES_A_MESSAGE


class MaildropCache:
    """The last maildrop of each INBOX, under its stamp, within ``limit`` bytes."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self.weight = 0  # of what is kept now
        self._kept: OrderedDict[tuple[int, int], tuple[Stamp, KeptMaildrop]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, current: Stamp) -> KeptMaildrop | None:
        """The maildrop kept under ``current``; None if there is none or it is stale (a
        stale one is dropped: the caller reads the store and keeps the new one)."""
        key = current[:2]
        found = self._kept.get(key)
        if found is None:
            return None
        if found[0] != current:
            self._drop(key)
            return None
        self._kept.move_to_end(key)
        return found[1]

    def keep(self, current: Stamp, maildrop: KeptMaildrop) -> None:
        key = current[:2]
        self._drop(key)
        if maildrop.weight > self.limit:
            return
        self._kept[key] = (current, maildrop)
        self.weight += maildrop.weight
        while self.weight > self.limit:
            self._drop(next(iter(self._kept)))

    def _drop(self, key: tuple[int, int]) -> None:
        found = self._kept.pop(key, None)
        if found is not None:
            self.weight -= found[1].weight
