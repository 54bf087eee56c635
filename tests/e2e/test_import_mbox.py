"""``hato import mbox``: a file written by Python's ``mailbox.mbox`` (mboxo, with its own
From_ quoting and Status/X-Status flags) imported while ``hato serve`` runs, read back
over IMAP byte for byte with its flags, and imported again without a second copy;
``hato export mbox`` writes it back, Python's reader and hato's import agree."""

from __future__ import annotations

import imaplib
import mailbox
import re
from pathlib import Path

from tests.e2e.harness import HatoProcess, hato

BODIES = [
    (b"Subject: plain\n\nhello\n", ""),
    (b"Subject: quoted\n\nFrom the top\nend\n", "RO"),  # mboxo: no ">From" line survives
    (b"Subject: flagged\n\nbody\n", "RAF"),
]


def _write_mbox(path: Path) -> list[bytes]:
    box = mailbox.mbox(path)
    for body, flags in BODIES:
        message = mailbox.mboxMessage(body)
        message.set_from("sender@example.org", (1996, 1, 3, 1, 5, 34, 2, 3, 0))
        message.set_flags(flags)
        box.add(message)
    box.flush()
    box.close()
    return [body.replace(b"\n", b"\r\n") for body, _ in BODIES]


def _flags(head: bytes) -> set[bytes]:
    found = re.search(rb"FLAGS \(([^)]*)\)", head)
    assert found is not None
    return set(found.group(1).split()) - {b"\\Recent"}


def test_import_while_serving_then_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = HatoProcess(data, services=("imap",))
    server.add_user("alice", "pw")
    server.start()
    try:
        expected = _write_mbox(tmp_path / "in.mbox")
        args = ("import", "mbox", str(tmp_path / "in.mbox"), "--user", "alice")
        first = hato(*args, "--mailbox", "Old", data_dir=data)
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines() == [
            "hato: 3 message(s) imported into Old, 0 already there, 0 skipped",
            "hato: full-text index: 3 message(s) waiting; `hato serve` indexes them (at once "
            "if it runs, else when it starts)",
        ]
        again = hato(*args, "--mailbox", "Old", data_dir=data)
        assert again.stdout == "hato: 0 message(s) imported into Old, 3 already there, 0 skipped\n"
        assert _mailbox(server, "Old") == expected
        out = tmp_path / "out.mbox"
        export = hato(
            "export", "mbox", "--user", "alice", str(out), "--mailbox", "Old", data_dir=data
        )
        assert export.stdout == f"hato: 3 message(s) of Old written to {out}\n", export.stderr
        read_back = mailbox.mbox(out)
        try:
            flags = [m.get_flags() for m in read_back]
            payloads = [m.get_payload() for m in read_back]  # Python's reader keeps quoting
        finally:
            read_back.close()
        assert flags == ["O", "RO", "ROAF"]
        assert payloads == ["hello\n", ">From the top\nend\n", "body\n"]
        back = hato(
            "import", "mbox", str(out), "--user", "alice", "--mailbox", "Back", data_dir=data
        )
        assert back.returncode == 0, back.stderr
        assert _mailbox(server, "Back") == expected
        again = hato("export", "mbox", "--user", "alice", str(out), data_dir=data)
        assert again.returncode == 1 and again.stderr.startswith(f"hato: cannot create {out}")
        other = tmp_path / "none.mbox"
        nobox = hato(
            "export", "mbox", "--user", "alice", str(other), "--mailbox", "X", data_dir=data
        )
        assert nobox.stderr == "hato: no such mailbox: X\n" and not other.exists()
    finally:
        server.stop()


def _mailbox(server: HatoProcess, name: str) -> list[bytes]:
    """Each message's BODY[], checking its flags and INTERNALDATE (those of BODIES)."""
    with imaplib.IMAP4("127.0.0.1", server.ports["imap"]) as imap:
        imap.login("alice", "pw")
        assert imap.select(name)[1] == [b"3"]
        typ, fetched = imap.fetch("1:3", "(FLAGS INTERNALDATE BODY.PEEK[])")
        assert typ == "OK"
        parts = [item for item in fetched if isinstance(item, tuple)]
        flags = [_flags(head) for head, _ in parts]
        assert flags == [set(), {b"\\Seen"}, {b"\\Answered", b"\\Flagged", b"\\Seen"}]
        assert all(b'"03-Jan-1996 01:05:34 +0000"' in head for head, _ in parts)
        return [body for _, body in parts]


def test_bad_input_is_reported_with_its_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    hato("user", "add", "bob", "--password-stdin", data_dir=data, stdin="pw\n")
    path = tmp_path / "bad.mbox"
    path.write_bytes(b"garbage\nFrom a Sat Jan  3 01:05:34 1996\n\nFrom b\nS: ok\n\nbody")
    done = hato("import", "mbox", str(path), "--user", "bob", data_dir=data)
    assert done.returncode == 1
    assert f"hato: {path}: line 1: text before the first From_ line, skipped" in done.stderr
    assert f"hato: {path}: line 2: empty message, skipped" in done.stderr
    assert done.stdout.splitlines()[0] == (
        "hato: 1 message(s) imported into INBOX, 0 already there, 2 skipped"
    )
    nobody = hato("import", "mbox", str(path), "--user", "carol", data_dir=data)
    assert nobody.returncode == 1 and nobody.stderr == "hato: no such user: carol\n"


def test_without_the_index_the_import_names_the_rebuild(tmp_path: Path) -> None:
    """With ``[search] index = false`` no server indexes what was imported: the import
    says that ``hato index rebuild`` does, and after it nothing waits."""
    data = tmp_path / "data"
    config = tmp_path / "hato.toml"
    config.write_text('domains = ["example.org"]\n[search]\nindex = false\n')
    added = hato("user", "add", "dana", "--password-stdin", "--config", str(config),
                 data_dir=data, stdin="pw\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    _write_mbox(tmp_path / "in.mbox")
    done = hato("import", "mbox", str(tmp_path / "in.mbox"), "--user", "dana", "--config",
                str(config), data_dir=data)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == (
        "hato: full-text index: 3 message(s) waiting; [search] index = false, so "
        "`hato index rebuild` indexes them"
    )
    stats = hato("index", "stats", "--config", str(config), data_dir=data).stdout
    assert "hato: waiting to be indexed: 3" in stats, stats
    assert hato("index", "rebuild", "--config", str(config), data_dir=data).returncode == 0
    stats = hato("index", "stats", "--config", str(config), data_dir=data).stdout
    assert "hato: waiting to be indexed: 0" in stats, stats
