"""METADATA (RFC 5464) against a real `hato serve`, over raw sockets: server and mailbox
annotations, DEPTH and MAXSIZE, the limits, and what a client may not do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hato.imap.commands.metadata import MAX_ANNOTATIONS, MAX_VALUE
from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw, logged_in


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = HatoProcess(tmp_path_factory.mktemp("metadata") / "data", services=("imap",))
    for user in ("alice", "bob"):
        process.add_user(user, f"{user}-pw")
    process.start()
    yield process
    assert process.stop() == 0


def test_metadata_is_advertised(alice: Raw) -> None:
    assert "METADATA" in alice.command("c CAPABILITY")[0].split()


def test_annotations_are_set_read_and_removed(alice: Raw, server: HatoProcess) -> None:
    assert alice.command('s SETMETADATA INBOX (/private/Comment "my inbox")')[-1] == (
        "s OK Setmetadata completed."
    )  # fmt: skip
    assert alice.command('s SETMETADATA "" (/private/vendor/x/a "1" /private/vendor/x/b/c "2")')[
        -1
    ].startswith("s OK")
    got = alice.command("g GETMETADATA INBOX (/private/comment /shared/comment)")
    assert got[0] == '* METADATA "INBOX" (/private/comment {8}'
    assert got[1] == "my inbox /shared/comment NIL)"
    deep = alice.command('g GETMETADATA (DEPTH infinity) "" /private/vendor/x')
    assert deep[0].startswith('* METADATA "" (/private/vendor/x/a {1}')
    assert "/private/vendor/x/b/c" in "".join(deep)
    one = "".join(alice.command('g GETMETADATA (DEPTH 1) "" /private/vendor/x'))
    assert "/private/vendor/x/a" in one and "/private/vendor/x/b/c" not in one
    # Another account sees none of alice's annotations.
    bob = logged_in(server.ports["imap"], "bob")
    assert bob.command("g GETMETADATA INBOX /private/comment")[0] == (
        '* METADATA "INBOX" (/private/comment NIL)'
    )  # fmt: skip
    bob.close()
    # NIL removes; RENAME keeps a mailbox's annotations, DELETE drops them.
    assert alice.command("s SETMETADATA INBOX (/private/comment NIL)")[-1].startswith("s OK")
    assert alice.command("g GETMETADATA INBOX /private/comment")[0].endswith("NIL)")
    alice.command("c CREATE Lab")
    alice.command('s SETMETADATA Lab (/shared/comment "lab")')
    alice.command("r RENAME Lab Lab2")
    assert "lab" in "".join(alice.command("g GETMETADATA Lab2 /shared/comment"))
    alice.command("d DELETE Lab2")
    alice.command("c CREATE Lab2")
    assert alice.command("g GETMETADATA Lab2 /shared/comment")[0].endswith("NIL)")


def test_maxsize_leaves_long_values_out_and_says_so(alice: Raw) -> None:
    alice.command('s SETMETADATA INBOX (/private/long "0123456789" /private/short "x")')
    got = alice.command("g GETMETADATA (MAXSIZE 5) INBOX (/private/long /private/short)")
    assert got[0] == '* METADATA "INBOX" (/private/short {1}'
    assert got[-1] == "g OK [METADATA LONGENTRIES 10] Getmetadata completed."


def test_limits_and_bad_input(alice: Raw) -> None:
    big = MAX_VALUE + 1
    alice.send(b"s SETMETADATA INBOX (/private/big {%d+}\r\n%s)\r\n" % (big, b"x" * big))
    assert alice.line().startswith(f"s NO [METADATA MAXSIZE {MAX_VALUE}]")
    assert alice.command('s SETMETADATA "" (/shared/admin "me")')[-1].startswith("s NO [NOPERM]")
    assert alice.command('s SETMETADATA Nowhere (/private/x "1")')[-1].startswith("s NO")
    for bad in ("/private", "/other/x", "/private/a*", "/private//x", "/private/x/", "x"):
        assert alice.command(f'b SETMETADATA INBOX ({bad} "1")')[-1].startswith("b BAD"), bad
    assert alice.command("b GETMETADATA (DEPTH 2) INBOX /private/x")[-1].startswith("b BAD")
    many = " ".join(f'/private/n{i} "v"' for i in range(101))
    assert alice.command(f"b SETMETADATA INBOX ({many})")[-1].startswith("b BAD")
    # Past the account's limit: refused whole, nothing of it kept.
    some = " ".join(f'/private/m{i} "v"' for i in range(MAX_ANNOTATIONS))
    assert alice.command(f"t SETMETADATA INBOX ({some})")[-1].startswith("t NO [METADATA TOOMANY]")
    assert alice.command("g GETMETADATA INBOX /private/m0")[0].endswith("NIL)")
    assert alice.command("n NOOP")[-1].startswith("n OK")
