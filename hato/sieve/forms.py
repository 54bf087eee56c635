"""Sieve written for people who fill in a form: simple rules and a vacation reply.

The web console's rules pages keep the form in one script. ``to_script`` writes it:
every word a person typed becomes a quoted string through the printer (hato.sieve.to_text)
(RFC 5228 §2.4.2: backslash and DQUOTE escaped), and the script requires neither
"variables" nor "encoded-character", so ``${...}`` in a word stays those characters
(RFC 5229 §3, RFC 5228 §2.4.2.4). Nothing a person types can end a string early.

``from_script`` reads a script back into the form, or gives None for a script the
form did not write (or one edited by hand since): it reads the script's shape
loosely, then writes the form again and keeps it only if that gives the very same text.

    # a rule: the first one that matches decides (each ends with ``stop``)
    if header :contains "subject" "[list]" { fileinto :create "Lists"; stop; }
    # the vacation reply, before the rules so that a filed message is answered too
    vacation :days 7 :subject "Away" :addresses ["me@example.org"] "Back on Monday.";
"""

from __future__ import annotations

from dataclasses import dataclass

from hato.sieve._ast import Argument, Command, Script, Strings, Tag, Test
from hato.sieve._ast import Number as NumberArgument
from hato.sieve._errors import SieveError
from hato.sieve._parser import parse
from hato.sieve._printer import to_text
from hato.sieve._vacation import DAY, Period

__all__ = [
    "ACTIONS",
    "FIELDS",
    "HEADING",
    "MAX_RULES",
    "FormError",
    "FormScript",
    "Rule",
    "Vacation",
    "from_script",
    "to_script",
]

#: The header fields a rule can look at, as the form names them.
FIELDS = {"from": "From", "to": "To", "subject": "Subject"}
#: What a rule can do with a message that matches.
ACTIONS = {"fileinto": "File into mailbox", "read": "Mark as read", "discard": "Discard"}
MAX_RULES = 100
MAX_DAYS = Period().maximum // DAY  # what a run clamps :days to (RFC 5230 §4.1)
HEADING = "# Written by hato's rules form: editing it by hand takes it out of the form.\n"


def _crlf(value: str) -> str:
    """Line ends as a quoted string holds them (RFC 5228 §2.4.2: CRLF), as the lexer reads them."""
    return value.replace("\r\n", "\n").replace("\n", "\r\n")


class FormError(ValueError):
    """A form that cannot be written as a script; the message says which field."""


@dataclass(frozen=True, slots=True)
class Rule:
    """When ``field`` contains ``contains`` (ASCII letters in any case), do ``action``."""

    field: str
    contains: str
    action: str
    mailbox: str = ""  # for "fileinto"

    def __post_init__(self) -> None:
        object.__setattr__(self, "contains", _crlf(self.contains))
        object.__setattr__(self, "mailbox", _crlf(self.mailbox))
        if self.field not in FIELDS:
            raise FormError(f"a rule looks at one of: {', '.join(FIELDS.values())}")
        if self.action not in ACTIONS:
            raise FormError("a rule files into a mailbox, marks as read or discards")
        if not self.contains:
            raise FormError("a rule needs the words to look for")
        if self.action == "fileinto" and not self.mailbox:
            raise FormError("a rule that files into a mailbox needs the mailbox's name")
        if self.action != "fileinto" and self.mailbox:
            raise FormError("only a rule that files into a mailbox names one")


@dataclass(frozen=True, slots=True)
class Vacation:
    """The automatic reply (RFC 5230): once per sender every ``days`` days."""

    text: str
    subject: str = ""
    days: int = 7
    addresses: tuple[str, ...] = ()  # the account's other addresses (RFC 5230 §4.5)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _crlf(self.text))
        object.__setattr__(self, "subject", _crlf(self.subject))
        object.__setattr__(self, "addresses", tuple(_crlf(a) for a in self.addresses))
        if not self.text:
            raise FormError("a vacation reply needs its text")
        if not 1 <= self.days <= MAX_DAYS:
            raise FormError(f"a vacation reply waits from 1 to {MAX_DAYS} days")


@dataclass(frozen=True, slots=True)
class FormScript:
    rules: tuple[Rule, ...] = ()
    vacation: Vacation | None = None

    def __post_init__(self) -> None:
        if len(self.rules) > MAX_RULES:
            raise FormError(f"at most {MAX_RULES} rules")


def _strings(*values: str, is_list: bool = False) -> Strings:
    return Strings(tuple(values), is_list, 0, 0)


def _command(name: str, *arguments: Argument, test: Test | None = None) -> Command:
    block = None if test is None else ()
    return Command(name, arguments, () if test is None else (test,), block, 0, 0)


def _rule_command(rule: Rule) -> Command:
    """``if header :contains FIELD WORDS { ACTION; stop; }`` (RFC 5228 §3.1, §5.7)."""
    words = (Tag("contains", 0, 0), _strings(rule.field), _strings(rule.contains))
    test = Test("header", words, (), 0, 0)
    match rule.action:
        case "fileinto":  # RFC 5490 §3.2: :create makes the mailbox if it is not there
            action = _command("fileinto", Tag("create", 0, 0), _strings(rule.mailbox))
        case "read":  # RFC 5232 §3, §5: the keep that follows stores it with \Seen
            action = _command("addflag", _strings("\\Seen"))
        case _:
            action = _command("discard")
    block = (action, *((_command("keep"),) if rule.action == "read" else ()), _command("stop"))
    return Command("if", (), (test,), block, 0, 0)


def _vacation_command(vacation: Vacation) -> Command:
    """``vacation :days N [:subject S] [:addresses [...]] TEXT`` (RFC 5230 §4)."""
    arguments: list[Argument] = [Tag("days", 0, 0), NumberArgument(vacation.days, 0, 0)]
    if vacation.subject:
        arguments += [Tag("subject", 0, 0), _strings(vacation.subject)]
    if vacation.addresses:
        arguments += [Tag("addresses", 0, 0), _strings(*vacation.addresses, is_list=True)]
    return _command("vacation", *arguments, _strings(vacation.text))


_NEEDS = {"fileinto": {"fileinto", "mailbox"}, "read": {"imap4flags"}}


def _requires(form: FormScript) -> list[str]:
    needed = {"vacation"} if form.vacation is not None else set()
    for rule in form.rules:
        needed |= _NEEDS.get(rule.action, set())
    return sorted(needed)


def to_script(form: FormScript) -> str:
    """The form as a Sieve script (RFC 5228), with ``HEADING`` as its first line."""
    commands: list[Command] = []
    requires = _requires(form)
    if requires:
        commands.append(_command("require", _strings(*requires, is_list=True)))
    if form.vacation is not None:
        commands.append(_vacation_command(form.vacation))
    commands += [_rule_command(rule) for rule in form.rules]
    body = to_text(Script(tuple(commands), frozenset(requires))) if commands else ""
    return HEADING + body


# Reading a script back -------------------------------------------------------------


class _NotTheForm(Exception):
    pass


def _values(arguments: tuple[Argument, ...]) -> list[tuple[str, ...]]:
    return [argument.values for argument in arguments if isinstance(argument, Strings)]


def _one(values: tuple[str, ...]) -> str:
    if len(values) != 1:
        raise _NotTheForm
    return values[0]


def _read_rule(command: Command) -> Rule:
    if len(command.tests) != 1 or not command.block:
        raise _NotTheForm
    field, contains = (_one(values) for values in _values(command.tests[0].arguments)[-2:])
    first = command.block[0]
    action = {"fileinto": "fileinto", "addflag": "read", "discard": "discard"}.get(first.name)
    if action is None:
        raise _NotTheForm
    mailbox = _one(_values(first.arguments)[-1]) if action == "fileinto" else ""
    return Rule(field, contains, action, mailbox)


def _read_vacation(command: Command) -> Vacation:
    arguments = command.arguments
    days = next((a.value for a in arguments if isinstance(a, NumberArgument)), 7)
    tags = [a.name for a in arguments if isinstance(a, Tag)]
    values = _values(arguments)
    subject = _one(values[0]) if "subject" in tags else ""
    addresses = values[-2] if "addresses" in tags else ()
    return Vacation(_one(values[-1]), subject, days, addresses)


def from_script(text: str) -> FormScript | None:
    """The form that wrote ``text``, or None if the form did not write it as it is."""
    if not text.startswith(HEADING):
        return None
    rules: list[Rule] = []
    vacation = None
    try:
        for command in parse(text).commands:
            if command.name == "vacation":
                vacation = _read_vacation(command)
            elif command.name == "if":
                rules.append(_read_rule(command))
        form = FormScript(tuple(rules), vacation)
    except (SieveError, _NotTheForm, ValueError, IndexError):  # FormError is a ValueError
        return None
    return form if to_script(form) == text else None
