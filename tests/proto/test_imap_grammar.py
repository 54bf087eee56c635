"""The command grammar: every command form, the transcript, Dovecot's BAD texts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hato.proto import imap
from hato.proto.imap import (
    STAR,
    Append,
    Authenticate,
    CancelUpdate,
    Capability,
    CatenateText,
    CatenateUrl,
    Command,
    Copy,
    Create,
    Delete,
    Enable,
    Examine,
    Expunge,
    Fetch,
    FetchAttr,
    Id,
    List,
    Login,
    Lsub,
    Move,
    ParseError,
    Rename,
    Search,
    SearchAll,
    SearchAnd,
    SearchDate,
    SearchFlag,
    SearchHeader,
    SearchModSeq,
    SearchNot,
    SearchOr,
    SearchSequence,
    Section,
    Select,
    SequenceSet,
    Sort,
    SortCriterion,
    Status,
    Store,
    Thread,
    parse_command,
)
from tests.shared_dir import shared_path


def parse(line: str | bytes) -> Command:
    result = parse_command(line.encode() if isinstance(line, str) else line)
    assert isinstance(result, Command), result
    return result


def bad(line: str | bytes) -> str:
    result = parse_command(line.encode() if isinstance(line, str) else line)
    assert isinstance(result, ParseError), result
    return result.to_bytes().decode()


def seq(*ranges: tuple[int, int]) -> SequenceSet:
    return SequenceSet(ranges)


# -- the reference transcript -------------------------------------------------

EXPECTED_TYPES = {
    "CAPABILITY": imap.Capability, "LOGIN": Login, "LIST": List, "SELECT": Select,
    "FETCH": Fetch, "CREATE": Create, "RENAME": Rename, "DELETE": Delete, "EXAMINE": Examine,
    "STATUS": Status, "NAMESPACE": imap.Namespace, "LOGOUT": imap.Logout,
}  # fmt: skip


def transcript_pairs() -> list[tuple[str, str]]:
    """(client line, its tagged answer) from the reference transcript."""
    lines = shared_path("reference/dovecot-2.3.19-imap-session.txt").read_text().splitlines()
    pairs = []
    for index, line in enumerate(lines):
        if line.startswith("C: "):
            tag = line[3:].split()[0]
            answer = next(x for x in lines[index:] if x.startswith(f"S: {tag} "))
            pairs.append((line[3:], answer[3:]))
    return pairs


def test_transcript_client_lines() -> None:
    for line, answer in transcript_pairs():
        result = parse_command(line.encode())
        if " BAD " in answer and "messageset" not in answer:
            assert isinstance(result, ParseError)
            # Dovecot inserts timings before the final dot
            expected = re.sub(r" \(\d.*secs\)\.$", ".", answer)
            assert result.to_bytes().decode() == expected + "\r\n"
        else:
            assert isinstance(result, EXPECTED_TYPES[line.split()[1]]), line


def test_transcript_specifics() -> None:
    assert parse('A2 LIST "" "%"') == List("A2", "", ("%",))
    assert parse("A4 FETCH 1 BODY[]") == Fetch("A4", seq((1, 1)), (FetchAttr("BODY", Section()),))
    fetch = parse("A13 FETCH 99 FLAGS")
    assert isinstance(fetch, Fetch) and fetch.sequence_set.highest_explicit() == 99
    assert parse("A17 STATUS INBOX (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)") == Status(
        "A17", "INBOX", ("MESSAGES", "UNSEEN", "UIDNEXT", "UIDVALIDITY")
    )


# -- the imaptest scripts' client lines all parse -----------------------------

_VARS = {
    "$mailbox_url": "imaptest", "${mailbox}": "imaptest", "$mailbox": "imaptest",
    "${sep}": ".", "$sep": ".", "$$": "$", "$searchtag": "S1", "$username": "u",
    "$domain": "d", "$user": "u",
}  # fmt: skip
_COMMAND = re.compile(r"^(?:\d+ )?(ok|no|bad) (.*)$", re.I)


# Extensions hato does not implement: their scripts' commands need not parse.
_UNIMPLEMENTED = {"BINARY", "CATENATE", "URLAUTH", "NOTIFY"}
_CAPABILITIES = re.compile(r"^capabilities:(.*)$", re.I | re.M)


def _needs_unimplemented(text: str) -> bool:
    header = text.split("\n\n", 1)[0]
    needed = {word.upper() for line in _CAPABILITIES.findall(header) for word in line.split()}
    return not needed.isdisjoint(_UNIMPLEMENTED)


def imaptest_commands() -> list[tuple[str, str]]:
    found = []
    for path in sorted(shared_path("imaptest-tests").glob("*")):
        if not path.is_file() or path.suffix or path.name.isupper() or "." in path.name:
            continue
        text = path.read_text(errors="replace")
        if _needs_unimplemented(text):
            continue
        for line in text.splitlines():
            match = _COMMAND.match(line)
            if (
                match
                and not match.group(2).startswith("[")
                and "{{{" not in line
                and "\\" not in line.replace("\\\\", "")
            ):
                found.append((match.group(1).lower(), match.group(2)))
    return found


def substitute(command: str) -> str:
    for name, value in _VARS.items():
        command = command.replace(name, value)
    command = re.sub(r"\$(uid|modseq|size)\w*|\$uidnext", "7", command)
    return command


def test_imaptest_commands_parse() -> None:
    unsupported = ("GENURLAUTH", "URLFETCH", "RESETKEY", "NOTIFY")
    checked = 0
    for status, command in imaptest_commands():
        if command.upper().startswith(unsupported):
            continue
        result = parse_command(b"T1 " + substitute(command).encode())
        if status == "bad":
            assert isinstance(result, ParseError), command
        elif not command.startswith(("select !", "select ~", "append")):
            assert isinstance(result, Command), (command, result)
        checked += 1
    assert checked > 300


# -- every command form -------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("a capability", Capability("a")),
        ("a NOOP", imap.Noop("a")),
        ("a logout", imap.Logout("a")),
        ("a starttls", imap.StartTLS("a")),
        ("a authenticate plain", Authenticate("a", "PLAIN")),
        ("a AUTHENTICATE PLAIN AGEAYg==", Authenticate("a", "PLAIN", b"AGEAYg==")),
        ("a AUTHENTICATE PLAIN =", Authenticate("a", "PLAIN", b"=")),
        ('a login "is network" "pa\\"ss"', Login("a", "is network", 'pa"ss')),
        ("a select inbox", Select("a", "INBOX")),
        ("a select InBoX (condstore)", Select("a", "INBOX", condstore=True)),
        ("a examine Drafts", Examine("a", "Drafts")),
        ("a create foo.bar", Create("a", "foo.bar")),
        ("a create Junk (USE (\\Junk))", Create("a", "Junk", ("\\Junk",))),
        ("a delete foo", Delete("a", "foo")),
        ("a rename foo bar", Rename("a", "foo", "bar")),
        ("a subscribe foo", imap.Subscribe("a", "foo")),
        ("a unsubscribe foo", imap.Unsubscribe("a", "foo")),
        ('a lsub "" *', Lsub("a", "", "*")),
        ("a status foo (size highestmodseq)", Status("a", "foo", ("SIZE", "HIGHESTMODSEQ"))),
        ("a check", imap.Check("a")),
        ("a close", imap.Close("a")),
        ("a unselect", imap.Unselect("a")),
        ("a expunge", Expunge("a")),
        ("a uid expunge 3:5", Expunge("a", seq((3, 5)))),
        ("a copy 1:* Trash", Copy("a", seq((1, STAR)), "Trash")),
        ("a uid copy 1,3 Trash", Copy("a", seq((1, 1), (3, 3)), "Trash", uid=True)),
        ("a move 2 Trash", Move("a", seq((2, 2)), "Trash")),
        ("a uid move $ Trash", Move("a", SequenceSet((), saved=True), "Trash", uid=True)),
        ("a idle", imap.Idle("a")),
        ("a enable qresync condstore", Enable("a", ("QRESYNC", "CONDSTORE"))),
        ("a id nil", Id("a", None)),
        ('a id ("name" "x" "os" NIL)', Id("a", (("name", "x"), ("os", None)))),
        ("a namespace", imap.Namespace("a")),
        ('a cancelupdate "s1" "s2"', CancelUpdate("a", ("s1", "s2"))),
        ("a compress deflate", imap.Compress("a", "DEFLATE")),
        ("a thread references utf-8 all", Thread("a", SearchAll(), "UTF-8")),
        (
            "a uid thread orderedsubject us-ascii seen",
            Thread("a", SearchFlag("\\Seen"), "US-ASCII", None, True, "ORDEREDSUBJECT"),
        ),
        (
            "a sort (reverse date subject) utf-8 all",
            Sort(
                "a",
                SearchAll(),
                "UTF-8",
                sort_criteria=(SortCriterion("DATE", True), SortCriterion("SUBJECT")),
            ),
        ),
    ],
)
def test_command_forms(line: str, expected: Command) -> None:
    assert parse(line) == expected


def test_names() -> None:
    assert parse("a uid fetch 1 flags").name == "UID FETCH"
    assert parse("a uid expunge 1").name == "UID EXPUNGE"
    assert parse("a examine x").name == "EXAMINE"
    assert isinstance(parse("a examine x"), Select)  # Examine is a read-only Select
    assert not isinstance(parse("a move 1 x"), Copy)


def test_select_qresync() -> None:
    select = parse("a select x (qresync (67890007 20050715194045000 41,43:211 (1:3 4:6)))")
    assert isinstance(select, Select) and select.qresync is not None
    assert select.qresync.uidvalidity == 67890007
    assert select.qresync.modseq == 20050715194045000
    assert select.qresync.known_uids == seq((41, 41), (43, 211))
    assert select.qresync.known_sequence_uids == seq((4, 6))
    plain = parse("a select x (QRESYNC (1 2))")
    assert isinstance(plain, Select) and plain.qresync == imap.QResync(1, 2)


def test_list_extended() -> None:
    assert parse('a list (subscribed recursivematch) "" (foo bar%) return (children)') == List(
        "a", "", ("foo", "bar%"), frozenset({"SUBSCRIBED", "RECURSIVEMATCH"}),
        frozenset({"CHILDREN"}), None, True,
    )  # fmt: skip
    status = parse('a list "" * return (status (messages unseen) special-use)')
    assert isinstance(status, List)
    assert status.status_items == ("MESSAGES", "UNSEEN")
    assert status.return_options == {"STATUS", "SPECIAL-USE"}
    assert bad('a list (recursivematch) "" ""').startswith("a BAD Error in IMAP command LIST")
    assert bad('a list "" "" return (imaptest)')
    assert bad('a list (imaptest) "" ""')
    assert parse('a list "" ~foo') == List("a", "", ("~foo",))
    assert parse('a list "" !#$&\'+,-.0123456789:;<=>?@^_`|[}%*') == List(
        "a", "", ("!#$&'+,-.0123456789:;<=>?@^_`|[}%*",)
    )


def test_append_forms() -> None:
    one = parse(b'a append Sent (\\Seen $Label) "05-Jan-2024 10:00:00 -0130" {2}\r\nhi')
    assert isinstance(one, Append)
    message = one.messages[0]
    assert message.flags == ("\\Seen", "$Label") and message.data == b"hi"
    assert message.date_time is not None and message.date_time.utcoffset() is not None
    assert message.date_time.isoformat() == "2024-01-05T10:00:00-01:30"
    multi = parse(b"a append x {1}\r\na (\\Draft) {1+}\r\nb ~{1}\r\nc")
    assert isinstance(multi, Append) and [m.data for m in multi.messages] == [b"a", b"b", b"c"]
    # CATENATE (RFC 4469 §5): its parts, in order; TEXT takes a literal8 too.
    catenate = parse(b'a append x catenate (url "/x;uid=1" text {2}\r\nhi TEXT ~{1}\r\n!)')
    assert isinstance(catenate, Append)
    assert catenate.messages[0].catenate == (
        CatenateUrl("/x;uid=1"), CatenateText(b"hi"), CatenateText(b"!", binary=True)
    )  # fmt: skip
    assert bad(b"a append x catenate ()") and bad(b"a append x catenate (file {1}\r\na)")
    assert bad('a append x "quoted is not a literal"')
    assert bad(b"a append x (\\Recent) {1}\r\na")


def test_replace_forms() -> None:
    """RFC 8508 §6: REPLACE seq-number mailbox append-message, and UID REPLACE."""
    one = parse(b"a uid replace * Drafts (\\Draft) ~{2}\r\nhi")
    assert isinstance(one, imap.Replace) and one.uid and one.number is None
    assert one.mailbox == "Drafts" and one.message.flags == ("\\Draft",)
    assert one.message.data == b"hi" and one.message.binary
    assert (
        bad(b"a replace 0 x {1}\r\na")
        == (b"a BAD Error in IMAP command REPLACE: Invalid arguments.\r\n").decode()
    )
    assert bad(b"a replace 1 x")
    assert bad(b"a replace 1 x {1}\r\na {1}\r\nb")  # one message only


def test_store_forms() -> None:
    assert parse("a store 1 flags \\seen \\Draft") == Store(
        "a", seq((1, 1)), "replace", ("\\Seen", "\\Draft")
    )
    assert parse("a uid store 1:* -FLAGS.SILENT ($x)") == Store(
        "a", seq((1, STAR)), "remove", ("$x",), silent=True, uid=True
    )
    # NIL is an atom, hence a keyword (imaptest's `nil` script; Dovecot agrees)
    assert parse("a store 1 (unchangedsince 0) +flags nil") == Store(
        "a", seq((1, 1)), "add", ("nil",), unchangedsince=0
    )
    assert "Invalid system flag" in bad("a store 1 +flags \\Recent")
    assert bad("a store 1 xflags \\Seen")


def test_fetch_items() -> None:
    fetch = parse(
        "a fetch 1 (body.peek[1.2.header.fields (from To)]<0.10> body.peek[1] "
        "body[1.mime] body[text] rfc822.header modseq bodystructure)"
    )
    assert isinstance(fetch, Fetch)
    keys = [item.response_key() for item in fetch.items]
    assert keys == [
        "BODY[1.2.HEADER.FIELDS (FROM TO)]<0>", "BODY[1]",
        "BODY[1.MIME]", "BODY[TEXT]", "RFC822.HEADER", "MODSEQ", "BODYSTRUCTURE",
    ]  # fmt: skip
    assert [item.sets_seen for item in fetch.items] == [
        False, False, True, True, False, False, False,
    ]  # fmt: skip
    full = parse("a fetch 1:2 full")
    assert isinstance(full, Fetch) and len(full.items) == 5
    uid = parse("a uid fetch 1:* (flags) (changedsince 12345 vanished)")
    assert isinstance(uid, Fetch) and uid.vanished and uid.changedsince == 12345
    assert [item.name for item in uid.items] == ["UID", "FLAGS", "MODSEQ"]


def test_binary_items() -> None:
    """RFC 3516 §6: BINARY[.PEEK] section-binary [partial], BINARY.SIZE section-binary."""
    fetch = parse("a fetch 1 (binary[] binary.peek[1.2]<5.10> binary.size[3])")
    assert isinstance(fetch, Fetch)
    keys = [item.response_key() for item in fetch.items]
    assert keys == ["BINARY[]", "BINARY[1.2]<5>", "BINARY.SIZE[3]"]
    assert [item.sets_seen for item in fetch.items] == [True, False, False]
    assert fetch.items[1].partial == (5, 10) and fetch.items[1].peek


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("A12 FROB", "A12 BAD Error in IMAP command FROB: Unknown command."),
        (
            "A14 FETCH 1:* (UID FLAGS) garbage",
            "A14 BAD Error in IMAP command FETCH: Invalid arguments.",
        ),
        ("a fetch 0 flags", "a BAD Error in IMAP command FETCH: Invalid messageset"),
        ("a fetch 4294967296 flags", "a BAD Error in IMAP command FETCH: Invalid messageset"),
        ("a fetch 1: flags", "a BAD Error in IMAP command FETCH: Invalid messageset"),
        ("a uid fetch 0 flags", "a BAD Error in IMAP command UID FETCH: Invalid uidset"),
        ("a fetch 1 frob", "a BAD Error in IMAP command FETCH: Unknown parameter FROB"),
        # BINARY (RFC 3516 §6): section-binary holds part numbers only; no partial on SIZE
        ("a fetch 1 binary[1.mime]", "a BAD Error in IMAP command FETCH: Invalid arguments."),
        ("a fetch 1 binary.size[1]<0.1>", "a BAD Error in IMAP command FETCH: Invalid arguments."),
        (
            "a fetch 1 binary.peek",
            "a BAD Error in IMAP command FETCH: Unknown parameter BINARY.PEEK",
        ),
        ("a fetch 1 (flags", "a BAD Error in IMAP command FETCH: Missing ')'"),
        ("a compress", "a BAD Error in IMAP command COMPRESS: Missing arguments."),
        ("a compress deflate x", "a BAD Error in IMAP command COMPRESS: Invalid arguments."),
        ("a fetch 1 body[", "a BAD Error in IMAP command FETCH: Missing arguments."),
        (
            "a fetch 1 (flags) (vanished)",
            "a BAD Error in IMAP command FETCH: VANISHED used without UID and CHANGEDSINCE.",
        ),
        (
            "a fetch 1 flags (changedsince 0)",
            "a BAD Error in IMAP command FETCH: Invalid arguments.",
        ),
        (
            "a fetch 1 flags (changedsince 9223372036854775808)",
            "a BAD Error in IMAP command FETCH: Invalid arguments.",
        ),
        ('a login "unterminated', "a BAD Error in IMAP command LOGIN: Missing '\"'"),
        ("a login b\xe4d x", "a BAD Error in IMAP command LOGIN: 8bit data in atom"),
        ("a noop extra", "a BAD Error in IMAP command NOOP: Invalid arguments."),
        ("a uid frob 1", "a BAD Error in IMAP command UID FROB: Unknown command."),
        ("a", "a BAD Error in IMAP command received by server."),
        ("(a) noop", "* BAD Error in IMAP tag."),
        ("a+ noop", "* BAD Error in IMAP tag."),
        ("a create foo&bar", "a NO Mailbox name is not valid mUTF-7"),
        ("a search frob", "a BAD Error in IMAP command SEARCH: Unknown argument FROB"),
        (
            "a search return (partial 1) all",
            "a BAD Error in IMAP command SEARCH: Invalid PARTIAL range.",
        ),
        ("a sort (frob) utf-8 all", "a BAD Error in IMAP command SORT: Unknown sort argument"),
        (
            "a search before 32-Jan-2020",
            "a BAD Error in IMAP command SEARCH: Invalid search date parameter",
        ),
    ],
)
def test_bad_texts(line: str, text: str) -> None:
    assert bad(line.encode("latin-1")) == text + "\r\n"


# -- search -------------------------------------------------------------------


def test_search_grammar() -> None:
    search = parse('a search charset utf-8 or from "ä" (not 1:3,5 uid $) since 1-Feb-2024')
    assert search == Search(
        "a",
        SearchAnd((
            SearchOr(
                SearchHeader("FROM", "ä"),
                SearchAnd((
                    SearchNot(SearchSequence(seq((1, 3), (5, 5)))),
                    SearchSequence(SequenceSet((), saved=True), uid=True),
                )),
            ),
            SearchDate("SINCE", date(2024, 2, 1)),
        )),
        "UTF-8",
    )  # fmt: skip
    keys = parse(
        "a search new old recent answered unanswered deleted undeleted draft undraft flagged "
        "unflagged seen unseen keyword $x unkeyword $y larger 5 smaller 9 older 60 younger 5 "
        'header x-spam "" body b text t to t cc c bcc b subject s on 1-jan-2020 '
        'before "1-Jan-2020" sentbefore 1-jan-2020 senton 1-jan-2020 sentsince 1-jan-2020 '
        'modseq "/flags/\\\\seen" all 5 modseq 7'
    )
    assert isinstance(keys, Search) and isinstance(keys.criteria, SearchAnd)
    assert len(keys.criteria.keys) == 33
    assert keys.criteria.keys[-2] == SearchModSeq(5, ("/flags/\\seen", "ALL"))


def test_esearch_return() -> None:
    search = parse("a uid search return (min max count all save) seen")
    assert isinstance(search, Search) and search.returning is not None
    assert search.returning.options == {"MIN", "MAX", "COUNT", "ALL", "SAVE"}
    empty = parse("a search return () all")
    assert isinstance(empty, Search) and empty.returning == imap.SearchReturn(frozenset({"ALL"}))
    partial = parse("a sort return (partial 4:2) (arrival) us-ascii all")
    assert isinstance(partial, Sort) and partial.returning is not None
    assert partial.returning.partial == (2, 4)
    for line in ["a search return (partial *:1) all", "a search return (partial 1:*) all"]:
        assert bad(line)


def test_deep_nesting_is_refused_not_crashing() -> None:
    assert bad("a search " + "not " * 5000 + "all")
    assert bad("a search " + "(" * 5000 + "all" + ")" * 5000)


@given(st.binary(max_size=200))
def test_arbitrary_command_bytes_never_raise(data: bytes) -> None:
    for line in (data, b"a " + data, b"a fetch " + data, b"a search " + data):
        result = parse_command(line)
        assert isinstance(result, Command | ParseError)


SAMPLE_LINES = [
    b"a fetch 1:* (flags body.peek[header.fields (from)]<0.5>)",
    b'a search or seen (from "x" not deleted) 1:5',
    b"a append x (\\Seen) {3}\r\nabc",
    b'a list (subscribed) "" (a b) return (children status (messages))',
    b"a uid store 1,2:* +flags.silent (\\Deleted)",
    b"a select x (qresync (1 2 1:5 (1 2)))",
]


@given(st.sampled_from(SAMPLE_LINES), st.integers(0, 200), st.binary(max_size=3))
def test_mutated_commands_never_raise(line: bytes, at: int, junk: bytes) -> None:
    at %= len(line) + 1
    for mutated in (line[:at], line[:at] + junk + line[at:], line[:at] + line[at + 1 :]):
        assert isinstance(parse_command(mutated), Command | ParseError)


def test_urlfetch_reads_rfc_5524s_extended_form() -> None:
    cmd = parse('u URLFETCH "imap://a@h/INBOX/;uid=1" ("imap://a@h/INBOX/;uid=2" binary '
                "BODYPARTSTRUCTURE) (x)")  # fmt: skip
    assert cmd == imap.UrlFetch(
        "u",
        (
            imap.FetchUrl("imap://a@h/INBOX/;uid=1"),
            imap.FetchUrl("imap://a@h/INBOX/;uid=2", True, True, True),
            imap.FetchUrl("x", True),
        ),
    )
    assert "both BODY and BINARY" in bad("u URLFETCH (x BODY BINARY)")
    assert "Unknown URL fetch parameter" in bad("u URLFETCH (x CONVERT)")
    assert bad("u URLFETCH (x BINARY") and bad("u URLFETCH ()") and bad("u URLFETCH (x) y)")
