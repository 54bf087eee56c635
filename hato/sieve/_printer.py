"""A parsed script back to Sieve text; ``parse(to_text(s))`` gives ``s`` again (positions aside).

Used by tests (round trip) and, later, by whatever writes scripts for people (the web
console's rules page). Strings are always written quoted (RFC 5228 §2.4.2).
"""

from __future__ import annotations

from hato.sieve._ast import Argument, Command, Number, Script, Strings, Test


def to_text(script: Script) -> str:
    """Sieve text for ``script``, one command per line, blocks indented."""
    lines: list[str] = []
    _commands(script.commands, 0, lines)
    return "\n".join(lines) + "\n"


def _commands(commands: tuple[Command, ...], indent: int, lines: list[str]) -> None:
    pad = "    " * indent
    for command in commands:
        head = " ".join(
            [command.name, *_arguments(command.arguments, command.tests, command.test_list)]
        )
        if command.block is None:
            lines.append(f"{pad}{head};")
            continue
        lines.append(f"{pad}{head} {{")
        _commands(command.block, indent + 1, lines)
        lines.append(f"{pad}}}")


def _arguments(
    arguments: tuple[Argument, ...], tests: tuple[Test, ...], test_list: bool
) -> list[str]:
    out = [_argument(argument) for argument in arguments]
    if test_list:
        out.append("(" + ", ".join(_test(test) for test in tests) + ")")
    elif tests:
        out.append(_test(tests[0]))
    return out


def _test(test: Test) -> str:
    return " ".join([test.name, *_arguments(test.arguments, test.tests, test.test_list)])


def _argument(argument: Argument) -> str:
    if isinstance(argument, Number):
        return str(argument.value)
    if isinstance(argument, Strings):
        quoted = [quote(value) for value in argument.values]
        return "[" + ", ".join(quoted) + "]" if argument.is_list else quoted[0]
    return ":" + argument.name


def quote(value: str) -> str:
    """A quoted-string for ``value`` (RFC 5228 §2.4.2): backslash and DQUOTE escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
