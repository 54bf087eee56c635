"""URLAUTH (RFC 4467) against a real `hato serve`, over raw sockets: GENURLAUTH, URLFETCH
by the owner and by another user as the access identifier allows, RESETKEY, EXPIRE, and
URLs that are not URLs; CATENATE with a URLAUTH URL. imaptest's urlauth scripts run in
tests/e2e/test_imap_imaptest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw, logged_in

MESSAGE = b"From: alice@example.org\r\nSubject: draft\r\n\r\nthe body\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("urlauth") / "data"
    process = HatoProcess(data, services=("imap",)).add_users("alice", "bob").start()
    raw = logged_in(process.ports["imap"], "alice")
    raw.send(b"a APPEND INBOX {%d+}\r\n%s\r\n" % (len(MESSAGE), MESSAGE))
    assert raw.line().startswith("a OK [APPENDUID ")
    raw.close()
    yield process
    assert process.stop() == 0


@pytest.fixture
def bob(server: HatoProcess) -> Iterator[Raw]:
    raw = logged_in(server.ports["imap"], "bob")
    yield raw
    raw.close()


def generate(raw: Raw, rump: str) -> str:
    """GENURLAUTH of ``rump``: the authorized URL."""
    lines = raw.command(f'g GENURLAUTH "{rump}" INTERNAL')
    assert lines[-1].startswith("g OK"), lines
    head = lines[0]
    assert head.startswith('* GENURLAUTH "') and head.endswith('"')
    return head[len('* GENURLAUTH "') : -1]


def fetch(raw: Raw, url: str) -> list[str]:
    """URLFETCH of ``url``: its response lines and the tagged line."""
    lines = raw.command(f'u URLFETCH "{url}"')
    assert lines[-1].startswith("u OK"), lines
    return lines


RUMP = "imap://alice@mail.test/INBOX/;uid=1"


def test_urlauth_is_advertised(alice: Raw) -> None:
    assert "URLAUTH" in alice.command("c CAPABILITY")[0].split()


def test_the_owner_fetches_a_user_url_and_a_section(alice: Raw) -> None:
    url = generate(alice, f"{RUMP};urlauth=user+alice")
    assert url.startswith(f"{RUMP};urlauth=user+alice:INTERNAL:")
    lines = fetch(alice, url)
    assert lines[0] == f'* URLFETCH "{url}" {{{len(MESSAGE)}}}'
    assert "\r\n".join(lines[1:4]) == MESSAGE.decode().split("\r\n\r\n")[0] + "\r\n"
    section = generate(alice, f"{RUMP}/;section=TEXT/;partial=4.4;urlauth=user+alice")
    assert fetch(alice, section)[:2] == [f'* URLFETCH "{section}" {{4}}', "body"]


def test_access_decides_who_may_fetch(alice: Raw, bob: Raw) -> None:
    for_alice = generate(alice, f"{RUMP};urlauth=user+alice")
    anyone = generate(alice, f"{RUMP};urlauth=authuser")
    for_submission = generate(alice, f"{RUMP};urlauth=submit+alice")
    assert fetch(bob, for_alice)[0] == f'* URLFETCH "{for_alice}" NIL'
    assert fetch(bob, anyone)[0].startswith(f'* URLFETCH "{anyone}" {{')
    assert fetch(alice, for_submission)[0] == f'* URLFETCH "{for_submission}" NIL'


def test_a_changed_token_or_url_fetches_nothing(alice: Raw) -> None:
    url = generate(alice, f"{RUMP};urlauth=authuser")
    wrong = url[:-1] + ("0" if url[-1] != "0" else "1")
    moved = url.replace(";uid=1;", ";uid=2;")
    for bad in (wrong, moved, "imap://alice@mail.test/INBOX/;uid=1", "nonsense", "/INBOX/;uid=1"):
        assert fetch(alice, bad)[0] == f'* URLFETCH "{bad}" NIL'


def test_resetkey_ends_every_url_of_the_mailbox(alice: Raw) -> None:
    url = generate(alice, f"{RUMP};urlauth=user+alice")
    assert alice.command("r RESETKEY INBOX")[-1].startswith("r OK")
    assert fetch(alice, url)[0] == f'* URLFETCH "{url}" NIL'
    again = generate(alice, f"{RUMP};urlauth=user+alice")
    assert again != url and fetch(alice, again)[0].startswith(f'* URLFETCH "{again}" {{')
    assert alice.command("r RESETKEY")[-1].startswith("r OK")
    assert fetch(alice, again)[0] == f'* URLFETCH "{again}" NIL'


def test_expire(alice: Raw) -> None:
    rump = f"{RUMP};expire=2000-01-01T00:00:00Z;urlauth=user+alice"
    assert alice.command(f'g GENURLAUTH "{rump}" INTERNAL')[-1].startswith("g NO")
    later = generate(alice, f"{RUMP};expire=2999-01-01T00:00:00Z;urlauth=user+alice")
    assert fetch(alice, later)[0].startswith(f'* URLFETCH "{later}" {{')


@pytest.mark.parametrize(
    "arguments",
    [
        f'"{RUMP};urlauth=user+alice" X-OTHER',  # a mechanism hato does not have
        f'"{RUMP}" INTERNAL',  # no URLAUTH part
        f'"{RUMP};urlauth=user+alice:internal:{"0" * 32}" INTERNAL',  # not a rump
        '"imap://bob@mail.test/INBOX/;uid=1;urlauth=anonymous" INTERNAL',  # another user
        '"imap://alice@mail.test/Nope/;uid=1;urlauth=anonymous" INTERNAL',  # no mailbox
        '"imap://alice@mail.test/INBOX/;uid=9;urlauth=anonymous" INTERNAL',  # no message
        '"imap://alice@mail.test/INBOX/;uid=1;urlauth=nobody" INTERNAL',  # no such access
    ],
)
def test_genurlauth_refuses_what_it_cannot_authorize(alice: Raw, arguments: str) -> None:
    lines = alice.command(f"g GENURLAUTH {arguments}")
    assert len(lines) == 1 and lines[0].startswith("g NO"), lines
    assert alice.command("n NOOP")[-1].startswith("n OK")


@pytest.mark.parametrize(
    "line", ["g GENURLAUTH", 'g GENURLAUTH "x"', "u URLFETCH", "r RESETKEY INBOX (x)"]
)
def test_malformed_commands_are_bad(alice: Raw, line: str) -> None:
    assert alice.command(line)[-1].startswith(line.split()[0] + " BAD")


def test_too_many_urls_are_bad(alice: Raw) -> None:
    assert alice.command("u URLFETCH" + " x" * 51)[-1].startswith("u BAD")
    assert alice.command("u URLFETCH" + " x" * 50)[-1].startswith("u OK")


def test_resetkey_of_a_missing_mailbox_is_no(alice: Raw) -> None:
    assert alice.command("r RESETKEY Nope")[-1].startswith("r NO")
    assert alice.command("r RESETKEY INBOX OTHER")[-1].startswith("r NO")


def test_catenate_takes_another_users_message_by_urlauth(alice: Raw, bob: Raw) -> None:
    url = generate(alice, f"{RUMP}/;section=TEXT;urlauth=user+bob")
    head = b"Subject: fwd\r\n\r\n"
    line = bob.command(
        f'a APPEND INBOX CATENATE (TEXT {{{len(head)}+}}\r\n{head.decode()} URL "{url}")'
    )[-1]
    assert line.startswith("a OK [APPENDUID "), line
    bob.command("s SELECT INBOX")
    fetched = bob.command("f FETCH 1 BODY.PEEK[TEXT]")
    assert fetched[1] == "the body"
    not_for_bob = generate(alice, f"{RUMP};urlauth=user+alice")
    line = bob.command(f'a APPEND INBOX CATENATE (URL "{not_for_bob}")')[-1]
    assert line.startswith("a NO [BADURL "), line
