"""Hostile scripts: bounded at run time, never a crash, never lost mail."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hato.sieve import (
    Action,
    Context,
    FileInto,
    Keep,
    Limits,
    MimeMessage,
    Redirect,
    SieveInternalError,
    SieveLimitError,
    Vacation,
    compile_script,
    run,
)
from tests.sieve.helpers import MESSAGE, NOW, envelope, run_script

PACKAGE = Path(__file__).resolve().parents[2] / "hato" / "sieve"


def test_step_budget_bounds_a_costly_script() -> None:
    # 2,000 :matches rules against a 20 kB subject: each would scan it many times over
    message = b"Subject: " + b"a" * 20_000 + b"\r\n\r\nbody\r\n"
    rule = 'if header :matches "subject" "*a*a*a*a*a*a*b" { discard; }\n'
    result = run_script(rule * 2000, message)
    assert isinstance(result.error, SieveLimitError)
    assert "budget" in result.error.message
    assert result.actions == (Keep(implicit=True),)


def test_wildcard_steps_are_counted() -> None:
    # one pathological pattern against a long value costs steps, not unbounded time
    # the last star backtracks at each of 3,000 places over 50 characters: 150,000 steps
    message = b"Subject: " + b"a" * 3000 + b"\r\n\r\n"
    script = 'if header :matches "subject" "*' + "a" * 50 + 'b" { discard; }'
    program = compile_script(script)
    context = Context(envelope(), now=NOW, limits=Limits(max_steps=5_000))
    result = run(program, MimeMessage(message), context)
    assert isinstance(result.error, SieveLimitError)


def test_actions_per_message_are_bounded() -> None:
    script = 'require "fileinto";\n' + "".join(f'fileinto "box{n}";\n' for n in range(40))
    result = run_script(script)
    assert isinstance(result.error, SieveLimitError) and "32 actions" in result.error.message
    assert result.error.line == 34
    assert result.actions == (Keep(implicit=True),)


def test_redirects_per_message_are_bounded() -> None:
    script = "".join(f'redirect "r{n}@example.com";\n' for n in range(5))
    result = run_script(script)
    assert isinstance(result.error, SieveLimitError) and "4 redirects" in result.error.message
    assert result.actions == (Keep(implicit=True),)


def test_the_same_redirect_twice_is_one() -> None:
    result = run_script('redirect "a@example.com"; redirect "A@example.com";')
    assert len(result.actions) == 1


def test_run_time_nesting_is_bounded_across_includes() -> None:
    def deep(n: int) -> str:
        return 'require "include";\n' + "if true {\n" * 30 + f'include "s{n + 1}";' + "}" * 30

    scripts = {f"s{n}": deep(n) for n in range(9)}
    context = Context(
        envelope(),
        now=NOW,
        load_script=lambda name, location: scripts.get(name),
        limits=Limits(max_nesting=100),
    )
    result = run(compile_script('require "include"; include "s0";'), MimeMessage(MESSAGE), context)
    assert isinstance(result.error, SieveLimitError)
    assert "nested more than 100 deep" in result.error.message


def test_the_package_does_no_io_and_imports_no_upper_layer() -> None:
    forbidden = {"asyncio", "socket", "ssl", "sqlite3", "selectors", "psycopg", "subprocess"}
    upper = ("hato.server", "hato.store", "hato.delivery", "hato.cli")
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] not in forbidden, (path.name, module)
                assert not module.startswith(upper), (path.name, module)


def test_vacation_storm_gets_one_reply() -> None:
    # 1,000 mails from one sender: the delivery layer records each reply sent, and the
    # interpreter asks the record, so one reply goes out (RFC 5230 §4.2)
    sent: dict[tuple[str, str], int] = {}

    def replied_within(handle: str, sender: str, seconds: int) -> bool:
        return (handle, sender) in sent

    program = compile_script('require "vacation"; vacation "Away.";')
    context = Context(envelope(), now=NOW, replied_within=replied_within)
    replies = 0
    for _ in range(1000):
        result = run(program, MimeMessage(MESSAGE), context)
        for action in result.actions:
            if isinstance(action, Vacation):
                sent[(action.handle, action.to.lower())] = action.seconds
                replies += 1
        assert result.actions[-1] == Keep(implicit=True)
    assert replies == 1


def test_readme_example_script_runs() -> None:
    readme = (PACKAGE.parents[1] / "README.md").read_text()
    start = readme.index("```sieve\n") + len("```sieve\n")
    script = readme[start : readme.index("```", start)]
    message = b"List-Id: Hato users <hato-users.lists.example>\r\nTo: a@b.example\r\n\r\nhi\r\n"
    result = run_script(script, message)
    assert result.actions == (FileInto("Lists.hato-users", create=True),)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                'if header :matches "subject" "*a?*" { fileinto "${1}"; }',
                'if address :regex "from" "(.*)@" { set "x" "${1}${x}"; }',
                'if body :contains "anvil" { addflag "A"; } else { removeflag "A"; }',
                'redirect "${x}@example.com";',
                'if date :value "gt" "date" "year" "2000" { vacation "x"; }',
                'reject "no";',
                "keep;",
                "discard;",
                "stop;",
                'set :upper "x" "${x}${x}";',
                'include :optional "${x}";',
                'if string :count "gt" "${x}" "3" { stop; }',
            ]
        ),
        max_size=12,
    )
)
def test_any_script_of_valid_rules_runs_to_a_result(rules: list[str]) -> None:
    head = (
        'require ["fileinto", "variables", "regex", "body", "imap4flags", "date",'
        ' "relational", "vacation", "reject", "include"];\n'
    )
    result = run_script(head + "\n".join(rules))
    assert all(isinstance(action, Action) for action in result.actions)  # type: ignore[misc,arg-type]
    if result.error is not None:
        assert not isinstance(result.error, SieveInternalError), result.error
        assert result.actions == (Keep(implicit=True),)
        assert result.error.line >= 1


def test_redirect_loop_between_two_accounts_stops_and_keeps() -> None:
    # a@ redirects to b@, b@ to a@: delivery adds Delivered-To at each hop (README), so
    # at b@ the message already names a@ and is kept instead of sent back
    to_b = run_script('redirect "b@example.com";', envelope=envelope(rcpt_to="a@example.com"))
    assert to_b.actions == (Redirect("b@example.com"),)
    at_b = b"Delivered-To: b@example.com\r\nDelivered-To: a@example.com\r\n" + MESSAGE
    back = run_script('redirect "a@example.com";', at_b, envelope=envelope(rcpt_to="b@example.com"))
    assert back.actions == (Keep(implicit=True),)
    assert "already had this message" in back.notes[0]


def test_redirect_to_oneself_keeps() -> None:
    result = run_script('redirect "me@example.com";', envelope=envelope(rcpt_to="me@example.com"))
    assert result.actions == (Keep(implicit=True),)


def test_a_fault_of_the_interpreter_keeps_the_message() -> None:
    class Broken:
        size = 10

        def header_values(self, name: str) -> list[str]:
            raise ValueError("broken message access")

    result = run(compile_script('if exists "x" { discard; }'), Broken(), Context(envelope()))  # type: ignore[arg-type]
    assert isinstance(result.error, SieveInternalError)
    assert result.actions == (Keep(implicit=True),)


_EVERY_TEST = """require ["fileinto", "envelope", "body", "regex", "variables", "vacation", "date",
    "index", "imap4flags", "subaddress", "relational", "comparator-i;ascii-numeric"];
if address :detail :matches ["from", "to", "cc"] "*" { fileinto "${1}"; }
if header :regex "subject" "^(re|fwd?): (.*)$" { set "s" "${2}"; }
if body :content "text" :contains "x" { addflag "x"; }
if body :raw :matches "*?*" { addflag "raw"; }
if date :index 1 :last :value "ge" "date" "year" "1990" { addflag "dated"; }
if header :count "ge" :comparator "i;ascii-numeric" "received" "2" { fileinto "hops"; }
if envelope :domain :is "from" "" { discard; }
vacation :days 1 "${s}";
"""


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_any_message_runs_to_a_result(raw: bytes) -> None:
    result = run_script(_EVERY_TEST, b"From: a+b@example.com\r\nTo: c@example.com\r\n" + raw)
    assert not isinstance(result.error, SieveInternalError), result.error
