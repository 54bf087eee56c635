"""The ESEARCH family against a real `hato serve`, over raw sockets: RETURN options
(RFC 4731), SAVE and "$" (RFC 5182), PARTIAL, UPDATE/ADDTO/REMOVEFROM across two
connections, CANCELUPDATE and NOUPDATE (RFC 5267), ESORT, WITHIN (RFC 5032) and
i;unicode-casemap matching (RFC 5255 I18NLEVEL=1, RFC 5051), and bad input."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess

# (subject, from, flags); message n has UID n + 1 (a first message is expunged) and
# INTERNALDATE 0n-Jan-2024.
MESSAGES = [
    ("Äpfel und Birnen", "Jürgen Groß <juergen@example.de>", "\\Seen"),  # 1
    ("plain english", "alice@example.org", ""),  # 2
    ("会議のお知らせ", "山田 太郎 <yamada@example.jp>", "\\Seen"),  # 3
    ("ＡＢＣ full width", "bob@example.org", ""),  # 4
    ("ｱｲｳ half width kana", "carol@example.org", "\\Flagged"),  # 5
    ("MAßNAHME", "dave@example.org", "\\Seen"),  # 6
]


class Client:
    """A line-based IMAP client: each command's untagged lines and tagged line."""

    def __init__(self, server: HatoProcess) -> None:
        self.sock = socket.create_connection(("127.0.0.1", server.ports["imap"]), timeout=10)
        self.buffer = b""
        self.tags = (f"t{n}" for n in itertools.count())
        self.read_line()  # greeting
        self.ok("LOGIN alice alice-pw")

    def read_line(self) -> str:
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            assert chunk, "connection closed"
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line.decode()

    def run(self, command: str, tag: str | None = None) -> tuple[list[str], str]:
        tag = tag or next(self.tags)
        self.sock.sendall(f"{tag} {command}\r\n".encode())
        untagged: list[str] = []
        while not (line := self.read_line()).startswith(tag + " "):
            untagged.append(line)
        return untagged, line[len(tag) + 1 :]

    def ok(self, command: str, tag: str | None = None) -> list[str]:
        untagged, done = self.run(command, tag)
        assert done.startswith("OK"), (command, done)
        return untagged

    def literal(self, command: str, data: bytes) -> list[str]:
        """A command ending in a non-synchronizing literal (LITERAL+)."""
        tag = next(self.tags)
        self.sock.sendall(f"{tag} {command} {{{len(data)}+}}\r\n".encode() + data + b"\r\n")
        untagged: list[str] = []
        while not (line := self.read_line()).startswith(tag + " "):
            untagged.append(line)
        assert line.startswith(tag + " OK"), line
        return untagged

    def esearch(self, command: str, tag: str) -> list[str]:
        return [line for line in self.ok(command, tag) if line.startswith("* ESEARCH")]

    def close(self) -> None:
        self.run("LOGOUT")
        self.sock.close()


def message(subject: str, sender: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: alice@example.org\r\nSubject: {subject}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nhello body\r\n"
    ).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("imap-esearch") / "data"
    process = HatoProcess(data, services=("imap",))
    process.add_user("alice", "alice-pw")
    process.start()
    yield process
    assert process.stop() == 0


@pytest.fixture
def mailbox(server: HatoProcess) -> Iterator[str]:
    """A fresh mailbox holding MESSAGES, UIDs 2..7."""
    name = f"box{next(_boxes)}"
    client = Client(server)
    client.ok(f"CREATE {name}")
    client.literal(f"APPEND {name} (\\Deleted)", b"Subject: gone\r\n\r\nx\r\n")
    for day, (subject, sender, flags) in enumerate(MESSAGES, 1):
        internal = f'"0{day}-Jan-2024 12:00:00 +0000"'
        client.literal(f"APPEND {name} ({flags}) {internal}", message(subject, sender))
    client.ok(f"SELECT {name}")
    client.ok("EXPUNGE")
    client.close()
    yield name


_boxes = itertools.count()


@pytest.fixture
def imap(server: HatoProcess, mailbox: str) -> Iterator[Client]:
    client = Client(server)
    client.ok(f"SELECT {mailbox}")
    yield client
    client.close()


def test_capabilities(imap: Client) -> None:
    (line,) = [line for line in imap.ok("CAPABILITY") if line.startswith("* CAPABILITY")]
    words = set(line.split())
    wanted = "ESEARCH SEARCHRES WITHIN I18NLEVEL=1 CONTEXT=SEARCH ESORT CONTEXT=SORT"
    assert set(wanted.split()) <= words


def test_each_return_option(imap: Client) -> None:
    assert imap.esearch("SEARCH RETURN (MIN) SEEN", "a1") == ['* ESEARCH (TAG "a1") MIN 1']
    assert imap.esearch("SEARCH RETURN (MAX) SEEN", "a2") == ['* ESEARCH (TAG "a2") MAX 6']
    assert imap.esearch("SEARCH RETURN (COUNT) SEEN", "a3") == ['* ESEARCH (TAG "a3") COUNT 3']
    assert imap.esearch("SEARCH RETURN (ALL) SEEN", "a4") == ['* ESEARCH (TAG "a4") ALL 1,3,6']
    assert imap.esearch("SEARCH RETURN () 2:4", "a5") == ['* ESEARCH (TAG "a5") ALL 2:4']
    assert imap.esearch("UID SEARCH RETURN (MIN MAX COUNT ALL) SEEN", "a6") == [
        '* ESEARCH (TAG "a6") UID MIN 2 MAX 7 ALL 2,4,7 COUNT 3'
    ]
    # the CONTEXT hint alone changes nothing: ALL
    assert imap.esearch("SEARCH RETURN (CONTEXT) UNSEEN", "a7") == [
        '* ESEARCH (TAG "a7") ALL 2,4:5'
    ]


def test_no_match_keeps_only_count(imap: Client) -> None:
    assert imap.esearch("SEARCH RETURN (MIN MAX ALL) DRAFT", "b1") == ['* ESEARCH (TAG "b1")']
    assert imap.esearch("UID SEARCH RETURN (COUNT MIN) DRAFT", "b2") == [
        '* ESEARCH (TAG "b2") UID COUNT 0'
    ]


def test_save_and_dollar_everywhere(imap: Client) -> None:
    # "$" before any SAVE is the empty set, not an error (RFC 5182 §2.1)
    assert imap.ok("SEARCH $") == ["* SEARCH"]
    assert not [line for line in imap.ok("FETCH $ FLAGS") if "FETCH" in line]
    # SAVE alone answers no ESEARCH
    assert imap.esearch("SEARCH RETURN (SAVE) SEEN", "c1") == []
    fetched = imap.ok("FETCH $ (UID)")
    assert fetched == ["* 1 FETCH (UID 2)", "* 3 FETCH (UID 4)", "* 6 FETCH (UID 7)"]
    assert imap.ok("UID FETCH $ (UID)") == fetched
    assert imap.ok("SEARCH $") == ["* SEARCH 1 3 6"]
    assert imap.ok("UID SEARCH UID $ NOT 3") == ["* SEARCH 2 7"]
    stored = imap.ok("STORE $ +FLAGS.SILENT (\\Answered)")
    assert stored == []
    assert imap.ok("SEARCH ANSWERED") == ["* SEARCH 1 3 6"]
    assert imap.ok("UID STORE $ -FLAGS.SILENT (\\Answered)") == []
    imap.ok("CREATE saved-copy")
    copied = imap.run("COPY $ saved-copy")[1]
    assert copied.startswith("OK [COPYUID ") and copied.split()[3] == "2,4,7"
    assert imap.run("UID COPY $ saved-copy")[1].startswith("OK [COPYUID ")
    imap.ok("DELETE saved-copy")


def test_save_with_min_max_saves_only_those(imap: Client) -> None:
    assert imap.esearch("SEARCH RETURN (SAVE MIN MAX) SEEN", "d1") == [
        '* ESEARCH (TAG "d1") MIN 1 MAX 6'
    ]
    assert imap.ok("SEARCH $") == ["* SEARCH 1 6"]
    imap.esearch("SEARCH RETURN (SAVE MIN) SEEN", "d2")
    assert imap.ok("SEARCH $") == ["* SEARCH 1"]
    imap.esearch("SEARCH RETURN (SAVE MIN COUNT) SEEN", "d3")
    assert imap.ok("SEARCH $") == ["* SEARCH 1 3 6"]


def test_failed_save_clears_dollar_and_expunged_drop_out(imap: Client) -> None:
    imap.esearch("SEARCH RETURN (SAVE) SEEN", "e1")
    done = imap.run("SEARCH RETURN (SAVE) CHARSET KOI8-R SEEN", "e2")[1]
    assert done.startswith("NO [BADCHARSET")
    assert imap.ok("SEARCH $") == ["* SEARCH"]
    imap.esearch("SEARCH RETURN (SAVE) SEEN", "e3")
    imap.ok("STORE 3 +FLAGS.SILENT (\\Deleted)")
    imap.ok("EXPUNGE")
    assert imap.ok("UID SEARCH $") == ["* SEARCH 2 7"]
    assert imap.ok("SEARCH $") == ["* SEARCH 1 5"]


def test_partial_ranges(imap: Client) -> None:
    assert imap.esearch("SEARCH RETURN (PARTIAL 1:3) ALL", "f1") == [
        '* ESEARCH (TAG "f1") PARTIAL (1:3 1:3)'
    ]
    assert imap.esearch("SEARCH RETURN (PARTIAL 3:2) NOT 4", "f2") == [
        '* ESEARCH (TAG "f2") PARTIAL (2:3 2:3)'
    ]
    assert imap.esearch("UID SEARCH RETURN (PARTIAL 2:100 COUNT) NOT 4", "f3") == [
        '* ESEARCH (TAG "f3") UID PARTIAL (2:100 3:4,6:7) COUNT 5'
    ]
    assert imap.esearch("SEARCH RETURN (PARTIAL 7:9) ALL", "f4") == [
        '* ESEARCH (TAG "f4") PARTIAL (7:9 NIL)'
    ]


@pytest.mark.parametrize(
    "options",
    ["PARTIAL 1", "PARTIAL 0:3", "PARTIAL 1:*", "PARTIAL *:1", "PARTIAL x", "PARTIAL 1:2 ALL",
     "PARTIAL 1:2 PARTIAL 3:4", "FOO", "PARTIAL -1:2"],
)  # fmt: skip
def test_bad_return_options(imap: Client, options: str) -> None:
    assert imap.run(f"SEARCH RETURN ({options}) ALL")[1].startswith("BAD")


def test_unknown_charset(imap: Client) -> None:
    untagged, done = imap.run("SEARCH RETURN (ALL) CHARSET X-UNKNOWN SUBJECT a")
    assert done.startswith("NO [BADCHARSET")
    assert not [line for line in untagged if "ESEARCH" in line]


def test_update_across_two_connections(server: HatoProcess, mailbox: str, imap: Client) -> None:
    other = Client(server)
    other.ok(f"SELECT {mailbox}")
    assert imap.esearch("SEARCH RETURN (UPDATE ALL) UNSEEN", "g1") == [
        '* ESEARCH (TAG "g1") ALL 2,4:5'
    ]
    assert imap.esearch("UID SEARCH RETURN (UPDATE) UNSEEN", "g2") == ['* ESEARCH (TAG "g2") UID']
    other.ok("STORE 2 +FLAGS (\\Seen)")
    told = imap.ok("NOOP")
    assert '* ESEARCH (TAG "g1") REMOVEFROM (0 2)' in told
    assert '* ESEARCH (TAG "g2") UID REMOVEFROM (0 3)' in told
    other.literal(f"APPEND {mailbox}", message("new", "x@example.org"))
    told = imap.ok("NOOP")
    exists = told.index("* 7 EXISTS")
    assert told.index('* ESEARCH (TAG "g1") ADDTO (0 7)') > exists  # RFC 5267 §4.3.3
    assert '* ESEARCH (TAG "g2") UID ADDTO (0 8)' in told
    other.ok("STORE 4 +FLAGS.SILENT (\\Deleted)")
    other.ok("EXPUNGE")
    told = imap.ok("NOOP")
    # REMOVEFROM goes before the EXPUNGE, with the number still valid (RFC 5267 §4.3.4)
    assert told.index('* ESEARCH (TAG "g1") REMOVEFROM (0 4)') < told.index("* 4 EXPUNGE")
    assert '* ESEARCH (TAG "g2") UID REMOVEFROM (0 5)' in told
    # its own changes too
    told = imap.ok("STORE 1 -FLAGS (\\Seen)")
    assert '* ESEARCH (TAG "g1") ADDTO (0 1)' in told
    assert imap.ok('CANCELUPDATE "g1" "g2"') == []
    other.ok("STORE 1:* +FLAGS (\\Seen)")
    assert not [line for line in imap.ok("NOOP") if "ESEARCH" in line]
    other.close()


def test_update_of_a_sequence_set_follows_its_messages(imap: Client) -> None:
    imap.esearch("SEARCH RETURN (UPDATE) 4:6 UNSEEN", "h1")
    imap.ok("STORE 3 +FLAGS.SILENT (\\Deleted)")
    imap.ok("EXPUNGE")
    # message 4 is now 3; it is still the message the program named
    told = imap.ok("STORE 3 +FLAGS (\\Seen)")
    assert '* ESEARCH (TAG "h1") REMOVEFROM (0 3)' in told
    told = imap.ok("STORE 1 -FLAGS (\\Seen)")
    assert not [line for line in told if "ESEARCH" in line]


def test_update_tag_reuse_cancel_and_noupdate(imap: Client) -> None:
    imap.esearch("SEARCH RETURN (UPDATE) SEEN", "k0")
    assert imap.run("SEARCH RETURN (UPDATE) SEEN", "k0")[1].startswith("BAD")
    assert imap.run('CANCELUPDATE "nope"')[1].startswith("NO")
    for n in range(1, 16):
        imap.esearch("SEARCH RETURN (UPDATE) SEEN", f"k{n}")
    untagged, done = imap.run("SEARCH RETURN (UPDATE COUNT) SEEN", "k16")
    assert untagged == ['* ESEARCH (TAG "k16") COUNT 3', '* NO [NOUPDATE "k16"] Too many contexts']
    assert done == "OK Search completed, will not notify."
    imap.ok('CANCELUPDATE "k3"')
    assert imap.ok("SEARCH RETURN (UPDATE) SEEN", "k17") == ['* ESEARCH (TAG "k17")']


def test_esort(imap: Client) -> None:
    # SUBJECT by the casemapped base subject: ABC (full width), A+umlaut, MASSNAHME,
    # PLAIN, アイウ (half width), 会議
    assert imap.esearch("SORT RETURN (MIN MAX ALL COUNT) (REVERSE ARRIVAL) UTF-8 ALL", "m1") == [
        '* ESEARCH (TAG "m1") MIN 6 MAX 1 ALL 6,5,4,3,2,1 COUNT 6'
    ]
    assert imap.esearch("UID SORT RETURN () (SUBJECT) UTF-8 NOT 3", "m2") == [
        '* ESEARCH (TAG "m2") UID ALL 5,2,7,3,6'
    ]
    assert imap.esearch("SORT RETURN (PARTIAL 2:3) (SUBJECT) UTF-8 ALL", "m3") == [
        '* ESEARCH (TAG "m3") PARTIAL (2:3 1,6)'
    ]
    assert imap.run("SORT RETURN (PARTIAL 1:2 ALL) (SUBJECT) UTF-8 ALL")[1].startswith("BAD")


def test_sort_update_gives_positions(imap: Client) -> None:
    assert imap.esearch("SORT RETURN (UPDATE ALL) (SUBJECT) UTF-8 UNSEEN", "n1") == [
        '* ESEARCH (TAG "n1") ALL 4,2,5'
    ]
    told = imap.ok("STORE 6 -FLAGS (\\Seen)")  # MAßNAHME sorts between ＡＢＣ and plain
    assert '* ESEARCH (TAG "n1") ADDTO (2 6)' in told
    told = imap.ok("STORE 4 +FLAGS (\\Seen)")
    assert '* ESEARCH (TAG "n1") REMOVEFROM (1 4)' in told


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("SUBJECT äpfel", "1"),
        ("SUBJECT ÄPFEL", "1"),
        ("FROM jürgen", "1"),
        ("FROM GROß", "1"),
        ("FROM GROSS", ""),  # Groß: RFC 5051's simple titlecase keeps ß (not SS)
        ("SUBJECT 会議", "3"),
        ("FROM 山田", "3"),
        ("SUBJECT abc", "4"),  # full-width ＡＢＣ is ABC after NFKD
        ("SUBJECT ａｂｃ", "4"),
        ("SUBJECT アイウ", "5"),  # half-width ｱｲｳ is アイウ after NFKD
        ("SUBJECT maßnahme", "6"),
        ("BODY HELLO", "1 2 3 4 5 6"),
    ],
)
def test_i18n_casemap_matches(imap: Client, key: str, expected: str) -> None:
    name, value = key.split(" ", 1)
    data = value.encode()
    untagged = imap.literal(f"SEARCH CHARSET UTF-8 {name}", data)
    assert untagged == [f"* SEARCH {expected}".rstrip()]


def test_within(imap: Client, mailbox: str) -> None:
    """RFC 5032: INTERNALDATE at least / less than n seconds ago."""
    imap.literal(f"APPEND {mailbox}", message("new one", "n@x.org"))
    imap.ok("NOOP")
    assert imap.ok("SEARCH OLDER 86400") == ["* SEARCH 1 2 3 4 5 6"]
    assert imap.ok("SEARCH YOUNGER 86400") == ["* SEARCH 7"]
    assert imap.esearch("SEARCH RETURN (COUNT) YOUNGER 1 OLDER 1", "w1") == [
        '* ESEARCH (TAG "w1") COUNT 0'
    ]
    assert imap.run("SEARCH OLDER 0")[1].startswith("BAD")
    assert imap.run("SEARCH YOUNGER x")[1].startswith("BAD")
