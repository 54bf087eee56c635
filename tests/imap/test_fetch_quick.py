"""FETCH from the index's columns (hato.imap.fetch_quick) answers exactly as the
general item path (hato.imap.fetch_items) does, for every item combination,
\\Recent, keywords, and a message expunged by another session but not yet told."""

from __future__ import annotations

import asyncio
import itertools

from hato.imap.fetch_items import MessageData, item_value
from hato.imap.fetch_quick import QUICK_ITEMS, is_quick, quick_lines
from hato.imap.view import MailboxView, open_view
from hato.proto.imap import FetchAttr, fetch_response
from hato.store import Credentials, FlagMode, MessageMeta, Store
from hato.store.base import Mailstore


async def views(store: Store) -> tuple[Mailstore, MailboxView, MailboxView]:
    account = await store.create_account("q", Credentials(password_hash="x"))
    mailstore = store.mailstore(account.id)
    await mailstore.create_mailbox("INBOX")
    for number in range(6):
        body = b"Subject: %d\r\n\r\n%s\r\n" % (number, b"x" * number)
        await mailstore.append("INBOX", body, MessageMeta(), 1_700_000_000 + number)
    mailbox = await mailstore.get_mailbox("INBOX")
    assert mailbox is not None
    await mailstore.store_flags(mailbox.id, [2, 3], ["\\Seen", "$Work"], FlagMode.ADD)
    await mailstore.store_flags(mailbox.id, [5], ["\\Deleted"], FlagMode.ADD)
    writer = await open_view(store, mailstore, "INBOX", False)  # claims \Recent
    await mailstore.append("INBOX", b"Subject: new\r\n\r\n", MessageMeta(), 1_700_000_100)
    reader = await open_view(store, mailstore, "INBOX", False)
    return mailstore, writer, reader


def general_lines(view: MailboxView, items: list[FetchAttr]) -> list[bytes]:
    lines = []
    for seq, uid in enumerate(view.uids, 1):
        data = MessageData(uid)
        values = [(item.response_key(), item_value(item, data, view)) for item in items]
        lines.append(fetch_response(seq, values))
    return lines


async def test_every_combination_matches_the_general_path(store: Store) -> None:
    mailstore, writer, reader = await views(store)
    await mailstore.expunge(writer.id, [3])  # told to nobody yet: a ghost in the index
    for _ in range(3):
        await asyncio.sleep(0)
    await reader.changes_since(mailstore)
    assert reader.uids is not reader.index.uids  # numbering still has message 3
    names = sorted(QUICK_ITEMS)
    for view in (writer, reader):
        for size in range(1, len(names) + 1):
            for combination in itertools.permutations(names, size):
                items = [FetchAttr(name) for name in combination]
                assert is_quick(items)
                targets = list(enumerate(view.uids, 1))
                assert list(quick_lines(view, targets, items)) == general_lines(view, items)


async def test_runs_of_the_shared_snapshot_match_the_general_path(store: Store) -> None:
    """A view numbering by the index's own snapshot answers a run of messages from
    slices of the columns (``_run_lines``), a set with gaps from one pick of each
    (``_picked_lines``), a single message line by line."""
    mailstore, _, reader = await views(store)
    await reader.changes_since(mailstore)
    assert reader.uids is reader.index.uids
    assert reader.recent and len(reader.recent) < len(reader.uids)  # both kinds of line
    names = sorted(QUICK_ITEMS)
    pairs = list(enumerate(reader.uids, 1))
    for size in range(1, len(names) + 1):
        for combination in itertools.permutations(names, size):
            items = [FetchAttr(name) for name in combination]
            general = general_lines(reader, items)
            for chosen in (pairs, pairs[1:5], pairs[-1:], [pairs[0], pairs[2], pairs[3]]):
                expected = [general[seq - 1] for seq, _ in chosen]
                assert list(quick_lines(reader, chosen, items)) == expected


async def test_recent_and_keywords_are_in_the_flags(store: Store) -> None:
    _, _, reader = await views(store)
    lines = list(quick_lines(reader, list(enumerate(reader.uids, 1)), [FetchAttr("FLAGS")]))
    assert lines[1] == b"* 2 FETCH (FLAGS (\\Seen $Work))\r\n"
    assert lines[-1] == b"* 7 FETCH (FLAGS (\\Recent))\r\n"


def test_sections_are_not_quick() -> None:
    assert not is_quick([FetchAttr("UID"), FetchAttr("INTERNALDATE")])
    assert not is_quick([FetchAttr("ENVELOPE")])
