"""RFC 5228 base: control, actions and the implicit keep, tests, comparators, match types."""

from __future__ import annotations

import pytest

from hato.sieve import FileInto, Keep, Redirect
from tests.sieve.helpers import MESSAGE, names, run_script

REQ = 'require ["fileinto", "envelope"];\n'


def test_empty_script_keeps() -> None:
    # RFC 5228 §2.10.2: no action taken means the implicit keep
    result = run_script("")
    assert result.actions == (Keep(implicit=True),)
    assert result.error is None


def test_fileinto_cancels_implicit_keep() -> None:
    assert names(run_script(REQ + 'fileinto "Lists";')) == ["fileinto:Lists"]


def test_keep_and_fileinto_both_happen() -> None:
    assert names(run_script(REQ + 'keep; fileinto "Lists";')) == ["keep", "fileinto:Lists"]


def test_duplicate_deliveries_to_one_mailbox_are_merged() -> None:
    # RFC 5228 §2.10.3: the same mailbox at most once; INBOX is keep's mailbox
    result = run_script(REQ + 'fileinto "A"; fileinto "A"; keep; fileinto "INBOX";')
    assert names(result) == ["fileinto:A", "keep"]


def test_discard_cancels_implicit_keep() -> None:
    assert run_script("discard;").actions == ()


def test_discard_does_not_cancel_explicit_keep() -> None:
    assert names(run_script("keep; discard;")) == ["keep"]


def test_stop_ends_the_script_with_implicit_keep() -> None:
    assert names(run_script(REQ + 'stop; fileinto "never";')) == ["keep"]


def test_redirect() -> None:
    result = run_script('redirect "bob@example.com";')
    assert result.actions == (Redirect("bob@example.com"),)


def test_redirect_invalid_address_is_a_runtime_error_that_keeps() -> None:
    result = run_script('keep;\nredirect "not an address";')
    assert result.error is not None and result.error.line == 2
    assert result.actions == (Keep(implicit=True),)


def test_rfc5228_example_script_sorts() -> None:
    script = (
        REQ
        + """
    if header :is "Sender" "owner-ietf-mta-filters@imc.org" { fileinto "filter"; }
    elsif address :DOMAIN :is ["From", "To"] "example.com" { keep; }
    elsif anyof (NOT address :all :contains ["To", "Cc", "Bcc"] "me@example.com",
                 header :matches "subject" ["*make*money*fast*", "*university*dipl*mas*"])
    { fileinto "spam"; }
    else { fileinto "personal"; }
    """
    )
    assert names(run_script(script)) == ["fileinto:spam"]
    mine = MESSAGE.replace(b"Cc: team@acme.example.com", b"Cc: me@example.com")
    assert names(run_script(script, mine)) == ["fileinto:personal"]
    sender = MESSAGE.replace(b"X-Caffeine", b"Sender: owner-ietf-mta-filters@imc.org\r\nX-C")
    assert names(run_script(script, sender)) == ["fileinto:filter"]


def test_if_elsif_else_runs_one_block() -> None:
    script = (
        REQ
        + """
    if false { fileinto "a"; } elsif true { fileinto "b"; } elsif true { fileinto "c"; }
    else { fileinto "d"; }
    if true { fileinto "e"; }
    """
    )
    assert names(run_script(script)) == ["fileinto:b", "fileinto:e"]


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ('header :contains "subject" "present"', True),
        ('header :contains "subject" "PRESENT"', True),
        ('header :contains "subject" "café"', True),  # RFC 2047 decoded (§2.7.2)
        ('header :is :comparator "i;octet" "x-caffeine" "c8h10n4o2"', False),
        ('header :is "x-caffeine" "c8h10n4o2"', True),
        ('header :contains "x-caffeine" ""', True),
        ('header :contains "x-nothere" ""', False),
        ('header :matches "subject" "caf? * for *"', True),
        ('header :matches "subject" "*\\\\*"', False),
        ('address :localpart :is "from" "coyote"', True),
        ('address :domain :is "from" "DESERT.example.org"', True),
        ('address :all :is "to" "other@example.net"', True),
        ('address :is "to" "Other"', False),
        ('envelope :is "from" "coyote@desert.example.org"', True),
        ('envelope :domain :is "to" "acme.example.com"', True),
        ('exists ["from", "date"]', True),
        ('exists ["from", "x-nothere"]', False),
        ("size :over 100", True),
        ("size :under 1K", True),
        ("size :over 1M", False),
        ("not true", False),
        ("allof (true, false)", False),
        ("anyof (false, true)", True),
    ],
)
def test_tests(test: str, expected: bool) -> None:
    result = run_script(REQ + f'if {test} {{ fileinto "yes"; }}')
    assert result.error is None
    assert (names(result) == ["fileinto:yes"]) is expected


def test_ascii_numeric_comparator() -> None:
    # RFC 4790 §9.1: leading digits compare as numbers; no digits is positive infinity
    message = b"X-N: 0042abc\r\nX-Z: none\r\n\r\n"
    head = REQ + 'require "comparator-i;ascii-numeric";\n'
    yes = head + 'if header :is :comparator "i;ascii-numeric" "x-n" "42" { fileinto "y"; }'
    assert names(run_script(yes, message)) == ["fileinto:y"]
    inf = head + 'if header :is :comparator "i;ascii-numeric" "x-z" "abc" { fileinto "y"; }'
    assert names(run_script(inf, message)) == ["fileinto:y"]


def test_runtime_error_keeps_and_reports_position() -> None:
    result = run_script(REQ + 'if true {\n  fileinto "a";\n  redirect "x";\n}')
    assert result.actions == (Keep(implicit=True),)
    assert result.error is not None
    assert (result.error.line, result.error.column) == (4, 3)


def test_fileinto_flags_only_with_imap4flags() -> None:
    result = run_script('require ["fileinto", "imap4flags"]; fileinto :flags "\\\\Seen" "A";')
    assert result.actions == (FileInto("A", ("\\Seen",)),)
