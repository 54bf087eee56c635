"""CONDSTORE over real sockets against `hato serve` (RFC 7162 §3.1).

ENABLE and the commands that turn CONDSTORE on, MODSEQ in the untagged FETCH
of flag changes once it is on, FETCH (CHANGEDSINCE), STORE (UNCHANGEDSINCE)
with [MODIFIED] (also when another connection changed a message in between),
STATUS (HIGHESTMODSEQ), SEARCH MODSEQ's `(MODSEQ n)`, and the bad inputs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw

USER, PASSWORD = "carol", "carol-pw"
MESSAGE = "From: a@example.org\r\nSubject: m{n}\r\n\r\nbody {n}\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = HatoProcess(tmp_path_factory.mktemp("condstore") / "data", services=("imap",))
    process.add_user(USER, PASSWORD)
    process.start()
    yield process
    assert process.stop() == 0


def connect(server: HatoProcess, select: str | None = "SELECT INBOX") -> Raw:
    raw = Raw(server.ports["imap"])
    assert raw.command(f"l LOGIN {USER} {PASSWORD}")[-1].startswith("l OK")
    if select is not None:
        assert raw.command(f"s {select}")[-1].startswith("s OK")
    return raw


def append(raw: Raw, count: int, mailbox: str = "INBOX", first: int = 1) -> None:
    for n in range(first, first + count):
        data = MESSAGE.format(n=n).encode()
        raw.send(b"a APPEND %s {%d+}\r\n%s\r\n" % (mailbox.encode(), len(data), data))
        line = raw.line()
        while line.startswith("* "):  # EXISTS when the mailbox is selected
            line = raw.line()
        assert line.startswith("a OK"), line


def modseq_of(line: str) -> int:
    found = re.search(r"MODSEQ \((\d+)\)", line)
    assert found, line
    return int(found.group(1))


def told(lines: list[str]) -> list[str]:
    """The answer without the `* OK [HIGHESTMODSEQ n]` that enabling CONDSTORE while
    selected sends first (RFC 7162 §3.1)."""
    return [line for line in lines if not line.startswith("* OK [HIGHESTMODSEQ ")]


def highest(lines: list[str]) -> int:
    for line in lines:
        found = re.search(r"HIGHESTMODSEQ (\d+)", line)
        if found:
            return int(found.group(1))
    raise AssertionError(lines)


_boxes = itertools.count(1)


@pytest.fixture
def box() -> str:
    """A fresh mailbox name per test: the server is shared by the module."""
    return f"box{next(_boxes)}"


@pytest.fixture
def raw(server: HatoProcess, box: str) -> Iterator[Raw]:
    """Connected, with four new messages in `box`, selected."""
    client = connect(server, None)
    assert client.command(f"c CREATE {box}")[-1].startswith("c OK")
    append(client, 4, box)
    assert client.command(f"s SELECT {box}")[-1].startswith("s OK")
    yield client
    client.close()


def test_capabilities_are_advertised(server: HatoProcess) -> None:
    client = connect(server, None)
    caps = client.command("c CAPABILITY")[0].split()
    assert "CONDSTORE" in caps and "QRESYNC" in caps
    client.close()


def test_enable_lists_what_it_enabled(server: HatoProcess) -> None:
    client = connect(server, None)
    assert client.command("e ENABLE CONDSTORE") == ["* ENABLED CONDSTORE", "e OK Enabled."]
    assert client.command("e ENABLE QRESYNC X-UNKNOWN") == ["* ENABLED QRESYNC", "e OK Enabled."]
    assert client.command("e ENABLE X-UNKNOWN") == ["e OK Enabled."]
    client.close()


def test_flag_changes_carry_modseq_only_once_enabled(raw: Raw) -> None:
    before = raw.command("1 STORE 1 +FLAGS (\\Seen)")
    assert before[0] == "* 1 FETCH (FLAGS (\\Seen \\Recent))"
    fetched = raw.command("2 FETCH 2 (MODSEQ)")  # enables CONDSTORE: HIGHESTMODSEQ first
    assert re.fullmatch(r"\* OK \[HIGHESTMODSEQ \d+\] Highest", fetched.pop(0))
    assert re.fullmatch(r"\* 2 FETCH \(MODSEQ \(\d+\)\)", fetched[0])
    after = raw.command("3 STORE 2 +FLAGS (\\Seen)")
    assert re.fullmatch(r"\* 2 FETCH \(MODSEQ \(\d+\) FLAGS \(\\Seen \\Recent\)\)", after[0])
    assert modseq_of(after[0]) > modseq_of(fetched[0])
    silent = raw.command("4 UID STORE 3 +FLAGS.SILENT (\\Flagged)")
    assert re.fullmatch(r"\* 3 FETCH \(UID 3 MODSEQ \(\d+\)\)", silent[0])
    assert silent[-1] == "4 OK Store completed."
    # .SILENT and nothing changed: nothing to say
    assert raw.command("5 STORE 3 +FLAGS.SILENT (\\Flagged)") == ["5 OK Store completed."]


def test_select_condstore_enables_it(raw: Raw, box: str) -> None:
    lines = raw.command(f"s SELECT {box} (CONDSTORE)")
    assert lines[-1] == "s OK [READ-WRITE] Select completed."
    assert highest(lines) > 0
    answer = raw.command("1 STORE 1 +FLAGS (\\Seen)")
    assert re.fullmatch(r"\* 1 FETCH \(MODSEQ \(\d+\) FLAGS \(\\Seen\)\)", answer[0])
    assert modseq_of(answer[0]) > highest(lines)


def test_implicit_seen_carries_modseq(raw: Raw) -> None:
    raw.command("e ENABLE CONDSTORE")  # allowed while selected, as Dovecot
    lines = raw.command("f FETCH 1 (BODY[TEXT])")
    assert re.match(r"\* 1 FETCH \(FLAGS \(\\Seen \\Recent\) MODSEQ \(\d+\) BODY\[TEXT\]", lines[0])


def test_changedsince_returns_only_changed_messages(raw: Raw, box: str) -> None:
    mark = highest(raw.command(f"s SELECT {box}"))
    raw.command("1 STORE 2,4 +FLAGS (\\Answered)")
    lines = told(raw.command(f"2 FETCH 1:* (FLAGS) (CHANGEDSINCE {mark})"))
    assert [line.split(" FETCH")[0] for line in lines[:-1]] == ["* 2", "* 4"]
    assert all("MODSEQ (" in line for line in lines[:-1])
    uid_lines = raw.command(f"3 UID FETCH 1:* (FLAGS) (CHANGEDSINCE {mark})")
    assert [re.search(r"UID (\d+)", line).group(1) for line in uid_lines[:-1]] == ["2", "4"]  # type: ignore[union-attr]
    last = modseq_of(uid_lines[1])
    assert raw.command(f"4 FETCH 1:* (FLAGS) (CHANGEDSINCE {last})") == ["4 OK Fetch completed."]


def test_unchangedsince_reports_modified(raw: Raw) -> None:
    lines = told(raw.command("1 FETCH 1:4 (MODSEQ)"))
    modseqs = [modseq_of(line) for line in lines[:-1]]
    raw.command("2 STORE 3 +FLAGS.SILENT (\\Draft)")
    answer = raw.command(f"3 STORE 1:4 (UNCHANGEDSINCE {modseqs[1]}) +FLAGS (\\Deleted)")
    assert answer[-1] == "3 OK [MODIFIED 3:4] Conditional store failed."
    assert [line.split(" FETCH")[0] for line in answer[:-1]] == ["* 1", "* 2"]
    assert all("\\Deleted" in line and "MODSEQ (" in line for line in answer[:-1])
    uid_answer = raw.command("4 UID STORE 1:4 (UNCHANGEDSINCE 0) -FLAGS (\\Deleted)")
    assert uid_answer == ["4 OK [MODIFIED 1:4] Conditional store failed."]
    flags = raw.command("5 FETCH 1:4 (FLAGS)")
    assert ["\\Deleted" in line for line in flags[:-1]] == [True, True, False, False]


def test_unchangedsince_loses_to_a_concurrent_change(
    server: HatoProcess, raw: Raw, box: str
) -> None:
    mark = modseq_of(told(raw.command("1 FETCH 1 (MODSEQ)"))[0])
    other = connect(server, f"SELECT {box}")
    assert other.command("2 STORE 1 +FLAGS (\\Flagged)")[-1].startswith("2 OK")
    answer = raw.command(f"3 UID STORE 1 (UNCHANGEDSINCE {mark}) +FLAGS (\\Deleted)")
    assert answer[-1] == "3 OK [MODIFIED 1] Conditional store failed."
    # the other connection's change is reported, with its MODSEQ
    reported = [line for line in answer if line.startswith("* 1 FETCH")]
    assert reported and "\\Flagged" in reported[0] and "\\Deleted" not in reported[0]
    assert modseq_of(reported[0]) > mark
    fresh = modseq_of(reported[0])
    retry = raw.command(f"4 UID STORE 1 (UNCHANGEDSINCE {fresh}) +FLAGS (\\Deleted)")
    assert retry[-1] == "4 OK Store completed."
    assert "\\Deleted" in other.command("5 FETCH 1 (FLAGS)")[-2]
    other.close()


def test_status_highestmodseq_follows_changes(server: HatoProcess, raw: Raw, box: str) -> None:
    other = connect(server, None)
    first = other.command(f"1 STATUS {box} (HIGHESTMODSEQ MESSAGES)")
    assert re.fullmatch(rf"\* STATUS {box} \(MESSAGES 4 HIGHESTMODSEQ \d+\)", first[0])
    raw.command("2 STORE 1 +FLAGS (\\Seen)")
    second = other.command(f"3 STATUS {box} (HIGHESTMODSEQ)")
    assert highest(second) > highest(first)
    other.close()


def test_search_modseq_has_the_highest_modseq(raw: Raw) -> None:
    raw.command("1 STORE 2 +FLAGS (\\Seen)")
    changed = modseq_of(told(raw.command("2 FETCH 2 (MODSEQ)"))[0])
    assert raw.command(f"3 SEARCH MODSEQ {changed}") == [
        f"* SEARCH 2 (MODSEQ {changed})",
        "3 OK Search completed.",
    ]
    assert raw.command(f"4 SEARCH MODSEQ {changed + 1}") == ["* SEARCH", "4 OK Search completed."]
    assert raw.command("5 SEARCH ALL")[0] == "* SEARCH 1 2 3 4"


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("x FETCH 1 (FLAGS) (CHANGEDSINCE 0)", "x BAD"),
        ("x FETCH 1 (FLAGS) (CHANGEDSINCE 9223372036854775808)", "x BAD"),
        ("x FETCH 1 (FLAGS) (CHANGEDSINCE 9223372036854775807)", "x OK"),
        ("x FETCH 1 (FLAGS) (CHANGEDSINCE -1)", "x BAD"),
        ("x STORE 1 (UNCHANGEDSINCE 9223372036854775808) +FLAGS (\\Seen)", "x BAD"),
        ("x STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)", "x BAD"),
        ("x UID FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)", "x BAD"),  # no ENABLE QRESYNC
        ("x FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)", "x BAD"),  # VANISHED needs UID
        ("x SEARCH MODSEQ 9223372036854775808", "x BAD"),
    ],
)
def test_bad_modseq_input(raw: Raw, line: str, start: str) -> None:
    answer = raw.command(line)
    assert answer[-1].startswith(start), answer
    assert raw.command("z NOOP")[-1] == "z OK NOOP completed."


def test_store_unchangedsince_on_a_read_only_mailbox_is_refused(raw: Raw, box: str) -> None:
    assert raw.command(f"e EXAMINE {box}")[-1].startswith("e OK [READ-ONLY]")
    answer = raw.command("x STORE 1 (UNCHANGEDSINCE 99) +FLAGS (\\Seen)")
    assert answer[-1] == "x NO [READ-ONLY] Mailbox is read-only."
