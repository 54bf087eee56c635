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


# URLAUTH=BINARY (RFC 5524): URLFETCH's extended form, on a message whose parts are
# base64 (with a NUL), quoted-printable, x-uuencode (which hato cannot undo) and an
# embedded message with a base64 leaf.
MIME = (
    b"From: alice@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"aGVsbG8Ad29ybGQ=\r\n"
    b"--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"caf=C3=A9 =\r\nau lait\r\n"
    b"--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
    b"begin 644 x\r\nend\r\n"
    b"--b\r\nContent-Type: message/rfc822\r\n\r\n"
    b"Subject: inner\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"aW5uZXIgdGV4dA==\r\n"
    b"--b--\r\n"
)


@pytest.fixture(scope="module")
def mime_rump(server: HatoProcess) -> str:
    """The rump URL of the MIME message (without section or URLAUTH)."""
    raw = logged_in(server.ports["imap"], "alice")
    raw.send(b"a APPEND INBOX {%d+}\r\n%s\r\n" % (len(MIME), MIME))
    line = raw.line()
    raw.close()
    assert line.startswith("a OK [APPENDUID ")
    uid = line.split()[4].rstrip("]")
    return f"imap://alice@mail.test/INBOX/;uid={uid}"


def extended(raw: Raw, url: str, *items: str) -> bytes:
    """URLFETCH ("url" items...): the response up to the tagged OK, as bytes."""
    raw.send(f'u URLFETCH ("{url}"{"".join(" " + item for item in items)})\r\n'.encode())
    out = b""
    while not out.endswith(b"\r\n") or b"\r\nu " not in b"\r\n" + out:
        out += raw.file.readline()
    answer, tagged = out.rsplit(b"u ", 1)
    assert tagged.startswith(b"OK"), out
    return answer


def test_urlauth_binary_is_advertised(alice: Raw) -> None:
    assert "URLAUTH=BINARY" in alice.command("c CAPABILITY")[0].split()


def test_binary_undoes_base64_and_sends_a_nul_as_literal8(alice: Raw, mime_rump: str) -> None:
    url = generate(alice, f"{mime_rump}/;section=1;urlauth=user+alice")
    assert extended(alice, url, "BINARY") == (
        f'* URLFETCH "{url}" (BINARY ~{{11}}\r\n'.encode() + b"hello\0world)\r\n"
    )
    stored = extended(alice, url)  # no parameter: BODY, the octets as stored
    assert stored == f'* URLFETCH "{url}" (BODY {{16}}\r\n'.encode() + b"aGVsbG8Ad29ybGQ=)\r\n"


def test_binary_undoes_quoted_printable_with_a_partial_range(alice: Raw, mime_rump: str) -> None:
    url = generate(alice, f"{mime_rump}/;section=2/;partial=0.5;urlauth=user+alice")
    answer = extended(alice, url, "BINARY")
    assert answer == f'* URLFETCH "{url}" (BINARY {{5}}\r\n'.encode() + "café".encode() + b")\r\n"


def test_an_encoding_hato_cannot_undo_is_binary_nil(alice: Raw, mime_rump: str) -> None:
    url = generate(alice, f"{mime_rump}/;section=3;urlauth=user+alice")
    assert extended(alice, url, "BINARY") == f'* URLFETCH "{url}" (BINARY NIL)\r\n'.encode()
    whole = generate(alice, f"{mime_rump};urlauth=user+alice")
    assert extended(alice, whole, "BINARY") == f'* URLFETCH "{whole}" (BINARY NIL)\r\n'.encode()


def test_an_embedded_message_is_decoded_whole_with_its_structure(
    alice: Raw, mime_rump: str
) -> None:
    url = generate(alice, f"{mime_rump}/;section=4;urlauth=user+alice")
    inner = b"Subject: inner\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary"
    answer = extended(alice, url, "BODYPARTSTRUCTURE", "BINARY")
    body = inner + b"\r\n\r\ninner text"  # the CRLF before --b is the delimiter's
    head = f'* URLFETCH "{url}" (BODYPARTSTRUCTURE ("message" "rfc822" NIL NIL NIL "7bit" '
    assert answer.startswith(head.encode() + str(len(body)).encode() + b' (NIL "inner" '), answer
    # the leaf keeps its stored encoding's name, with the decoded size and lines
    assert b'("text" "plain" ("charset" "us-ascii") NIL NIL "base64" 10 0 ' in answer
    assert answer.endswith(b"BINARY {%d}\r\n%s)\r\n" % (len(body), body))
    alone = extended(alice, url, "BODYPARTSTRUCTURE")
    assert b'"base64" 16 0 ' in alone and b"BINARY" not in alone and b"BODY " not in alone


def test_a_part_that_is_not_there(alice: Raw, mime_rump: str) -> None:
    url = generate(alice, f"{mime_rump}/;section=9;urlauth=user+alice")
    answer = extended(alice, url, "BODYPARTSTRUCTURE", "BINARY")
    assert answer == f'* URLFETCH "{url}" (BINARY {{0}}\r\n)\r\n'.encode()


def test_extended_form_of_a_url_not_for_this_user_is_nil(
    alice: Raw, bob: Raw, mime_rump: str
) -> None:
    url = generate(alice, f"{mime_rump}/;section=1;urlauth=user+alice")
    assert extended(bob, url, "BINARY") == f'* URLFETCH "{url}" NIL\r\n'.encode()


@pytest.mark.parametrize(
    "items", ["BODY BINARY", "BINARY X-CONVERT", "BINARY)", "(BINARY)", '"BINARY"']
)
def test_malformed_extended_forms_are_bad(alice: Raw, items: str) -> None:
    line = alice.command(f'u URLFETCH ("{RUMP}" {items})')[-1]
    assert line.startswith("u BAD"), line
    assert alice.command("n NOOP")[-1].startswith("n OK")
