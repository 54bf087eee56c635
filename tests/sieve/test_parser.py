"""The Sieve grammar (RFC 5228 §8): tokens, strings, nesting, errors with line and column."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hato.sieve import SieveError, _ast, compile_script, parse, to_text
from hato.sieve._ast import Command, Number, Strings, Tag


def _first_string(text: str) -> str:
    command = parse(text).commands[-1]
    argument = command.arguments[-1]
    assert isinstance(argument, Strings)
    return argument.values[0]


def _error(text: str | bytes) -> SieveError:
    with pytest.raises(SieveError) as info:
        compile_script(text)
    return info.value


def test_rfc5228_example_parses() -> None:
    # RFC 5228 §9, the first example script
    script = """
    #
    # Example Sieve Filter
    # Declare any optional features or extension used by the script
    #
    require ["fileinto"];

    #
    # Handle messages from known mailing lists
    # Move messages from IETF filter discussion list to filter mailbox
    #
    if header :is "Sender" "owner-ietf-mta-filters@imc.org"
            {
            fileinto "filter";  # move to "filter" mailbox
            }
    #
    # Keep all messages to or from people in my company
    #
    elsif address :DOMAIN :is ["From", "To"] "example.com"
            {
            keep;               # keep in "In" mailbox
            }

    #
    # Try and catch unsolicited email.  If a message is not to me,
    # or if the subject is in all caps, skip it
    #
    elsif anyof (NOT address :all :contains
                   ["To", "Cc", "Bcc"] "me@example.com",
                 header :matches "subject"
                   ["*make*money*fast*", "*university*dipl*mas*"])
            {
            fileinto "spam";   # move to "spam" mailbox
            }
    else
            {
            # Move all other (non-company) mail to "personal"
            # mailbox.
            fileinto "personal";
            }
    """
    program = compile_script(script)
    assert [call.name for call in program.calls] == ["require", "if", "elsif", "elsif", "else"]
    assert program.requires == {"fileinto"}


def test_multiline_string_dot_stuffing_and_hash_comment() -> None:
    text = "vacation text: # a comment\r\n..dot\r\nline\r\n.\r\n;"
    assert _first_string(text) == ".dot\r\nline\r\n"


def test_multiline_string_bare_lf_becomes_crlf() -> None:
    assert _first_string("reject text:\nA\n\n.\n;") == "A\r\n\r\n"


def test_quoted_string_escapes() -> None:
    # RFC 5228 §2.4.2: \" and \\ and an undefined escape stands for its character
    assert _first_string(r'reject "a\"b\\c\d";') == 'a"b\\cd'


def test_quoted_string_line_break_is_crlf() -> None:
    assert _first_string('reject "a\nb";') == "a\r\nb"


def test_bracket_comment_spans_lines() -> None:
    program = compile_script("/* one\n * two */ keep; /**/ stop;")
    assert [call.name for call in program.calls] == ["keep", "stop"]


def test_numbers_with_quantifiers() -> None:
    test = parse("if size :over 100K { discard; }").commands[0].tests[0]
    assert test.arguments[1] == Number(100 * 1024, 1, 15)
    assert parse("if size :under 2g {stop;}").commands[0].tests[0].arguments[1] == Number(
        2 << 30, 1, 16
    )


def test_identifiers_and_tags_are_case_insensitive() -> None:
    command = parse('IF Header :CONTAINS "a" "b" { Keep; }').commands[0]
    assert command.name == "if"
    assert command.tests[0] == _ast.Test(
        "header",
        (
            Tag("contains", 1, 11),
            Strings(("a",), False, 1, 21),
            Strings(("b",), False, 25 and 1, 25),
        ),
        (),
        1,
        4,
    )


def test_encoded_character_decoded_when_required() -> None:
    # RFC 5228 §2.4.2.4 examples
    head = 'require "encoded-character";\n'
    assert _first_string(head + 'reject "$${hex:40}";') == "$@"
    assert _first_string(head + 'reject "${hex: 40 }";') == "@"
    assert _first_string(head + 'reject "${HEX: 40}";') == "@"
    assert _first_string(head + 'reject "${hex:40";') == "${hex:40"
    assert _first_string(head + 'reject "${hex:400}";') == "${hex:400}"
    assert _first_string(head + 'reject "${hex:4${hex:30}}";') == "${hex:40}"
    assert _first_string(head + 'reject "${unicode:40}";') == "@"
    assert _first_string(head + 'reject "${ unicode:40}";') == "${ unicode:40}"
    assert _first_string(head + 'reject "${UNICODE:40}";') == "@"
    assert _first_string(head + 'reject "${UnICoDE:0000040}";') == "@"
    assert _first_string(head + 'reject "${Unicode:40}";') == "@"
    assert _first_string(head + 'reject "${Unicode:Cool}";') == "${Unicode:Cool}"
    assert _first_string(head + 'reject "${unicode:4 1 4a}";') == "\x04\x01J"
    assert _first_string(head + "reject text:\n${unicode:263A}\n.\n;") == "\u263a\r\n"


def test_encoded_character_not_decoded_without_require() -> None:
    assert _first_string('reject "${hex:40}";') == "${hex:40}"


def test_encoded_character_invalid_code_point_is_an_error() -> None:
    error = _error('require "encoded-character";\nreject "${unicode:D800}";')
    assert (error.line, error.column) == (2, 8)


@pytest.mark.parametrize(
    ("script", "line", "column", "words"),
    [
        ("if true {\n  keep;\n", 3, 1, "expected '}'"),
        ("keep;\nstop", 2, 5, "expected ';'"),
        ('reject "abc;', 1, 8, "unterminated string"),
        ("reject text:\nabc\n", 1, 8, "ending '.'"),
        ("/* never closed", 1, 1, "unterminated"),
        ("keep;\n  @", 2, 3, "unexpected character"),
        ('require ["a", ];', 1, 15, "expected a string"),
        ("if anyof(true, ) {}", 1, 16, "expected a test"),
        ("keep;\nfrobnicate;", 2, 1, "unknown command frobnicate"),
        ('fileinto "x";', 1, 1, 'missing require "fileinto"'),
        ('require "nosuch";', 1, 9, "unsupported extension"),
        ('keep;\nrequire "fileinto";', 2, 1, "require must come before"),
        ("else { keep; }", 1, 1, "else without a preceding if"),
        ('if header :is :contains "a" "b" {}', 1, 15, "conflicting"),
        ('if header :is ["a"] {}', 1, 4, "takes 2 argument"),
        ('require "fileinto";\nfileinto ["a", "b"];', 2, 10, "needs a string"),
        ('if header :comparator "i;nope" "a" "b" {}', 1, 4, "unknown comparator"),
        ("if size 100 {}", 1, 4, "size needs :over or :under"),
        ('require "index";\nif header :index 0 "a" "b" {}', 2, 4, ":index counts from 1"),
        ('require "index";\nif header :last "a" "b" {}', 2, 4, ":last needs :index"),
        ("if true;", 1, 1, "if needs a block"),
        ("if 99999999999999999999 {}", 1, 4, "number too large"),
        (b"keep;\n\xff", 2, 1, "not UTF-8"),
    ],
)
def test_errors_carry_line_and_column(
    script: str | bytes, line: int, column: int, words: str
) -> None:
    error = _error(script)
    assert words in error.message
    assert (error.line, error.column) == (line, column)
    assert str(error).startswith(f"line {line}, column {column}: ")


def test_nesting_10000_deep_is_an_error_not_a_recursion_error() -> None:
    error = _error("if true {\n" * 10_000 + "}\n" * 10_000)
    assert "nested more than 32 deep" in error.message
    assert (error.line, error.column) == (33, 4)


def test_test_nesting_10000_deep_is_an_error() -> None:
    error = _error("if " + "not " * 10_000 + "true {}")
    assert "nested more than" in error.message
    error = _error("if " + "anyof(" * 10_000 + "true" + ")" * 10_000 + " {}")
    assert "nested more than" in error.message


def test_nesting_within_the_limit_parses() -> None:
    compile_script("if true {\n" * 32 + "}\n" * 32)


def test_script_over_the_size_limit_is_refused() -> None:
    big = "#" * (1 << 20) + "\nkeep;"
    error = _error(big)
    assert "over the limit" in error.message
    compile_script("#" * ((1 << 20) - 10) + "\nkeep;")


def test_one_megabyte_script_parses_in_linear_work() -> None:
    rule = 'if header :contains "subject" "word" { keep; }\n'
    script = rule * ((1 << 20) // len(rule))
    program = compile_script(script)
    assert len(program.calls) == (1 << 20) // len(rule)


# -- properties ---------------------------------------------------------------------------

_names = st.sampled_from(["keep", "stop", "discard", "frob", "x_1"])
# a line break in a quoted string is CRLF in its value (RFC 5228 §2.4.2): none here
_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
    max_size=12,
)
_strings = st.builds(
    lambda values, is_list: Strings(tuple(values), is_list or len(values) != 1, 0, 0),
    st.lists(_text, min_size=1, max_size=3),
    st.booleans(),
)
_arguments = st.lists(
    st.one_of(
        _strings,
        st.builds(Number, st.integers(0, 10**9), st.just(0), st.just(0)),
        st.builds(Tag, st.sampled_from(["is", "a_b", "contains"]), st.just(0), st.just(0)),
    ),
    max_size=3,
)
_tests = st.recursive(
    st.builds(_ast.Test, _names, st.tuples(), st.tuples(), st.just(0), st.just(0)),
    lambda inner: st.builds(
        lambda name, arguments, tests: _ast.Test(
            name, tuple(arguments), tuple(tests), 0, 0, test_list=len(tests) != 1
        ),
        _names,
        _arguments,
        st.lists(inner, min_size=1, max_size=3),
    ),
    max_leaves=6,
)
_commands = st.recursive(
    st.builds(
        lambda name, arguments: Command(name, tuple(arguments), (), None, 0, 0),
        _names,
        _arguments,
    ),
    lambda inner: st.builds(
        lambda name, tests, block: Command(name, (), (tests,), tuple(block), 0, 0),
        _names,
        _tests,
        st.lists(inner, max_size=3),
    ),
    max_leaves=8,
)


def _strip(node: object) -> object:
    """The node with positions zeroed, to compare a reparsed tree with the original."""
    if isinstance(node, tuple):
        return tuple(_strip(item) for item in node)
    if isinstance(node, (Command, _ast.Test, Tag, Number, Strings)):
        fields = {name: _strip(getattr(node, name)) for name in node.__slots__}  # type: ignore[attr-defined]
        fields.update(line=0, column=0)
        return type(node)(**fields)
    return node


@settings(max_examples=200, deadline=None)
@given(st.lists(_commands, max_size=4))
def test_print_then_parse_round_trips(commands: list[Command]) -> None:
    from hato.sieve._ast import Script

    script = Script(tuple(commands), frozenset())
    reparsed = parse(to_text(script))
    assert _strip(reparsed.commands) == _strip(script.commands)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ifkeep{}()[],;:"\\#/*\n text:.0123456789KM$abc', max_size=200))
def test_random_input_parses_or_fails_with_a_position(text: str) -> None:
    try:
        compile_script(text)
    except SieveError as error:
        assert error.line >= 1 and error.column >= 1


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        compile_script(data)
    except SieveError as error:
        assert error.line >= 0


def test_commands_tags_and_quantifiers_are_case_insensitive() -> None:
    # after Pigeonhole's tests/compile/trivial.sieve
    program = compile_script(
        "keep;\nKeep;\nKEEP;\ndiscard;\nDisCaRD;\n"
        "if size :UNDER 34 {\n}\n"
        'if header :Is "from" "tukker@example.com" {\n}\n'
        "if anyof( size :UNDER 34m, size :oVeR 50M ) {\n}\n"
    )
    assert [call.name for call in program.calls][:5] == ["keep"] * 3 + ["discard"] * 2
    sizes = program.calls[-1].tests[0].tests
    assert [size.positional[0] for size in sizes] == [
        Number(34 << 20, 10, 23),
        Number(50 << 20, 10, 39),
    ]
