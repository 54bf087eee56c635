"""The rules form's scripts (hato.sieve.forms): whatever a person types, the script does
what the form said, and reads back into the same form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hato.sieve import FileInto, Keep, Vacation, compile_script
from hato.sieve.forms import FormError, FormScript, Rule, from_script, to_script
from hato.sieve.forms import Vacation as VacationForm
from tests.sieve.helpers import names, run_script

HOSTILE = [
    '"; discard; "',
    '"',
    "\\",
    'back\\"slash',
    "${hex:41}",
    "${unicode:263A}",
    "} discard; {",
    "# not a comment",
    "/* not a comment */",
    "x" * 20_000,
]
MARKER = "\u2602"  # no printable ASCII word is in it
ENCODED_MARKER = "=?UTF-8?Q?=E2=98=82?="  # RFC 2047
#: Any printable ASCII: what a header can hold as it is.
WORDS = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=80)


def with_subject(subject: str) -> bytes:
    return f"From: a@example.net\r\nTo: b@example.org\r\nSubject: {subject}\r\n\r\nhi\r\n".encode()


def hostile_form(word: str, mailbox: str = "Caught") -> FormScript:
    """The hostile rule first, and after it a rule that shows the script went on as written."""
    return FormScript(
        (Rule("subject", word, "fileinto", mailbox), Rule("subject", MARKER, "discard"))
    )


def check_does_what_it_says(form: FormScript, word: str, mailbox: str) -> None:
    script = to_script(form)
    compile_script(script)
    assert from_script(script) == form
    matched = run_script(script, with_subject(f"<{word}>"))
    assert matched.error is None and list(matched.actions) == [FileInto(mailbox, create=True)]
    marker = run_script(script, with_subject(ENCODED_MARKER))
    assert names(marker) == []  # discarded, and nothing else
    other = run_script(script, with_subject(""))
    assert list(other.actions) == [Keep(implicit=True)]


@pytest.mark.parametrize("word", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_words_stay_words(word: str) -> None:
    check_does_what_it_says(hostile_form(word, f"Box {word[:20]}"), word, f"Box {word[:20]}")


@given(WORDS, WORDS)
def test_any_printable_word_and_mailbox(word: str, mailbox: str) -> None:
    check_does_what_it_says(hostile_form(word, mailbox), word, mailbox)


def test_a_line_break_in_the_words_matches_no_header_and_breaks_nothing() -> None:
    form = hostile_form('a\n"; discard; "\r\nb')
    script = to_script(form)
    assert from_script(script) == form
    assert names(run_script(script, with_subject('a "; discard; " b'))) == ["keep"]
    assert names(run_script(script, with_subject(ENCODED_MARKER))) == []


def test_mark_as_read_and_discard() -> None:
    form = FormScript((Rule("from", "a@example.net", "read"),))
    assert list(run_script(to_script(form), with_subject("s")).actions) == [Keep(("\\Seen",))]
    form = FormScript((Rule("to", "B@EXAMPLE.ORG", "discard"),))
    assert names(run_script(to_script(form), with_subject("s"))) == []


@given(WORDS, st.text(min_size=1, max_size=300))
def test_the_vacation_reply_says_what_was_typed(subject: str, text: str) -> None:
    form = FormScript((), VacationForm(text, subject, 3, ("x@example.org",)))
    script = to_script(form)
    assert from_script(script) == form
    result = run_script(
        script,
        b"From: a@example.net\r\nTo: X@example.org\r\nSubject: s\r\n\r\nhi\r\n",
    )
    [reply] = [a for a in result.actions if isinstance(a, Vacation)]
    crlf = text.replace("\r\n", "\n").replace("\n", "\r\n")
    assert (reply.reason, reply.subject, reply.seconds) == (crlf, subject, 3 * 86400)


def test_scripts_not_written_by_the_form_read_back_as_none() -> None:
    written = to_script(FormScript((Rule("subject", "x", "discard"),)))
    assert from_script(written + "keep;\n") is None
    assert from_script(written.replace('"x"', '"y"', 1) + "") is not None
    assert from_script("discard;\n") is None
    assert from_script(written.replace("discard", "keep")) is None
    assert from_script("# Written by" + "{") is None


@pytest.mark.parametrize(
    "rule",
    [("cc", "x", "discard", ""), ("subject", "", "discard", ""), ("subject", "x", "redirect", ""),
     ("subject", "x", "fileinto", ""), ("subject", "x", "discard", "Box")],
)  # fmt: skip
def test_rules_the_form_cannot_write_are_refused(rule: tuple[str, str, str, str]) -> None:
    with pytest.raises(FormError):
        Rule(*rule)
    with pytest.raises(FormError):
        VacationForm("text", days=0)
