"""Checking a parsed script against the grammar tables, into calls the interpreter runs.

Everything that can be known before a message arrives is checked here, with the line
and column of the offending argument, so that ``hato sieve check`` and an upload refuse
the script (RFC 5228 §2.10.6: validation errors make the whole script invalid).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from hato.sieve._ast import Argument, Command, Number, Script, Strings, Tag, Test
from hato.sieve._errors import SieveError
from hato.sieve._grammar import COMMANDS, COMPARATORS, EXTENSIONS, RELATIONS, TAGS, TESTS, Spec

DATE_PARTS = frozenset(
    {
        "year", "month", "day", "date", "julian", "hour", "minute", "second",
        "time", "iso8601", "std11", "zone", "weekday",
    }
)  # fmt: skip
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class Call:
    """A validated command or test: tags by name (value or None), positional arguments."""

    name: str
    tags: Mapping[str, Number | Strings | None]
    positional: tuple[Number | Strings, ...]
    tests: tuple[Call, ...]
    block: tuple[Call, ...] | None
    line: int
    column: int

    def string(self, index: int) -> str:
        argument = self.positional[index]
        assert isinstance(argument, Strings)
        return argument.values[0]

    def strings(self, index: int) -> tuple[str, ...]:
        argument = self.positional[index]
        assert isinstance(argument, Strings)
        return argument.values

    def tag_string(self, name: str, default: str | None = None) -> str | None:
        value = self.tags.get(name)
        return value.values[0] if isinstance(value, Strings) else default

    def tag_strings(self, name: str) -> tuple[str, ...] | None:
        value = self.tags.get(name)
        return value.values if isinstance(value, Strings) else None

    def tag_number(self, name: str) -> int | None:
        value = self.tags.get(name)
        return value.value if isinstance(value, Number) else None


@dataclass(frozen=True, slots=True)
class Program:
    """A validated script: its calls and the capabilities it required."""

    calls: tuple[Call, ...]
    requires: frozenset[str]


def validate(script: Script) -> Program:
    """Check every command and test (RFC 5228 §2.10.6, §3.2); ``SieveError`` if invalid."""
    for command in script.commands:
        if command.name == "require":
            _check_require(command)
    return Program(_commands(script.commands, script.requires, top=True), script.requires)


def _check_require(command: Command) -> None:
    for argument in command.arguments:
        if isinstance(argument, Strings):
            for name in argument.values:
                if name.lower() not in EXTENSIONS:
                    raise SieveError(
                        f"unsupported extension {name!r}", argument.line, argument.column
                    )


def _commands(
    commands: tuple[Command, ...], requires: frozenset[str], top: bool
) -> tuple[Call, ...]:
    out = []
    previous = ""
    for command in commands:
        if command.name in ("elsif", "else") and previous not in ("if", "elsif"):
            raise SieveError(f"{command.name} without a preceding if", command.line, command.column)
        if command.name == "require" and not top:
            raise SieveError("require must be at the top level", command.line, command.column)
        out.append(_call(command, requires))
        previous = command.name
    return tuple(out)


def _call(node: Command | Test, requires: frozenset[str]) -> Call:
    table = TESTS if isinstance(node, Test) else COMMANDS
    spec = table.get(node.name)
    if spec is None:
        kind = "test" if isinstance(node, Test) else "command"
        raise SieveError(f"unknown {kind} {node.name}", node.line, node.column)
    _need(spec.extension, requires, node.line, node.column)
    tags, positional = _split(node, spec, requires)
    tests = _tests(node, spec, requires)
    block = None
    if isinstance(node, Command):
        if spec.block and node.block is None:
            raise SieveError(f"{node.name} needs a block", node.line, node.column)
        if not spec.block and node.block is not None:
            raise SieveError(f"{node.name} takes no block", node.line, node.column)
        if node.block is not None:
            block = _commands(node.block, requires, top=False)
    call = Call(node.name, tags, positional, tests, block, node.line, node.column)
    _check_semantics(call, requires)
    return call


def _need(extension: str | None, requires: frozenset[str], line: int, column: int) -> None:
    if extension is not None and extension not in requires:
        raise SieveError(f'missing require "{extension}"', line, column)


def _split(
    node: Command | Test, spec: Spec, requires: frozenset[str]
) -> tuple[dict[str, Number | Strings | None], tuple[Number | Strings, ...]]:
    """Tagged arguments come first, then the positional ones (RFC 5228 §2.6)."""
    tags: dict[str, Number | Strings | None] = {}
    groups: set[str] = set()
    arguments = list(node.arguments)
    index = 0
    while index < len(arguments) and isinstance(arguments[index], Tag):
        tag = arguments[index]
        assert isinstance(tag, Tag)
        index += 1
        tag_spec = TAGS.get(tag.name)
        if tag_spec is None or tag.name not in spec.tags:
            raise SieveError(f"{node.name} takes no :{tag.name}", tag.line, tag.column)
        _need(tag_spec.extension, requires, tag.line, tag.column)
        if tag_spec.group in groups:
            raise SieveError(f"conflicting or repeated :{tag.name}", tag.line, tag.column)
        groups.add(tag_spec.group)
        tags[tag.name] = None
        if tag_spec.value is not None:
            if index >= len(arguments):
                raise SieveError(f":{tag.name} needs a value", tag.line, tag.column)
            tags[tag.name] = _kind(arguments[index], tag_spec.value, f":{tag.name}")
            index += 1
    return tags, _positional(node, spec, arguments[index:])


def _positional(
    node: Command | Test, spec: Spec, given: list[Argument]
) -> tuple[Number | Strings, ...]:
    kinds = list(spec.positional)
    optional = sum(kind.endswith("?") for kind in kinds)
    if len(given) == len(kinds) - optional:
        kinds = [kind for kind in kinds if not kind.endswith("?")]
    if len(given) != len(kinds):
        raise SieveError(
            f"{node.name} takes {len(kinds)} argument(s), got {len(given)}", node.line, node.column
        )
    return tuple(
        _kind(argument, kind.rstrip("?"), node.name)
        for argument, kind in zip(given, kinds, strict=True)
    )


def _kind(argument: Argument, kind: str, what: str) -> Number | Strings:
    if kind == "number" and isinstance(argument, Number):
        return argument
    if kind == "strings" and isinstance(argument, Strings):
        return argument
    if kind == "string" and isinstance(argument, Strings) and not argument.is_list:
        return argument
    wanted = {"number": "a number", "string": "a string", "strings": "a string list"}[kind]
    raise SieveError(f"{what} needs {wanted}", argument.line, argument.column)


def _tests(node: Command | Test, spec: Spec, requires: frozenset[str]) -> tuple[Call, ...]:
    if spec.tests == "none" and node.tests:
        raise SieveError(f"{node.name} takes no test", node.line, node.column)
    if spec.tests == "one" and (len(node.tests) != 1 or node.test_list):
        raise SieveError(f"{node.name} needs one test", node.line, node.column)
    if spec.tests == "list" and not node.test_list:
        raise SieveError(f"{node.name} needs a test list", node.line, node.column)
    return tuple(_call(test, requires) for test in node.tests)


def _check_semantics(call: Call, requires: frozenset[str]) -> None:
    """Rules beyond argument shapes, each from the RFC section that states it."""
    where = (call.line, call.column)
    comparator = call.tag_string("comparator")
    if comparator is not None:
        if comparator.lower() not in COMPARATORS:
            raise SieveError(f"unknown comparator {comparator!r}", *where)
        _need(COMPARATORS[comparator.lower()], requires, *where)
        substring = {"contains", "matches", "regex"} & call.tags.keys()
        if comparator.lower() == "i;ascii-numeric" and substring:
            # RFC 4790 §9.1.1: i;ascii-numeric offers equality and ordering only
            raise SieveError("i;ascii-numeric cannot be used with :" + substring.pop(), *where)
    for relational in ("count", "value"):
        relation = call.tag_string(relational)
        if relation is not None and relation.lower() not in RELATIONS:
            raise SieveError(f"unknown relation {relation!r} (RFC 5231 §4)", *where)
    if call.tag_number("index") == 0:
        raise SieveError(":index counts from 1 (RFC 5260 §6)", *where)
    if "last" in call.tags and "index" not in call.tags:
        raise SieveError(":last needs :index (RFC 5260 §6)", *where)
    if call.name == "size" and not call.tags:
        raise SieveError("size needs :over or :under", *where)
    if call.name == "set" and not _VARIABLE_NAME.match(call.string(0)):
        raise SieveError(f"invalid variable name {call.string(0)!r}", *where)
    if call.name in ("date", "currentdate"):
        part = call.string(1 if call.name == "date" else 0)
        if "${" not in part and part.lower() not in DATE_PARTS:
            raise SieveError(f"unknown date part {part!r} (RFC 5260 §4.2)", *where)
    if call.name == "include" and "/" in call.string(0):
        raise SieveError("a script name has no '/' (RFC 6609 §3.2)", *where)
