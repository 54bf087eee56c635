"""QRESYNC over real sockets against `hato serve` (RFC 7162 §3.2).

A client that was logged out comes back with SELECT ... (QRESYNC (...)) and
gets exactly the VANISHED (EARLIER) and FETCH lines of what another
connection did meanwhile; once QRESYNC is on, expunges come as VANISHED
(its own EXPUNGE, UID EXPUNGE and MOVE, and other sessions'), and UID FETCH
(CHANGEDSINCE n VANISHED) reports expunged UIDs of its set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw
from tests.e2e.test_imap_condstore import append, box, connect, highest, server

__all__ = ["box", "server"]  # the fixtures this module shares with test_imap_condstore


def uidvalidity(lines: list[str]) -> int:
    for line in lines:
        found = re.search(r"UIDVALIDITY (\d+)", line)
        if found:
            return int(found.group(1))
    raise AssertionError(lines)


def qresync_client(server: HatoProcess) -> Raw:
    client = connect(server, None)
    assert client.command("e ENABLE QRESYNC") == ["* ENABLED QRESYNC", "e OK Enabled."]
    return client


def resync_part(lines: list[str]) -> list[str]:
    """The lines QRESYNC adds to SELECT, with MODSEQ values blanked."""
    wanted = [line for line in lines if " VANISHED " in line or " FETCH " in line]
    return [re.sub(r"MODSEQ \(\d+\)", "MODSEQ (_)", line) for line in wanted]


@pytest.fixture
def known(server: HatoProcess, box: str) -> Iterator[tuple[int, int]]:
    """`box` with six messages, as a client saw it before logging out: (UIDVALIDITY,
    HIGHESTMODSEQ); messages 5 and 6 are already flagged \\Seen by then."""
    client = connect(server, None)
    assert client.command(f"c CREATE {box}")[-1].startswith("c OK")
    append(client, 6, box)
    client.command(f"s SELECT {box}")
    client.command("f STORE 5:6 +FLAGS (\\Seen)")
    lines = client.command(f"s SELECT {box}")
    yield uidvalidity(lines), highest(lines)
    client.command("z LOGOUT")
    client.close()


def change_meanwhile(server: HatoProcess, box: str) -> None:
    """Another connection: flags on 2 and 4, expunges 3 and 5, appends two (UIDs 7, 8)."""
    other = connect(server, f"SELECT {box}")
    assert other.command("1 STORE 2 +FLAGS (\\Flagged)")[-1].startswith("1 OK")
    assert other.command("2 STORE 4 +FLAGS ($Work)")[-1].startswith("2 OK")
    assert other.command("3 UID STORE 3,5 +FLAGS.SILENT (\\Deleted)")[-1].startswith("3 OK")
    assert other.command("4 EXPUNGE")[-1].startswith("4 OK")
    append(other, 2, box, first=7)
    other.command("5 LOGOUT")
    other.close()


def test_reselect_gets_exactly_what_changed(
    server: HatoProcess, box: str, known: tuple[int, int]
) -> None:
    validity, modseq = known
    change_meanwhile(server, box)
    client = qresync_client(server)
    lines = client.command(f"s SELECT {box} (QRESYNC ({validity} {modseq}))")
    assert lines[-1] == "s OK [READ-WRITE] Select completed."
    assert "* 6 EXISTS" in lines and f"* OK [HIGHESTMODSEQ {highest(lines)}] Highest" in lines
    assert resync_part(lines) == [
        "* VANISHED (EARLIER) 3,5",
        "* 2 FETCH (UID 2 MODSEQ (_) FLAGS (\\Flagged))",
        "* 3 FETCH (UID 4 MODSEQ (_) FLAGS ($Work))",
        "* 5 FETCH (UID 7 MODSEQ (_) FLAGS ())",
        "* 6 FETCH (UID 8 MODSEQ (_) FLAGS ())",
    ]
    # the lines come after the SELECT data, before the tagged OK
    assert lines.index("* VANISHED (EARLIER) 3,5") > next(
        i for i, line in enumerate(lines) if "HIGHESTMODSEQ" in line
    )
    # up to date: nothing more to tell
    again = client.command(f"t SELECT {box} (QRESYNC ({validity} {highest(lines)}))")
    assert resync_part(again) == []
    client.close()


def test_known_uids_and_sequence_match_narrow_the_answer(
    server: HatoProcess, box: str, known: tuple[int, int]
) -> None:
    validity, modseq = known
    change_meanwhile(server, box)
    client = qresync_client(server)
    lines = client.command(f"s EXAMINE {box} (QRESYNC ({validity} {modseq} 1:4))")
    assert resync_part(lines) == [
        "* VANISHED (EARLIER) 3",
        "* 2 FETCH (UID 2 MODSEQ (_) FLAGS (\\Flagged))",
        "* 3 FETCH (UID 4 MODSEQ (_) FLAGS ($Work))",
    ]
    # message 3 is now UID 4 (3 was expunged): the pair 3:4 matches, so the client
    # already knows every expunge up to UID 4; 1:1 matches too
    matched = client.command(f"t EXAMINE {box} (QRESYNC ({validity} {modseq} 1:6 (1,3 1,4)))")
    assert resync_part(matched)[0] == "* VANISHED (EARLIER) 5"
    # the first pair that does not match ends the matching: 2 is UID 2, not 3
    stale = client.command(f"u EXAMINE {box} (QRESYNC ({validity} {modseq} 1:6 (1,2,3 1,3,4)))")
    assert resync_part(stale)[0] == "* VANISHED (EARLIER) 3,5"
    client.close()


def test_stale_uidvalidity_is_a_plain_select(
    server: HatoProcess, box: str, known: tuple[int, int]
) -> None:
    validity, modseq = known
    change_meanwhile(server, box)
    client = qresync_client(server)
    lines = client.command(f"s SELECT {box} (QRESYNC ({validity + 1} {modseq}))")
    assert lines[-1] == "s OK [READ-WRITE] Select completed."
    assert "* 6 EXISTS" in lines and resync_part(lines) == []
    client.close()


def test_qresync_needs_enable_first(server: HatoProcess, box: str, known: tuple[int, int]) -> None:
    validity, modseq = known
    client = connect(server, f"SELECT {box}")
    answer = client.command(f"s SELECT {box} (QRESYNC ({validity} {modseq}))")
    assert answer == ["s BAD Error in IMAP command SELECT: QRESYNC isn't enabled."]
    assert client.command("n NOOP")[-1] == "n OK NOOP completed."  # still selected
    assert client.command("f FETCH 1 (FLAGS)")[-1] == "f OK Fetch completed."
    client.close()


@pytest.mark.parametrize(
    "params",
    ["1:6 (1,2 1)", "1:6 (1:3 1,4)", "1:6 (1:* 1:4)"],
)
def test_sequence_match_sets_must_pair_up(
    server: HatoProcess, box: str, known: tuple[int, int], params: str
) -> None:
    validity, modseq = known
    client = qresync_client(server)
    answer = client.command(f"s SELECT {box} (QRESYNC ({validity} {modseq} {params}))")
    assert answer[-1].startswith("s BAD"), answer
    client.close()


def test_expunges_are_vanished_once_enabled(
    server: HatoProcess, box: str, known: tuple[int, int]
) -> None:
    client = qresync_client(server)
    client.command(f"s SELECT {box}")
    client.command("1 STORE 1,2 +FLAGS.SILENT (\\Deleted)")
    expunged = client.command("2 EXPUNGE")
    assert expunged[0] == "* VANISHED 1:2"
    assert re.fullmatch(r"2 OK \[HIGHESTMODSEQ (\d+)\] Expunge completed\.", expunged[1])
    looker = connect(server, None)
    status = looker.command(f"s STATUS {box} (HIGHESTMODSEQ)")[0]
    assert status.endswith(f"(HIGHESTMODSEQ {highest(expunged)})")
    looker.close()
    client.command("3 UID STORE 4:6 +FLAGS.SILENT (\\Deleted)")
    assert client.command("4 UID EXPUNGE 4")[0] == "* VANISHED 4"
    client.command(f"c CREATE {box}.moved")
    moved = client.command(f"5 UID MOVE 5 {box}.moved")
    assert moved[1:] == ["* VANISHED 5", "5 OK Move completed."]
    # another session's expunge is a VANISHED too, and its flag changes carry UID
    other = connect(server, f"SELECT {box}")
    other.command("6 STORE 1 +FLAGS (\\Answered)")
    other.command("7 UID EXPUNGE 6")
    noop = client.command("8 NOOP")
    assert noop[0] == "* VANISHED 6"
    assert re.fullmatch(r"\* 1 FETCH \(UID 3 MODSEQ \(\d+\) FLAGS \(\\Answered\)\)", noop[1])
    assert client.command("9 CLOSE") == ["9 OK Close completed."]
    other.close()
    client.close()


def test_uid_fetch_vanished_reports_expunged_uids_of_the_set(
    server: HatoProcess, box: str, known: tuple[int, int]
) -> None:
    _, modseq = known
    change_meanwhile(server, box)
    client = qresync_client(server)
    client.command(f"s SELECT {box}")
    lines = client.command(f"f UID FETCH 1:* (FLAGS) (CHANGEDSINCE {modseq} VANISHED)")
    assert [re.sub(r"MODSEQ \(\d+\)", "MODSEQ (_)", line) for line in lines] == [
        "* VANISHED (EARLIER) 3,5",
        "* 2 FETCH (UID 2 FLAGS (\\Flagged) MODSEQ (_))",
        "* 3 FETCH (UID 4 FLAGS ($Work) MODSEQ (_))",
        "* 5 FETCH (UID 7 FLAGS () MODSEQ (_))",
        "* 6 FETCH (UID 8 FLAGS () MODSEQ (_))",
        "f OK Fetch completed.",
    ]
    narrow = client.command(f"g UID FETCH 4:5 (FLAGS) (CHANGEDSINCE {modseq} VANISHED)")
    assert narrow[0] == "* VANISHED (EARLIER) 5" and narrow[1].startswith("* 3 FETCH (UID 4 ")
    client.close()
