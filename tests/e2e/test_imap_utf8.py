"""UTF8=ACCEPT (RFC 6855) against a real `hato serve`, over raw sockets and imaplib.

After ENABLE UTF8=ACCEPT (§3) mailbox names travel as UTF-8 both ways ("&" is itself,
no modified UTF-7), APPEND takes ``UTF8 (~{n} ...)`` (§4), SEARCH takes no CHARSET
(§3); a session that did not enable it keeps modified UTF-7 and is refused UTF8 data.
Bad UTF-8 (invalid bytes, overlong forms, surrogates, controls) gets BAD or NO and the
session goes on.  SMTPUTF8 mail (RFC 6531) comes in over the MX and LMTP; a client that
asked for UTF-8 (ENABLE UTF8=ACCEPT, POP3's UTF8) gets it as sent, any other the RFC 6858
downgrade (RFC 6855 §7, RFC 6856), its sizes and structure those of the downgraded octets.
Runs on PostgreSQL too (tests/e2e/test_protocols_postgresql.py).
"""

from __future__ import annotations

import imaplib
import poplib
import re
import smtplib
from collections.abc import Iterator
from email.header import decode_header, make_header

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw, created

USER, PASSWORD = "yuki", "yuki-pw"
MESSAGE = (
    "From: 山田 <山田@例え.jp>\r\nTo: yuki@example.org\r\nSubject: 会議の件\r\n"
    "Message-ID: <u1@example.jp>\r\n\r\n明日の会議は十時からです。\r\n"
).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("utf8") / "data"
    process = HatoProcess(data, services=("imap", "smtp", "lmtp", "pop3"))
    process.add_user(USER, PASSWORD)
    process.start()
    yield process
    assert process.stop() == 0


def _session(server: HatoProcess, enable: bool) -> Raw:
    raw = Raw(server.ports["imap"])
    assert raw.command(f"a LOGIN {USER} {PASSWORD}")[-1].startswith("a OK")
    if enable:
        assert raw.command("e ENABLE UTF8=ACCEPT") == [
            "* ENABLED UTF8=ACCEPT",
            "e OK Enabled.",
        ]
    return raw


@pytest.fixture
def utf8(server: HatoProcess) -> Iterator[Raw]:
    raw = _session(server, enable=True)
    yield raw
    raw.close()


@pytest.fixture
def legacy(server: HatoProcess) -> Iterator[Raw]:
    raw = _session(server, enable=False)
    yield raw
    raw.close()


def _utf8_command(raw: Raw, line: str) -> list[str]:
    tag = line.split()[0]
    raw.send(line.encode() + b"\r\n")
    lines = []
    while not (got := raw.line()).startswith(tag + " "):
        assert got, lines
        lines.append(got.rstrip("\r\n"))
    return [*lines, got.rstrip("\r\n")]


def test_advertised_after_login(server: HatoProcess) -> None:
    client = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    assert "UTF8=ACCEPT" not in client.capabilities
    client.login(USER, PASSWORD)
    assert "UTF8=ACCEPT" in client.capability()[1][0].decode().split()
    client.logout()


def test_names_are_utf8_after_enable_and_mutf7_before(utf8: Raw, legacy: Raw) -> None:
    assert re.fullmatch(created(), _utf8_command(utf8, 'c CREATE "Répertoire & 日本"')[-1])
    listed = _utf8_command(utf8, 'l LIST "" "R*"')
    assert listed[0] == '* LIST (\\HasNoChildren) "." "Répertoire & 日本"'
    assert legacy.command('l LIST "" "R*"')[0] == (
        '* LIST (\\HasNoChildren) "." "R&AOk-pertoire &- &ZeVnLA-"'
    )
    status = _utf8_command(utf8, 's STATUS "Répertoire & 日本" (MESSAGES)')
    assert status[0] == '* STATUS "Répertoire & 日本" (MESSAGES 0)'
    selected = _utf8_command(utf8, 's SELECT "Répertoire & 日本"')
    assert selected[-1].startswith("s OK [READ-WRITE]")
    # "&" is itself after ENABLE: the modified UTF-7 form names another mailbox
    assert utf8.command('x SELECT "R&AOk-pertoire &- &ZeVnLA-"')[-1].startswith("x NO")
    renamed = _utf8_command(utf8, 'r RENAME "Répertoire & 日本" "Ordner.Größe"')
    assert renamed[-1] == "r OK Rename completed."
    assert _utf8_command(utf8, 'l LIST "" "Ordner.*"')[0].endswith('"Ordner.Größe"')
    assert legacy.command('l LIST "" "Ordner.*"')[0].endswith('"Ordner.Gr&APYA3w-e"')


def test_utf8_append_needs_enable_and_stores_the_message(utf8: Raw, legacy: Raw) -> None:
    legacy.send(b"a APPEND INBOX UTF8 (~{%d+}\r\n%s)\r\n" % (len(MESSAGE), MESSAGE))
    refused = legacy.line()
    assert refused.startswith("a BAD Error in IMAP command APPEND: UTF8 APPEND data needs")
    assert legacy.command("n NOOP") == ["n OK NOOP completed."]
    utf8.send(b"a APPEND INBOX (\\Seen) UTF8 (~{%d}\r\n" % len(MESSAGE))
    assert utf8.line().startswith("+ ")
    utf8.send(MESSAGE + b")\r\n")
    appended = utf8.line()
    assert appended.startswith("a OK [APPENDUID ")
    uid = appended.split()[4].rstrip("]")
    _utf8_command(utf8, "s SELECT INBOX")
    fetched = _utf8_command(utf8, f"f UID FETCH {uid} (FLAGS BODY.PEEK[])")
    assert fetched[0].endswith(f"{{{len(MESSAGE)}}}")
    assert "Subject: 会議の件" in fetched


def test_search_takes_utf8_and_refuses_a_charset(utf8: Raw) -> None:
    utf8.send(b"a APPEND INBOX UTF8 (~{%d+}\r\n%s)\r\n" % (len(MESSAGE), MESSAGE))
    assert utf8.line().startswith("a OK")
    _utf8_command(utf8, "s SELECT INBOX")
    found = _utf8_command(utf8, 'f SEARCH SUBJECT "会議"')
    assert found[0].startswith("* SEARCH ") and len(found[0].split()) >= 3
    assert found[-1].startswith("f OK")
    refused = _utf8_command(utf8, 'c SEARCH CHARSET UTF-8 SUBJECT "会議"')
    assert refused == [
        "c BAD Error in IMAP command SEARCH: CHARSET is not allowed after ENABLE UTF8=ACCEPT."
    ]


def test_imaplib_lists_utf8_names(server: HatoProcess) -> None:
    client = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
    client.login(USER, PASSWORD)
    assert client.enable("UTF8=ACCEPT")[0] == "OK"
    assert client.create('"Über"')[0] == "OK"
    typ, listed = client.list('""', '"Ü*"')
    assert typ == "OK" and listed == ['(\\HasNoChildren) "." "Über"'.encode()]
    client.logout()


@pytest.mark.parametrize(
    "name",
    [
        b"\xff\xfe",  # never UTF-8
        b"caf\xc3",  # truncated sequence
        b"\xc0\xaf",  # overlong "/"
        b"\xe0\x80\xaf",  # overlong "/", three bytes
        b"\xed\xa0\x80",  # a UTF-16 surrogate
        b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    ],
)
def test_invalid_utf8_names_get_bad(utf8: Raw, name: bytes) -> None:
    for command in ("CREATE", "SELECT", "SUBSCRIBE", "DELETE"):
        utf8.send(b'c %s "%s"\r\n' % (command.encode(), name))
        assert utf8.line().rstrip("\r\n") == (
            f"c BAD Error in IMAP command {command}: Mailbox name is not valid UTF-8"
        )
    utf8.send(b'r RENAME INBOX "' + name + b'"\r\n')
    assert utf8.line().startswith("r BAD Error in IMAP command RENAME: Mailbox name is not")
    utf8.send(b's STATUS "' + name + b'" (MESSAGES)\r\n')
    assert utf8.line().startswith("s BAD Error in IMAP command STATUS: Mailbox name is not")
    utf8.send(b'l LIST "" "' + name + b'"\r\n')
    assert utf8.line().startswith("l OK List completed.")
    assert utf8.command("n NOOP") == ["n OK NOOP completed."]


@pytest.mark.parametrize("char", ["\u0085", "\u2028", "\u2029", "\x7f"])
def test_controls_and_separators_are_no_names(utf8: Raw, char: str) -> None:
    refused = _utf8_command(utf8, f'c CREATE "line{char}break"')
    assert refused == ["c NO Invalid mailbox name."]
    assert utf8.command("n NOOP") == ["n OK NOOP completed."]


def test_a_long_name_of_overlong_sequences_is_refused(utf8: Raw) -> None:
    """60,000 octets of overlong "/" in a literal: BAD, and the session goes on."""
    name = b"\xc0\xaf" * 30_000
    utf8.send(b"c CREATE {%d+}\r\n%s\r\n" % (len(name), name))
    assert utf8.line().startswith("c BAD Error in IMAP command CREATE: Mailbox name is not")
    assert utf8.command("n NOOP") == ["n OK NOOP completed."]


def test_unauthenticate_forgets_utf8(utf8: Raw) -> None:
    """RFC 8437 §3: what ENABLE turned on ends with the login."""
    assert re.fullmatch(created(), _utf8_command(utf8, 'c CREATE "Zürich"')[-1])
    assert utf8.command("u UNAUTHENTICATE")[-1] == "u OK Unauthenticate completed."
    assert utf8.command(f"a LOGIN {USER} {PASSWORD}")[-1].startswith("a OK")
    assert utf8.command('l LIST "" "Z*"')[0].endswith('"Z&APw-rich"')


def _send_smtputf8(server: HatoProcess, service: str, subject: str) -> None:
    message = MESSAGE.replace("会議の件".encode(), subject.encode())
    client = smtplib.LMTP if service == "lmtp" else smtplib.SMTP
    with client("127.0.0.1", server.ports[service], timeout=10) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("smtputf8")
        smtp.sendmail("山田@例え.jp", [f"{USER}@example.org"], message, mail_options=["SMTPUTF8"])


def _legacy_header(body: bytes) -> list[str]:
    """A downgraded message's header, each line ASCII, with its encoded-words decoded."""
    head = body.split(b"\r\n\r\n", 1)[0]
    assert head.isascii(), head
    return [str(make_header(decode_header(line))) for line in head.decode().split("\r\n")]


def test_smtputf8_mail_is_downgraded_for_clients_without_utf8(server: HatoProcess) -> None:
    """RFC 6531 on the MX and LMTP; the stored octets go to a client that asked for UTF-8,
    the RFC 6858 downgrade to any other: encoded-words for the subject and the display
    name, an empty group for the address that has no ASCII form; the body as sent."""
    _send_smtputf8(server, "smtp", "MX経由")
    _send_smtputf8(server, "lmtp", "LMTP経由")
    subjects = {"Subject: MX経由", "Subject: LMTP経由"}
    for enable in (False, True):
        client = imaplib.IMAP4("127.0.0.1", server.ports["imap"])
        client.login(USER, PASSWORD)
        if enable:
            client.enable("UTF8=ACCEPT")
        client.select("INBOX", readonly=True)
        _, found = client.search(None, "HEADER", "Message-ID", "u1@example.jp")
        numbers = found[0].split()[-2:]  # the two just sent (the module sends more)
        for number in numbers:
            _, data = client.fetch(number, "(RFC822.SIZE BODY.PEEK[])")
            head, body = data[0]
            envelope = b"".join(
                b"".join(item) if isinstance(item, tuple) else item
                for item in client.fetch(number, "(ENVELOPE)")[1]
            )
            assert int(re.search(rb"RFC822.SIZE (\d+)", head)[1]) == len(body)  # type: ignore[index]
            assert body.endswith("明日の会議は十時からです。\r\n".encode())
            if enable:
                assert "Subject: " + "MX経由" in body.decode() or "LMTP経由" in body.decode()
                assert "山田".encode() in envelope
                continue
            header = _legacy_header(body)
            assert subjects & set(header)
            assert (
                'From: "山田 <山田@例え.jp>":;' in header
                or "From: 山田 <山田@例え.jp> :;" in header
            )
            assert envelope.isascii() and b"=?utf-8?b?" in envelope  # of the downgraded octets
        client.logout()
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    pop.user(USER)
    pop.pass_(PASSWORD)
    count = pop.stat()[0]
    legacy = [b"\r\n".join(pop.retr(n)[1]) for n in (count - 1, count)]
    assert subjects <= {line for body in legacy for line in _legacy_header(body)}
    pop.quit()
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    pop.utf8()
    pop.user(USER)
    pop.pass_(PASSWORD)
    lines = {line for n in (count - 1, count) for line in pop.retr(n)[1]}
    assert {"Subject: MX経由".encode(), "Subject: LMTP経由".encode()} <= lines
    pop.quit()
