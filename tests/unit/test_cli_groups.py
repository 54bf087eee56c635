"""hato.cli builds the parser of the named command's group only (a group adds one or two
commands): each command's parser built that way is the one ``hato --help`` builds with
every group (same actions, same help), and a command no group names gets them all
(argparse's error lists every choice)."""

from __future__ import annotations

import argparse

import pytest

from hato.cli import build_parser


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    return dict(subparsers.choices)


ALL = _commands(build_parser())


def _help(parser: argparse.ArgumentParser) -> str:
    """The command's help and every action's, one level down, as a reader sees them."""
    parts = [parser.format_help()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            parts += [sub.format_help() for sub in action.choices.values()]
    return "\n".join(parts)


@pytest.mark.parametrize("command", sorted(ALL))
def test_each_command_built_alone_is_the_one_built_with_all(command: str) -> None:
    alone = _commands(build_parser(command))
    assert command in alone
    assert len(alone) <= 2, f"{command} built {sorted(alone)}: its group only"
    assert _help(alone[command]) == _help(ALL[command])


def test_every_command_is_in_the_full_parser_and_an_unknown_one_gets_them_all() -> None:
    assert {"serve", "user", "lint", "import", "export", "sieve", "class"} <= set(ALL)
    assert set(_commands(build_parser("no-such-command"))) == set(ALL)
    assert set(_commands(build_parser(None))) == set(ALL)
