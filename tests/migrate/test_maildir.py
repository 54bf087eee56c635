"""``hato import maildir`` on hand-made Dovecot Maildirs, on both backends: uidlist versions 1
and 3, keywords, flag letters, folder names, subscriptions, and each kind of bad input reported
with its file or line while the rest is imported; a second run imports nothing twice."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from hato.migrate import maildir_import
from hato.migrate.maildir import read_uidlist
from hato.migrate.maildir_export import export_maildir
from hato.migrate.maildir_import import MaildirImport, import_maildir, maildir_totals
from hato.store import Mailstore, MessageMeta, Store
from hato.store.indexing import index_backlog
from tests.store.conftest import make_account, store  # noqa: F401 - the fixture

MTIME = 1_577_840_400
BODY = b"From: a@example.org\nSubject: %d\n\nline one\nline two\n"


def deliver(folder: Path, name: str, body: bytes, sub: str = "cur") -> Path:
    for part in ("cur", "new", "tmp"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    path = folder / sub / name
    path.write_bytes(body)
    os.utime(path, (MTIME, MTIME))
    return path


def message(n: int) -> bytes:
    return BODY.replace(b"%d", str(n).encode())


def sized(base: str, n: int) -> str:
    body = message(n)
    lines = body.count(b"\n")
    return f"{base},S={len(body)},W={len(body) + lines}"


def inbox(root: Path) -> None:
    """INBOX as Dovecot 2.3 leaves it: version 3 list, a stale N, keywords, flags."""
    deliver(root, sized("100.M1P1.host", 1) + ":2,Sab", message(1))
    deliver(root, sized("100.M2P1.host", 2) + ":2,RFTDc", message(2))
    deliver(root, sized("100.M3P1.host", 3), message(3), "new")  # not listed: next free UID
    (root / "dovecot-uidlist").write_text(
        "3 V1796422671 N1 G00b325220f3c136b7b77000083ecc375\n"
        f"5 :{sized('100.M1P1.host', 1)}\n"
        f"9 W99 :{sized('100.M2P1.host', 2)}:2,S\n"  # last known name, flags since changed
        "12 :100.M9P1.host,S=10\n"  # expunged: no file any more
    )
    (root / "dovecot-keywords").write_text("0 $Forwarded\n1 Custom1\n2 Other\n")
    (root / "subscriptions").write_text("V\t2\n\nCaf&AOk-\tSub\nArchive\n")


def archive(root: Path) -> None:
    """A folder with a version 1 list and a UIDNEXT above its last message."""
    folder = root / ".Archive"
    deliver(folder, sized("200.M1P1.host", 4) + ":2,S", message(4))
    (folder / "dovecot-uidlist").write_text(f"1 1700000000 40\n33 {sized('200.M1P1.host', 4)}\n")


async def imported(box: Mailstore, root: Path) -> MaildirImport:
    return await import_maildir(box, root, 10_000, lambda done: None)


async def state(box: Mailstore) -> dict[str, tuple[int, int, list[tuple[int, frozenset[str]]]]]:
    found = {}
    for mailbox in await box.list_mailboxes():
        rows = [(m.uid, m.flags) for m in await box.messages(mailbox.id)]
        found[mailbox.name] = (mailbox.uidvalidity, mailbox.uidnext, rows)
    return found


async def test_uids_flags_keywords_dates_and_sizes_are_kept(store: Store, tmp_path: Path) -> None:  # noqa: F811
    root = tmp_path / "Maildir"
    inbox(root)
    archive(root)
    box = await make_account(store, "alice")
    done = await imported(box, root)
    assert (done.imported, done.present, done.new_uids, done.gone) == (4, 0, 1, 1)
    assert done.problems == []
    assert maildir_totals(root) == (4, done.bytes_read)  # the progress ends at its total
    found = await state(box)
    seen, answered = {"\\Seen", "$Forwarded", "Custom1"}, {"\\Answered", "\\Flagged"}
    assert found["INBOX"] == (
        1796422671,
        14,  # the unlisted file took 13, after the expunged 12
        [(5, seen), (9, answered | {"\\Deleted", "\\Draft", "Other"}), (13, set())],
    )
    assert found["Archive"] == (1700000000, 40, [(33, frozenset({"\\Seen"}))])
    inbox_box = await box.get_mailbox("INBOX")
    assert inbox_box is not None
    stored = await box.read_message(inbox_box.id, 5)
    assert stored == message(1).replace(b"\n", b"\r\n")
    summary = (await box.messages(inbox_box.id))[0]
    assert summary.internal_date == MTIME and summary.size == len(stored)
    assert "Archive" in await box.subscriptions()


async def test_a_second_run_imports_nothing_twice(store: Store, tmp_path: Path) -> None:  # noqa: F811
    root = tmp_path / "Maildir"
    inbox(root)
    archive(root)
    box = await make_account(store, "alice")
    await imported(box, root)
    before = await state(box)
    again = await imported(box, root)
    assert (again.imported, again.present, again.problems) == (0, 4, [])
    assert await state(box) == before


async def test_standard_mailboxes_take_dovecots_uidvalidity_and_special_use(
    store: Store,  # noqa: F811
    tmp_path: Path,
) -> None:
    root = tmp_path / "Maildir"
    inbox(root)
    for name in ("Sent Messages", "Junk"):
        folder = root / f".{name}"
        deliver(folder, sized("300.M1P1.host", 5), message(5))
        (folder / "dovecot-uidlist").write_text(f"3 V77 N2\n1 :{sized('300.M1P1.host', 5)}\n")
    box = await make_account(store, "alice")
    await box.create_mailbox("Junk")  # empty: takes the folder's UIDVALIDITY
    done = await imported(box, root)
    assert done.problems == []
    listed = {m.name: m for m in await box.list_mailboxes()}
    assert listed["Sent Messages"].special_use == "\\Sent"
    assert listed["Junk"].special_use == "\\Junk" and listed["Junk"].uidvalidity == 77


async def test_bad_input_is_reported_and_the_rest_imported(store: Store, tmp_path: Path) -> None:  # noqa: F811
    root = tmp_path / "Maildir"
    inbox(root)
    truncated = deliver(root, "100.M4P1.host,S=999:2,S", message(4))
    deliver(root, "100.M5P1.host", b"")  # empty, no flags part
    second = deliver(root, sized("100.M2P1.host", 2) + ":2,", message(2), "new")
    bad_folder, tilde = root / ".Bad&Name", root / ".~x"
    deliver(bad_folder, "x", message(6))
    deliver(tilde, "y", message(7))
    listed = root / "dovecot-uidlist"
    listed.write_text(listed.read_text() + "7 :dup\nnonsense\n")
    (root / "dovecot-keywords").write_text("0 $Forwarded\n1 Custom1\n2 Other\n30 Bad\n")
    box = await make_account(store, "alice")
    done = await imported(box, root)
    reasons = sorted(str(p) for p in done.problems)
    assert reasons == sorted(
        [
            f"{bad_folder}: folder name is not valid modified UTF-7, folder skipped",
            f"{tilde}: folder name starts with ~, skipped",
            f"{listed} line 5: UID 7 not above the UID before it (12), ignored",
            f"{listed} line 6: not a UID and a file name, ignored",
            f"{root / 'dovecot-keywords'} line 4: not a keyword line, ignored",
            f"{truncated}: {len(message(4))} bytes, the name says S=999: "
            "truncated or changed, skipped",
            f"{second}: a second file of the same message, skipped",
            f"{root / 'cur' / '100.M5P1.host'}: empty message, skipped",
        ]
    )
    assert done.imported == 3  # the two listed and the unlisted one from new/


async def test_a_mailbox_with_mail_under_another_uidvalidity_is_left_alone(
    store: Store,  # noqa: F811
    tmp_path: Path,
) -> None:
    root = tmp_path / "Maildir"
    inbox(root)
    archive(root)
    box = await make_account(store, "alice")
    await box.create_mailbox("Archive")
    await box.append("Archive", b"Subject: mine\r\n\r\n", MessageMeta(), 0)
    done = await imported(box, root)
    assert len(done.problems) == 1
    assert str(done.problems[0]).startswith(f"{root / '.Archive'}: mailbox Archive exists with")
    assert done.imported == 3


async def test_a_maildir_without_uidlists_gets_new_uids_once(store: Store, tmp_path: Path) -> None:  # noqa: F811
    root = tmp_path / "Maildir"
    deliver(root, "1.a.host:2,S", message(1))
    deliver(root, "2.b.host", message(2), "new")
    box = await make_account(store, "alice")
    first = await imported(box, root)
    again = await imported(box, root)
    assert (first.imported, again.imported, again.present) == (2, 0, 2)
    found = await state(box)
    assert found["INBOX"][2] == [(1, frozenset({"\\Seen"})), (2, frozenset())]


async def test_the_index_follows_the_import(store: Store, tmp_path: Path) -> None:  # noqa: F811
    """The import stores the messages without their searchable text, as delivery does: they
    wait for the indexer (``hato index stats``' "waiting"), which indexes every one, those
    with kept UIDs and those appended (a folder without a uidlist) alike."""
    root = tmp_path / "Maildir"
    inbox(root)
    deliver(root / ".Plain", "1.a.host", message(7), "new")  # no dovecot-uidlist there
    box = await make_account(store, "alice")
    done = await imported(box, root)
    assert done.imported == 4 and done.problems == []
    before = await store.index_stats()
    assert (before.bodies, before.indexed) == (4, 0)
    assert await index_backlog(store) == 4
    after = await store.index_stats()
    assert (after.bodies, after.indexed) == (4, 4)


def test_version_1_and_3_headers_and_what_is_not_one(tmp_path: Path) -> None:
    problems: list[object] = []
    (tmp_path / "dovecot-uidlist").write_text("2 V1 N1\n")
    header, entries = read_uidlist(tmp_path, problems)  # type: ignore[arg-type]
    assert header is None and list(entries) == []
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'dovecot-uidlist'} line 1: not a version 1 or 3 header; new UIDs given"
    ]


@pytest.mark.parametrize("text", ["1 5 6\n", "3 V5 N6 Gabc\n"])
def test_headers_read(tmp_path: Path, text: str) -> None:
    (tmp_path / "dovecot-uidlist").write_text(text)
    header, _ = read_uidlist(tmp_path, [])
    assert header is not None and (header.uidvalidity, header.uidnext) == (5, 6)


async def test_export_then_import_gives_the_same_mailboxes(store: Store, tmp_path: Path) -> None:  # noqa: F811
    root = tmp_path / "Maildir"
    inbox(root)
    archive(root)
    alice = await make_account(store, "alice")
    await imported(alice, root)
    await alice.create_mailbox("a/b")  # no Maildir++ name for it
    many = frozenset(f"k{n:02}" for n in range(27))
    await alice.append("Archive", message(9).replace(b"\n", b"\r\n"), MessageMeta(), MTIME, many)
    out = tmp_path / "out"
    done = await export_maildir(alice, out, lambda done: None)
    assert [str(p) for p in done.problems] == [
        "Archive: keyword k26 left out: a Maildir folder holds 26",
        "a/b: a / cannot be in a Maildir++ name",
    ]
    assert (done.messages, done.folders) == (5, 2)
    bob = await make_account(store, "bob")
    back = await imported(bob, out)
    assert back.problems == [] and back.imported == 5
    expected = await state(alice)
    del expected["a/b"]
    uid, flags = expected["Archive"][2][1]
    expected["Archive"][2][1] = (uid, flags - {"k26"})
    assert await state(bob) == expected
    with pytest.raises(FileExistsError):
        await export_maildir(alice, out, lambda done: None)


async def test_memory_is_one_batch_not_the_maildir(
    store: Store,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """40 MB of messages through batches of 1 MB: the import's peak Python allocation stays
    far below what holding the Maildir would take (the files themselves)."""
    monkeypatch.setattr(maildir_import, "BATCH_BYTES", 1024 * 1024)
    root = tmp_path / "Maildir"
    line = b"x" * 99 + b"\n"
    lines = ["3 V5 N1\n"]
    for n in range(1, 401):
        body = b"Subject: %d\n\n" % n + line * 1000  # 100 KB
        deliver(root, f"{n}.M{n}P1.host,S={len(body)}", body, "new")
        lines.append(f"{n} :{n}.M{n}P1.host,S={len(body)}\n")
    (root / "dovecot-uidlist").write_text("".join(lines))
    box = await make_account(store, "alice")
    tracemalloc.start()
    try:
        done = await import_maildir(box, root, 1_000_000, lambda done: None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert done.imported == 400 and done.problems == []
    assert peak < 12 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for 40 MB of mail"
