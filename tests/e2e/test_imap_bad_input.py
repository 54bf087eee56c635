"""Bad input over a raw socket: each gets BAD or NO with a
useful text, and the session goes on where RFC 3501 allows.

The cases: unbalanced parentheses and quotes, bad sequence sets, unknown
commands and FETCH items, commands in the wrong state, literals over the
limit (refused before any continuation), overlong lines, 8-bit bytes in
atoms, and mailbox names that reach for the file system or other accounts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw

LIMIT = 100_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("imap-bad") / "data"
    config = f"[limits]\nmessage_size = {LIMIT}\n"
    process = HatoProcess(data, services=("imap",), extra_config=config)
    process.add_user("alice", "alice-pw")
    process.add_user("bob", "bob-pw")
    process.start()
    yield process
    assert process.stop() == 0


@pytest.fixture
def raw(server: HatoProcess) -> Iterator[Raw]:
    client = Raw(server.ports["imap"])
    assert client.command("a LOGIN alice alice-pw")[-1].startswith("a OK")
    assert client.command("s SELECT INBOX")[-1].startswith("s OK")
    yield client
    client.close()


def _still_alive(raw: Raw) -> None:
    assert raw.command("z NOOP") == ["z OK NOOP completed."]


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("x FETCH 1:* (FLAGS", "x BAD Error in IMAP command FETCH: Missing ')'"),
        ("x FETCH 1:* FLAGS)", "x BAD Error in IMAP command FETCH: Invalid arguments."),
        ('x SEARCH SUBJECT "open', "x BAD Error in IMAP command SEARCH: Missing '\"'"),
        ("x FETCH 0 FLAGS", "x BAD Error in IMAP command FETCH: Invalid messageset"),
        ("x FETCH 4294967296 FLAGS", "x BAD Error in IMAP command FETCH: Invalid messageset"),
        ("x FETCH 1: FLAGS", "x BAD Error in IMAP command FETCH: Invalid messageset"),
        ("x UID FETCH 0 FLAGS", "x BAD Error in IMAP command UID FETCH: Invalid uidset"),
        ("x FROB", "x BAD Error in IMAP command FROB: Unknown command."),
        ("x FETCH 1 BOGUS", "x BAD Error in IMAP command FETCH: Unknown parameter BOGUS"),
        ("x LOGIN alice alice-pw", "x BAD Error in IMAP command LOGIN: Unknown command."),
        ("x SELECT \xe4bc", "x BAD Error in IMAP command SELECT: 8bit data in atom"),
        ("x CREATE a\x01b", "x BAD Error in IMAP command CREATE: Invalid arguments."),
    ],
)
def test_malformed_commands_get_bad(raw: Raw, line: str, answer: str) -> None:
    raw.send(line.encode("latin-1") + b"\r\n")
    assert raw.line().rstrip("\r\n") == answer
    _still_alive(raw)


@pytest.mark.parametrize(
    "name", ["../x", "/etc/passwd", "~other", "~bob", "a..b", "#users.bob", "../bob/INBOX"]
)
def test_names_are_never_paths_nor_other_accounts(raw: Raw, name: str) -> None:
    created = raw.command(f'c CREATE "{name}"')[-1]
    if created.startswith("c OK"):  # a plain name in alice's own namespace
        listed = raw.command(f'l LIST "" "{name}"')
        assert len(listed) == 2 and listed[0].endswith(f'"{name}"')
        assert raw.command(f'd DELETE "{name}"')[-1].startswith("d OK")
    else:
        assert created.startswith("c NO Invalid mailbox name")
        assert raw.command(f'x RENAME INBOX "{name}"')[-1].startswith("x NO Invalid")
    selected = raw.command(f'x SELECT "{name}"')[-1]
    assert selected.startswith(("x NO Invalid mailbox name", "x NO Mailbox doesn't exist"))
    assert raw.command(f'x STATUS "{name}" (MESSAGES)')[-1].startswith("x NO")
    _still_alive(raw)


def test_other_accounts_mailboxes_are_unreachable(server: HatoProcess, raw: Raw) -> None:
    bob = Raw(server.ports["imap"])
    bob.command("a LOGIN bob bob-pw")
    assert bob.command("c CREATE secret")[-1].startswith("c OK")
    bob.close()
    for pattern in ("*", "~bob*", "bob*", "%.%"):
        listed = raw.command(f'l LIST "" "{pattern}"')
        assert not any("secret" in line for line in listed)
    assert raw.command("x SELECT secret")[-1] == "x NO Mailbox doesn't exist: secret"


def test_synchronizing_literal_over_the_limit_is_refused_before_continuation(raw: Raw) -> None:
    raw.send(b"x APPEND INBOX {%d}\r\n" % (LIMIT + 1))
    assert raw.line() == "x NO [TOOBIG] Literal size too large.\r\n"
    _still_alive(raw)


def test_non_synchronizing_literal_over_the_limit_is_skipped(raw: Raw) -> None:
    size = LIMIT + 1
    raw.send(b"x APPEND INBOX {%d+}\r\n" % size + b"a" * size + b"\r\n")
    answer = raw.line()
    assert answer.startswith("x BAD [TOOBIG]"), answer
    _still_alive(raw)


def test_overlong_line_is_answered_and_skipped(raw: Raw) -> None:
    raw.send(b"x FETCH 1 (" + b"FLAGS " * 20_000 + b")\r\n")
    answer = raw.line()
    assert answer.startswith("x BAD") and "too large" in answer, answer
    _still_alive(raw)


def _overlong_continued_line(raw: Raw, command: bytes) -> str:
    """``command``, its ``+``, then a line past the limit (without its LF, so that the
    server sees it too long before it ends); the answer, once the line has ended."""
    raw.send(command + b"\r\n")
    assert raw.line().startswith("+")
    raw.send(b"x" * 70_000)
    answer = raw.line()
    raw.send(b"\r\n")
    return answer


def test_overlong_authenticate_response_is_bad(server: HatoProcess) -> None:
    raw = Raw(server.ports["imap"])
    answer = _overlong_continued_line(raw, b"a AUTHENTICATE PLAIN")
    assert (
        answer == "a BAD Error in IMAP command AUTHENTICATE: Authentication response too long.\r\n"
    )
    assert raw.command("n NOOP") == ["n OK NOOP completed."]
    raw.close()
    assert not [line for line in server.new_output() if "Traceback" in line]


def test_overlong_line_in_idle_ends_it(raw: Raw) -> None:
    answer = _overlong_continued_line(raw, b"i IDLE")
    assert answer == "i BAD Error in IMAP command IDLE: Expected DONE.\r\n"
    _still_alive(raw)


def test_wrong_state_commands(server: HatoProcess) -> None:
    raw = Raw(server.ports["imap"])
    assert raw.command("x SELECT INBOX") == ["x BAD Error in IMAP command received by server."]
    assert raw.command("x FETCH 1 FLAGS")[-1].startswith("x BAD")
    raw.command("a LOGIN alice alice-pw")
    assert raw.command("x FETCH 1 FLAGS") == ["x BAD No mailbox selected."]
    assert raw.command("x EXPUNGE") == ["x BAD No mailbox selected."]
    assert raw.command("x DELETE INBOX") == ["x NO INBOX can't be deleted."]
    _still_alive(raw)
    raw.close()
