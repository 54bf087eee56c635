"""Sieve extensions, each with scripts and messages (most from the RFCs' own examples)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hato.sieve import FileInto, Keep, Redirect, Reject, Vacation, compile_script
from tests.sieve.helpers import MESSAGE, envelope, names, run_script

# -- reject, ereject (RFC 5429) -----------------------------------------------------------


def test_reject_cancels_implicit_keep() -> None:
    result = run_script('require "reject"; reject "I never read mail on weekends";')
    assert result.actions == (Reject("I never read mail on weekends"),)


def test_ereject_is_extended() -> None:
    result = run_script('require "ereject"; ereject text:\nNo thanks.\n.\n;')
    assert result.actions == (Reject("No thanks.\r\n", extended=True),)


def test_reject_with_fileinto_is_an_error_that_keeps() -> None:
    result = run_script('require ["reject", "fileinto"]; fileinto "a"; reject "no";')
    assert result.error is not None and "reject" in result.error.message
    assert result.actions == (Keep(implicit=True),)


# -- copy (RFC 3894) ----------------------------------------------------------------------


def test_copy_keeps_the_implicit_keep() -> None:
    script = 'require ["copy", "fileinto"]; redirect :copy "b@example.com"; fileinto :copy "A";'
    result = run_script(script)
    assert result.actions == (
        Redirect("b@example.com", copy=True),
        FileInto("A"),
        Keep(implicit=True),
    )


# -- mailbox (RFC 5490) -------------------------------------------------------------------


def test_mailboxexists_and_create() -> None:
    script = """require ["fileinto", "mailbox"];
    if mailboxexists "Lists" { fileinto "Lists"; } else { fileinto :create "New"; }"""
    assert run_script(script, mailbox_exists=lambda name: name == "Lists").actions == (
        FileInto("Lists"),
    )
    assert run_script(script).actions == (FileInto("New", create=True),)


# -- subaddress (RFC 5233) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ('envelope :user "to" "roadrunner"', True),
        ('envelope :detail "to" "birds"', True),
        ('address :user "to" "other"', True),
        ('address :detail "to" ""', False),  # no separator: no detail to match (§4)
        ('address :detail :matches "to" "*"', True),
    ],
)
def test_subaddress(test: str, expected: bool) -> None:
    script = f'require ["subaddress", "envelope", "fileinto"]; if {test} {{ fileinto "y"; }}'
    assert (names(run_script(script)) == ["fileinto:y"]) is expected


# -- relational (RFC 5231) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ('address :count "ge" :comparator "i;ascii-numeric" ["to", "cc"] "3"', True),
        ('address :count "gt" :comparator "i;ascii-numeric" ["to", "cc"] "3"', False),
        ('header :count "eq" :comparator "i;ascii-numeric" "received" "2"', True),
        ('header :value "gt" :comparator "i;ascii-numeric" "x-n" "9"', True),  # 10 > 9
        ('header :value "gt" "x-n" "9"', False),  # "10" < "9" as text
        ('header :value "lt" "from" "d"', True),
        ('header :count "eq" :comparator "i;ascii-numeric" "x-none" "0"', True),
    ],
)
def test_relational(test: str, expected: bool) -> None:
    head = 'require ["relational", "comparator-i;ascii-numeric", "fileinto"];'
    message = MESSAGE.replace(b"X-Caffeine", b"X-N: 10\r\nX-Caffeine")
    result = run_script(f'{head} if {test} {{ fileinto "y"; }}', message)
    assert result.error is None
    assert (names(result) == ["fileinto:y"]) is expected


# -- imap4flags (RFC 5232) ----------------------------------------------------------------


def test_imap4flags_internal_variable_applies_to_keep() -> None:
    script = """require ["imap4flags", "fileinto"];
    addflag "\\\\Flagged";
    addflag ["Junk", "\\\\flagged"];
    if hasflag :contains "junk" { fileinto "Junk"; }
    removeflag "Junk";
    """
    result = run_script(script)
    assert result.actions == (FileInto("Junk", ("\\Flagged", "Junk")),)


def test_imap4flags_on_the_implicit_keep() -> None:
    result = run_script('require "imap4flags"; setflag "\\\\Seen \\\\Answered";')
    assert result.actions == (Keep(("\\Seen", "\\Answered"), implicit=True),)


def test_imap4flags_on_variables() -> None:
    script = """require ["imap4flags", "variables", "fileinto"];
    setflag "mine" "A B";
    addflag "mine" "C";
    removeflag "mine" "b";
    if hasflag :is "mine" "C" { fileinto :flags "${mine}" "X"; }
    """
    assert run_script(script).actions == (FileInto("X", ("A", "C")),)


# -- variables (RFC 5229) -----------------------------------------------------------------


def test_variables_match_variables_from_matches() -> None:
    # RFC 5229 §3.2 example
    script = """require ["variables", "fileinto"];
    if header :matches "List-ID" "*<*@*" { fileinto "INBOX.lists.${2}"; stop; }"""
    message = MESSAGE.replace(b"X-Caffeine", b"List-ID: Sieve <ietf-mta-filters@imc.org>\r\nX-C")
    assert names(run_script(script, message)) == ["fileinto:INBOX.lists.ietf-mta-filters"]


def test_variables_set_modifiers() -> None:
    # RFC 5229 §4.1 examples
    script = """require ["variables", "fileinto"];
    set "a" "juMBlEd lETteRS";
    set :length "b" "${a}";
    set :lower "c" "${a}";
    set :upperfirst "d" "${a}";
    set :upperfirst :lower "e" "${a}";
    set :quotewildcard "f" "Rock*";
    fileinto "${b}|${c}|${d}|${e}|${f}|${unknown}|${1}";"""
    result = run_script(script)
    assert result.actions == (
        FileInto("15|jumbled letters|JuMBlEd lETteRS|Jumbled letters|Rock\\*||"),
    )


def test_string_test() -> None:
    script = """require ["variables", "fileinto", "relational"];
    set "x" "";
    if string :count "eq" ["${x}", "a"] "1" { fileinto "counted"; }
    if string :is "${x}" "" { fileinto "empty"; }"""
    assert names(run_script(script)) == ["fileinto:counted", "fileinto:empty"]


def test_variable_values_are_bounded() -> None:
    script = """require ["variables", "fileinto"];
    set "a" "xxxxxxxxxxxxxxxx";
    set "a" "${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}";
    set "a" "${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}";
    set "a" "${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}${a}";
    set :length "n" "${a}";
    fileinto "${n}";"""
    assert run_script(script).actions == (FileInto("4096"),)


# -- body (RFC 5173) ----------------------------------------------------------------------

MULTIPART = (
    b"From: a@example.com\r\nTo: b@example.com\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="XX"\r\n\r\n'
    b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\nMEETING at caf=C3=A9\r\n"
    b"--XX\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"PGI+aHRtbCBvbmx5PC9iPg==\r\n"
    b"--XX\r\nContent-Type: application/octet-stream\r\n\r\nbinary stuff\r\n--XX--\r\n"
)


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ('body :contains "meeting at café"', True),
        ('body :text :contains "html only"', True),
        ('body :content "text/html" :contains "html only"', True),
        ('body :content "text/plain" :contains "html only"', False),
        ('body :content "application" :contains "binary stuff"', True),
        ('body :contains "binary stuff"', False),
        ('body :raw :contains "caf=C3=A9"', True),
        ('body :raw :contains "café"', False),
        ('body :content "" :contains "binary"', True),
    ],
)
def test_body(test: str, expected: bool) -> None:
    result = run_script(f'require ["body", "fileinto"]; if {test} {{ fileinto "y"; }}', MULTIPART)
    assert result.error is None
    assert (names(result) == ["fileinto:y"]) is expected


# -- date and index (RFC 5260) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ('date :originalzone :is "date" "date" "2026-12-03"', True),
        ('date :zone "+0000" :is "date" "date" "2026-12-04"', True),
        ('date :is "date" "date" "2026-12-04"', True),  # local zone of "now" is UTC
        ('date :zone "+0900" :is "date" "time" "16:15:00"', True),
        ('date :originalzone :is "date" "zone" "-0800"', True),
        ('date :originalzone :is "date" "weekday" "4"', True),
        ('date :originalzone :is "date" "julian" "61377"', True),
        ('date :zone "+0000" :is "date" "iso8601" "2026-12-04T07:15:00+00:00"', True),
        ('date :originalzone :is "date" "std11" "Thu, 03 Dec 2026 23:15:00 -0800"', True),
        ('date :is "x-nodate" "year" "2026"', False),
        ('currentdate :is "date" "2026-12-04"', True),
        ('currentdate :zone "-1000" :is "date" "2026-12-03"', True),
        ('currentdate :value "ge" "date" "2026-12-01"', True),
        ('date :index 2 :originalzone :is "received" "second" "02"', True),
        ('date :index 1 :last :originalzone :is "received" "second" "02"', True),
        ('date :index 1 :originalzone :is "received" "second" "02"', False),
        ('header :index 1 :contains "received" "from a"', True),
        ('header :index 3 :contains "received" "from"', False),
        ('address :index 1 :last :is "to" "other@example.net"', True),
        ('address :index 2 :is "to" "other@example.net"', False),
    ],
)
def test_date_and_index(test: str, expected: bool) -> None:
    head = 'require ["date", "index", "relational", "fileinto"];'
    result = run_script(f'{head} if {test} {{ fileinto "y"; }}')
    assert result.error is None, result.error
    assert (names(result) == ["fileinto:y"]) is expected


def test_date_with_variables_gives_the_rfc_example_folder() -> None:
    # RFC 5260 §7: file by the date the message was sent
    script = """require ["date", "variables", "fileinto"];
    if date :zone "+0000" :matches "date" "date" "*" { set "d" "${0}"; }
    fileinto "archive.${d}";"""
    assert run_script(script).actions == (FileInto("archive.2026-12-04"),)


# -- regex (draft-ietf-sieve-regex) -------------------------------------------------------


def test_regex_with_match_variables() -> None:
    script = """require ["regex", "variables", "fileinto"];
    if header :regex "from" "([a-z]+)@([a-z.]+)" { fileinto "${1}.${2}"; }"""
    assert run_script(script).actions == (FileInto("coyote.desert.example.org"),)


def test_regex_posix_classes_and_case() -> None:
    script = """require ["regex", "fileinto"];
    if header :regex "x-caffeine" "^[[:upper:]][[:digit:]]h" { fileinto "ci"; }
    if header :regex :comparator "i;octet" "x-caffeine" "^c8" { fileinto "cs"; }"""
    assert names(run_script(script)) == ["fileinto:ci"]


def test_regex_that_would_backtrack_runs_in_linear_time() -> None:
    # Python's re takes exponential time on this; RE2 does not backtrack
    message = b"Subject: " + b"a" * 5000 + b"!\r\n\r\nbody\r\n"
    script = 'require ["regex", "fileinto"]; if header :regex "subject" "^(a+)+$" { discard; }'
    assert names(run_script(script, message)) == ["keep"]


def test_regex_refused_by_re2_is_a_runtime_error() -> None:
    script = 'require "regex";\nif header :regex "subject" "(a)\\\\1" { discard; }'
    result = run_script(script)
    assert result.error is not None and "invalid regex" in result.error.message
    assert result.actions == (Keep(implicit=True),)


def test_regex_over_the_size_limit_is_a_runtime_error() -> None:
    script = f'require "regex"; if header :regex "subject" "{"a" * 2000}" {{ discard; }}'
    result = run_script(script)
    assert result.error is not None and "over 1024" in result.error.message


def test_quoteregex() -> None:
    script = """require ["regex", "variables", "fileinto"];
    set :quoteregex "q" "a.b*";
    fileinto "${q}";"""
    assert run_script(script).actions == (FileInto("a\\.b\\*"),)


# -- include (RFC 6609) -------------------------------------------------------------------


def _loader(scripts: dict[tuple[str, str], str]):  # type: ignore[no-untyped-def]
    return lambda name, location: scripts.get((location, name))


def test_include_runs_the_other_script_with_globals() -> None:
    scripts = {
        ("personal", "sort"): 'require ["include", "variables", "fileinto"];\n'
        'global "box"; set "box" "Sorted"; return; fileinto "never";',
        ("global", "spam"): 'require "fileinto"; fileinto "Spam";',
    }
    script = """require ["include", "variables", "fileinto"];
    global "box";
    include "sort";
    include :global "spam";
    include :once "sort";
    include :optional "missing";
    fileinto "${box}";"""
    result = run_script(script, load_script=_loader(scripts))
    assert result.error is None, result.error
    assert names(result) == ["fileinto:Spam", "fileinto:Sorted"]


def test_include_takes_a_compiled_program() -> None:
    compiled = compile_script('require "fileinto"; fileinto "Cached";')
    result = run_script('require "include"; include "c";', load_script=lambda n, loc: compiled)
    assert result.actions == (FileInto("Cached"),)


def test_include_loop_is_a_runtime_error() -> None:
    scripts = {
        ("personal", "a"): 'require "include"; include "b";',
        ("personal", "b"): 'require "include"; include "a";',
    }
    result = run_script('require "include"; include "a";', load_script=_loader(scripts))
    assert result.error is not None and "include loop" in result.error.message
    assert result.actions == (Keep(implicit=True),)


def test_include_missing_is_an_error_unless_optional() -> None:
    result = run_script('require "include"; include "nope";')
    assert result.error is not None and "no personal script" in result.error.message


def test_include_depth_is_bounded() -> None:
    scripts = {("personal", f"s{n}"): f'require "include"; include "s{n + 1}";' for n in range(50)}
    result = run_script('require "include"; include "s0";', load_script=_loader(scripts))
    assert result.error is not None and "nested more than 10" in result.error.message


def test_include_with_an_invalid_script_is_a_runtime_error() -> None:
    scripts = {("personal", "bad"): "if {"}
    result = run_script('require "include"; include "bad";', load_script=_loader(scripts))
    assert result.error is not None
    assert result.actions == (Keep(implicit=True),)


# -- vacation (RFC 5230, RFC 3834) --------------------------------------------------------

VACATION = 'require "vacation";\nvacation :days 7 :addresses ["team@acme.example.com"] "Away.";'


def test_vacation_replies_with_resolved_fields() -> None:
    result = run_script(VACATION)
    vacation = result.actions[0]
    assert isinstance(vacation, Vacation)
    assert vacation.to == "coyote@desert.example.org"
    assert vacation.from_ == "roadrunner+birds@acme.example.com"
    assert vacation.subject == "Auto: café I have a present for you"
    assert vacation.reason == "Away."
    assert vacation.seconds == 7 * 86_400
    assert vacation.in_reply_to == "<1234@desert.example.org>"
    assert result.actions[1] == Keep(implicit=True)  # vacation keeps the implicit keep


def test_vacation_not_twice_within_the_period() -> None:
    asked: list[tuple[str, str, int]] = []

    def replied(handle: str, sender: str, seconds: int) -> bool:
        asked.append((handle, sender, seconds))
        return True

    result = run_script(VACATION, replied_within=replied)
    assert names(result) == ["keep"]
    assert asked and asked[0][1:] == ("coyote@desert.example.org", 7 * 86_400)
    assert "had a reply" in result.notes[0]


def test_vacation_handle_depends_on_the_arguments() -> None:
    first = run_script(VACATION).actions[0]
    other = run_script(VACATION.replace("Away.", "Gone.")).actions[0]
    assert isinstance(first, Vacation) and isinstance(other, Vacation)
    assert first.handle != other.handle
    handled = run_script(VACATION.replace(":days 7", ':handle "h"')).actions[0]
    assert isinstance(handled, Vacation) and handled.handle == "h"


def test_vacation_seconds_and_clamping() -> None:
    script = 'require ["vacation", "vacation-seconds"]; vacation :seconds 10 "x";'
    vacation = run_script(script).actions[0]
    assert isinstance(vacation, Vacation) and vacation.seconds == 86_400  # site minimum
    long = run_script('require "vacation"; vacation :days 1000 "x";').actions[0]
    assert isinstance(long, Vacation) and long.seconds == 60 * 86_400


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ((b"X-Caffeine", b"Auto-Submitted: auto-replied\r\nX-Caffeine"), "auto-submitted"),
        ((b"X-Caffeine", b"Precedence: bulk\r\nX-Caffeine"), "bulk"),
        ((b"X-Caffeine", b"List-Id: <x.example.org>\r\nX-Caffeine"), "list mail"),
        ((b"To: roadrunner+birds@acme.example.com,", b"To:"), "not addressed"),
    ],
)
def test_vacation_rfc3834_no_reply(change: tuple[bytes, bytes], why: str) -> None:
    message = MESSAGE.replace(*change)
    script = 'require "vacation"; vacation "Away.";'
    result = run_script(script, message)
    assert names(result) == ["keep"]
    assert why in result.notes[0]


@pytest.mark.parametrize("sender", ["", "MAILER-DAEMON@example.org", "owner-list@example.org"])
def test_vacation_no_reply_to_these_senders(sender: str) -> None:
    result = run_script(
        'require "vacation"; vacation "x";', envelope=envelope(sender), now=datetime.now(UTC)
    )
    assert names(result) == ["keep"]


def test_vacation_auto_submitted_no_still_replies() -> None:
    message = MESSAGE.replace(b"X-Caffeine", b"Auto-Submitted: no\r\nX-Caffeine")
    assert names(run_script('require "vacation"; vacation "x";', message)) == ["vacation", "keep"]


def test_matches_wildcards_are_leftmost_shortest() -> None:
    # RFC 5229 §3.2 examples: ${1} "acme-users", ${2} the rest; "**": ${1} is empty
    message = b"Subject: [acme-users] [fwd] version 1.0 is out\r\nTo: coyote@example.com\r\n\r\n"
    script = """require ["variables", "fileinto"];
    if header :matches "Subject" "[*] *" { fileinto "${1}|${2}"; }
    if address :matches "To" "coyote@**.com" { fileinto "${0}|${1}|${2}"; }"""
    assert run_script(script, message).actions == (
        FileInto("acme-users|[fwd] version 1.0 is out"),
        FileInto("coyote@example.com||example"),
    )


@pytest.mark.parametrize(
    ("source", "pattern", "captures"),
    [
        # after Pigeonhole's tests/extensions/variables/match.svtest
        ("frop:frup:frop", "*:*:*", "${0000002}"),
        ("frop.......frop.........frop....", "?*frop*", "${1}|${2}|${3}"),
        ("puk pok puk pok", "pu*ok", "${1}"),
        ("klopfropstroptop", "*fr??*top", "${1}|${2}|${3}|${4}|${5}"),
        ("klopfropstroptop", "*?op", "${1}|${2}|${3}"),
        ("klopfropstroptop", "*?op*", "${1}|${2}|${3}"),
        ("foo1234@foobar.example.com", "*??@foobar.example.com", "${1}|${2}|${3}"),
        ("zero:one:zero|three;one;zero/five", "*one?zero?five", "${1}|${2}|${3}"),
        ("frop", "??op", "${0}|${1}|${2}|${3}"),
    ],
)
def test_match_variables(source: str, pattern: str, captures: str) -> None:
    script = f"""require ["variables", "fileinto"];
    if string :matches "{source}" "{pattern}" {{ fileinto "{captures}"; }}"""
    expected = {
        "*:*:*": "frup",
        "?*frop*": "f|rop.......|.........frop....",
        "pu*ok": "k pok puk p",
        "*fr??*top": "klop|o|p|strop|",
        "*?op": "klopfropstrop|t|",
        "*?op*": "k|l|fropstroptop",
        "*??@foobar.example.com": "foo12|3|4",
        "*one?zero?five": "zero:one:zero|three;|;|/",
        "??op": "frop|f|r|",
    }[pattern]
    assert run_script(script).actions == (FileInto(expected),)


def test_variable_references_that_are_not_stay_as_written() -> None:
    # RFC 5229 §3 examples, and one pass only
    script = """require ["variables", "fileinto"];
    set "company" "ACME"; set "s" "$";
    fileinto "${full}|${company}|${BAD${Company}|${President, ${Company} Inc.}|${0.s}|\
${s}{company}";"""
    assert run_script(script).actions == (
        FileInto("|ACME|${BADACME|${President, ACME Inc.}|${0.s}|${company}"),
    )


def test_flags_imap_cannot_store_are_dropped() -> None:
    script = """require "imap4flags";
    addflag ["\\\\seen \\\\Recent \\\\Foo", "Junk $Label1 a]b caf\u00e9 a(b", "junk \\\\SEEN"];"""
    assert run_script(script).actions == (Keep(("\\Seen", "Junk", "$Label1"), implicit=True),)


def test_regex_on_a_header_that_is_not_utf8() -> None:
    # 8-bit Latin-1 in a header reaches Sieve as surrogates; RE2 wants UTF-8
    message = b"Subject: caf\xe9 latin1\r\n\r\nbody\r\n"
    script = 'require ["regex", "fileinto"];\n'
    script += 'if header :regex "subject" "^caf.? latin1$" { fileinto "y"; }'
    result = run_script(script, message)
    assert result.error is None
    assert result.actions == (FileInto("y"),)
