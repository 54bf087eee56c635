"""POP3 maildrops kept between sessions (hato.server.maildrops): found only under the
stamp they were kept with, least recently used dropped first, and within their bound."""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import replace

from hato.server.maildrops import BYTES_A_MESSAGE, KeptMaildrop, MaildropCache, stamp, uidl
from hato.store.base import Mailbox

INBOX = Mailbox(
    id=7,
    name="INBOX",
    special_use=None,
    subscribed=True,
    uidvalidity=1_700_000_000,
    uidnext=4,
    highestmodseq=9,
    messages=3,
    unseen=3,
    size=300,
    first_recent_uid=1,
)


def maildrop(count: int, first_uid: int = 1, size: int = 7_500) -> KeptMaildrop:
    listing = [(uid, size + uid % 100) for uid in range(first_uid, first_uid + count)]
    return KeptMaildrop.of(listing, INBOX.uidvalidity)


def test_a_maildrop_reads_as_the_listing_it_was_made_from() -> None:
    kept = KeptMaildrop.of([(3, 120), (9, 4_000)], 0xABC)
    assert list(kept.uids) == [3, 9] and list(kept.sizes) == [120, 4_000]
    assert list(kept.scan.uids) == [uidl(3, 0xABC), uidl(9, 0xABC)]
    assert kept.scan.total == 4_120
    assert kept.scan.list_lines() == b"1 120\r\n2 4000\r\n"
    assert kept.scan.uidl_lines() == f"1 {uidl(3, 0xABC)}\r\n2 {uidl(9, 0xABC)}\r\n".encode()


def test_found_under_its_stamp_only() -> None:
    cache = MaildropCache()
    now = stamp(1, INBOX)
    kept = maildrop(3)
    assert cache.get(now) is None
    cache.keep(now, kept)
    assert cache.get(now) is kept
    assert cache.get(stamp(2, INBOX)) is None  # another account's mailbox of that id
    assert cache.get(stamp(1, replace(INBOX, id=8))) is None
    assert cache.get(now) is kept


def test_every_change_to_the_messages_moves_the_stamp() -> None:
    now = stamp(1, INBOX)
    arrived = replace(INBOX, uidnext=5, highestmodseq=10, messages=4, size=400)
    expunged = replace(INBOX, highestmodseq=10, messages=2, size=200)
    remade = replace(INBOX, uidvalidity=INBOX.uidvalidity + 1)  # INBOX renamed, made anew
    for changed in (arrived, expunged, remade):
        assert stamp(1, changed) != now


def test_a_stale_maildrop_is_dropped_when_looked_for() -> None:
    cache = MaildropCache()
    cache.keep(stamp(1, INBOX), maildrop(3))
    later = stamp(1, replace(INBOX, uidnext=5, highestmodseq=10, messages=4, size=400))
    assert cache.get(later) is None
    assert len(cache) == 0 and cache.weight == 0
    fresh = maildrop(4)
    cache.keep(later, fresh)
    assert cache.get(later) is fresh and cache.weight == fresh.weight


def test_least_recently_used_go_first_and_the_bound_holds() -> None:
    cache = MaildropCache(limit=2 * 1_000 * BYTES_A_MESSAGE)
    stamps = [stamp(account, INBOX) for account in range(3)]
    drops = [maildrop(1_000) for _ in stamps]
    cache.keep(stamps[0], drops[0])
    cache.keep(stamps[1], drops[1])
    assert cache.get(stamps[0]) is drops[0]  # now the most recently used
    cache.keep(stamps[2], drops[2])
    assert cache.get(stamps[1]) is None
    assert cache.get(stamps[0]) is drops[0] and cache.get(stamps[2]) is drops[2]
    assert cache.weight == 2 * 1_000 * BYTES_A_MESSAGE <= cache.limit


def test_a_maildrop_over_the_whole_bound_is_not_kept() -> None:
    cache = MaildropCache(limit=10 * BYTES_A_MESSAGE)
    cache.keep(stamp(1, INBOX), maildrop(5))
    cache.keep(stamp(2, INBOX), maildrop(11))
    assert len(cache) == 1 and cache.get(stamp(1, INBOX)) is not None


def test_a_maildrop_costs_no_more_than_its_weight_with_both_listings_made() -> None:
    """The weight is an upper bound of what a kept maildrop holds, listings included, even
    with the widest numbers a message has (UIDs and sizes of many digits)."""
    gc.collect()
    tracemalloc.start()
    try:
        kept = maildrop(20_000, first_uid=4_000_000_000, size=10**15)
        kept.scan.list_lines()
        kept.scan.uidl_lines()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held <= kept.weight


def test_a_full_cache_holds_no_more_than_its_limit() -> None:
    limit = 4 * 1024 * 1024
    gc.collect()
    tracemalloc.start()
    try:
        cache = MaildropCache(limit=limit)
        for account in range(200):  # 200 mailboxes of 1,000 messages: 15 MB unbounded
            kept = maildrop(1_000)
            kept.scan.list_lines()
            kept.scan.uidl_lines()
            cache.keep(stamp(account, INBOX), kept)
        del kept
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert cache.weight <= limit
    assert held <= limit
    assert len(cache) == limit // (1_000 * BYTES_A_MESSAGE)
