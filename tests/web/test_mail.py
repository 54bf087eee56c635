"""hato.web.mail on every backend: lists, search, one message, changes, waiting."""

from __future__ import annotations

import asyncio

import pytest

from hato.store import Delivery, Mailstore, Store
from hato.store.meta import message_meta
from hato.store.sql.tx import Tx
from hato.web import mail
from tests.store.conftest import make_account
from tests.web.messages import japanese, plain, with_attachment


async def deliver(store: Store, box: Mailstore, raw: bytes, when: int = 1_700_000_000) -> None:
    await store.deliver(raw, message_meta(raw), when, [Delivery(box.account_id)])


async def forget_listing(tx: Tx) -> None:
    """Make every body look stored before migration 10, which kept no list columns."""
    await tx.run("UPDATE blob_meta SET snippet = NULL, attachments = NULL")


async def test_a_page_is_newest_first_with_its_total(store: Store) -> None:
    alice = await make_account(store, "alice")
    for n in range(120):
        await deliver(store, alice, plain(f"message {n}", f"body number {n}"))
    first = await mail.list_page(alice)
    assert first.total == 120 and first.start == 0
    assert [line.subject for line in first.lines[:2]] == ["message 119", "message 118"]
    assert len(first.lines) == mail.PAGE_SIZE
    last = await mail.list_page(alice, start=100)
    assert [line.uid for line in last.lines] == list(range(20, 0, -1))
    line = last.lines[0]
    assert line.snippet == "body number 19"
    assert line.from_ is not None and line.from_.address == "alice@example.org"
    assert [person.address for person in line.to] == ["bob@example.org"]
    assert not line.seen and line.attachments == 0


async def test_attachment_marks_and_snippets_of_old_bodies_are_worked_out_and_kept(
    store: Store,
) -> None:
    alice = await make_account(store, "alice")
    await deliver(store, alice, with_attachment("report", "r.pdf", b"%PDF"))
    await deliver(store, alice, plain("old", "from before"))
    await store._db.write(forget_listing)  # type: ignore[attr-defined]
    lines = (await mail.list_page(alice)).lines
    assert [(line.subject, line.snippet, line.attachments) for line in lines] == [
        ("old", "from before", 0),
        ("report", "see the attachment", 1),
    ]
    inbox = await alice.get_mailbox("INBOX")
    assert inbox is not None
    [kept] = await alice.list_messages(inbox.id, [2])
    assert (kept.snippet, kept.attachments) == ("from before", 0)


@pytest.mark.parametrize(
    ("query", "subjects"),
    [
        ("from:carol", ["report"]),
        ("subject:lunch", ["lunch"]),
        ("has:attachment", ["report", "会議"]),
        ("is:unread", ["report", "lunch"]),
        ("pizza", ["lunch"]),
        ('"pizza at noon"', ["lunch"]),
        ("電子メール", ["会議"]),
        ("before:2023-11-14", []),
        ("after:2023-11-13", ["report", "lunch", "seen", "会議"]),
    ],
)
async def test_search_means_what_imap_search_means(
    store: Store, query: str, subjects: list[str]
) -> None:
    alice = await make_account(store, "alice")
    await deliver(store, alice, japanese("iso-2022-jp", "会議", "電子メールの仕組み", "a.pdf"))
    await deliver(store, alice, plain("seen", "nothing"))
    await deliver(store, alice, plain("lunch", "pizza at noon"))
    await deliver(store, alice, with_attachment("report", "r.pdf", b"%PDF"))
    inbox = await alice.get_mailbox("INBOX")
    assert inbox is not None
    await mail.set_flags(alice, [mail.message_id(inbox, 1), mail.message_id(inbox, 2)], ["\\Seen"])
    found = await mail.search_page(store, alice, query)
    assert [line.subject for line in found.lines] == subjects
    assert found.total == len(subjects)


async def test_a_search_that_is_none_is_a_bad_request(store: Store) -> None:
    alice = await make_account(store, "alice")
    with pytest.raises(mail.BadRequest, match="not closed"):
        await mail.search_page(store, alice, '"open')


async def test_another_accounts_ids_are_not_found(store: Store) -> None:
    alice = await make_account(store, "alice")
    bob = await make_account(store, "bob")
    await deliver(store, bob, plain("secret", "for bob"))
    [line] = (await mail.list_page(bob)).lines
    for call in (mail.message, mail.raw_source):
        with pytest.raises(mail.NotFound):
            await call(alice, line.id)
    with pytest.raises(mail.NotFound):
        await mail.attachment(alice, line.id, "1")
    with pytest.raises(mail.NotFound):
        await mail.expunge(alice, [line.id])
    for nonsense in ("", "1", "1-2", "a-b-c", "1-2-3-4", "9" * 100):
        with pytest.raises(mail.NotFound):
            await mail.message(bob, nonsense)
    assert (await mail.list_page(bob)).total == 1


async def test_one_message_and_its_attachment(store: Store) -> None:
    alice = await make_account(store, "alice")
    await deliver(store, alice, with_attachment("report", "../r.pdf", b"%PDF-1.4"))
    [line] = (await mail.list_page(alice)).lines
    opened = await mail.message(alice, line.id)
    assert opened.view.text == "see the attachment\n"
    [attached] = opened.view.attachments
    download = await mail.attachment(alice, line.id, attached.section)
    assert (download.filename, download.content_type, download.data) == (
        "r.pdf",
        "application/pdf",
        b"%PDF-1.4",
    )
    assert (await mail.raw_source(alice, line.id)).startswith(b"From: Carol")
    with pytest.raises(mail.NotFound):
        await mail.attachment(alice, line.id, "7")


async def test_flags_move_delete_and_empty_trash(store: Store) -> None:
    alice = await make_account(store, "alice")
    await alice.create_mailbox("Trash", "\\Trash")
    await alice.create_mailbox("Archive")
    for n in range(3):
        await deliver(store, alice, plain(f"m{n}", "x"))
    ids = [line.id for line in (await mail.list_page(alice)).lines]
    await mail.set_flags(alice, ids[:1], add=["\\Seen", "\\Flagged"])
    first = (await mail.list_page(alice)).lines[0]
    assert first.seen and first.flagged
    await mail.set_flags(alice, ids[:1], remove=["\\Seen"])
    assert not (await mail.list_page(alice)).lines[0].seen
    with pytest.raises(mail.BadRequest):
        await mail.set_flags(alice, ids[:1], add=["\\Recent"])
    [moved] = await mail.move(alice, ids[:1], "Archive")
    assert (await mail.message(alice, moved)).line.subject == "m2"
    await mail.delete(alice, ids[1:2])
    trash = await mail.list_page(alice, "Trash")
    assert [line.subject for line in trash.lines] == ["m1"]
    await mail.delete(alice, [trash.lines[0].id])  # out of Trash: for good
    assert (await mail.list_page(alice, "Trash")).total == 0
    await mail.delete(alice, ids[2:])
    assert await mail.empty_trash(alice) == 1
    await deliver(store, alice, plain("again", "x"))
    assert await mail.delete_all(alice) == 1
    assert (await mail.list_page(alice)).total == 0
    with pytest.raises(mail.NotFound):
        await mail.list_page(alice, "Nowhere")


async def test_wait_finds_what_is_there_what_arrives_and_times_out(store: Store) -> None:
    alice = await make_account(store, "alice")
    await deliver(store, alice, plain("first", "x", to="alice@example.org"))
    found = await mail.wait_for(store, alice, "alice@", "first", 5)
    assert found is not None and found.subject == "first"
    assert await mail.wait_for(store, alice, "alice@", "second", 0.2) is None

    async def later() -> None:
        await asyncio.sleep(0.3)
        await deliver(store, alice, plain("second", "x", to="alice@example.org"))

    task = asyncio.create_task(later())
    found = await mail.wait_for(store, alice, "alice@", "second", 30)
    await task
    assert found is not None and found.subject == "second"


async def test_has_attachment_finds_old_bodies_too(store: Store) -> None:
    alice = await make_account(store, "alice")
    await deliver(store, alice, with_attachment("report", "r.pdf", b"%PDF"))
    await deliver(store, alice, plain("plain", "no file"))
    await store._db.write(forget_listing)  # type: ignore[attr-defined]
    found = await mail.search_page(store, alice, "has:attachment")
    assert [line.subject for line in found.lines] == ["report"]
    inbox = await alice.get_mailbox("INBOX")
    assert inbox is not None
    assert await alice.attachment_counts(inbox.id) == {1: 1, 2: 0}  # worked out and kept
