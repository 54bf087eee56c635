"""Reading imaptest's scripted tests (format: imaptest's FORMAT.md) and IMAP lines.

The semantics follow dovecot/imaptest src/test-parser.c: a header, then command
groups.  Blank lines do not end a group: a command line starts a new group
unless the current group still waits for a tagged reply (`tagN cmd` lines
pipeline several commands, `tagN ok` lines give their replies).  Each command
has an expected tagged status; untagged lines must (`*`), must not (`!`) or
may (`?`) arrive.  `{{{` ... `}}}` spans lines as one literal.  Untagged lines
get imaptest's default list directives (FETCH and STATUS items unordered in
pairs, FLAGS unordered without extras but \\Recent, LIST flags unordered).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path


class Nil:
    def __repr__(self) -> str:
        return "NIL"


NIL = Nil()


@dataclass(frozen=True)
class Str:
    """A quoted string or literal (an atom is a plain str)."""

    text: str


@dataclass
class Command:
    text: str
    reply: list[object] | None  # expected tagged reply tokens, e.g. ["ok", "[read-write]"]
    tag: int = 0  # the script's `tagN`, 0 for none
    line: int = 0


@dataclass
class Group:
    conn: int = 1
    commands: list[Command] = field(default_factory=list)
    untagged: list[tuple[str, list[object]]] = field(default_factory=list)  # ("*"|"!"|"?", tokens)
    ordered: bool = False
    line: int = 0

    @property
    def pending(self) -> bool:
        return any(command.reply is None for command in self.commands)


@dataclass
class Script:
    name: str
    headers: dict[str, str]
    groups: list[Group]
    mbox: Path

    @property
    def capabilities(self) -> list[str]:
        return self.headers.get("capabilities", "").upper().split()

    @property
    def connections(self) -> int:
        return int(self.headers.get("connections", "1"))


def tokenize(text: str) -> list[object]:
    """IMAP args as Dovecot's parser with ATOM_ALLCHARS sees them."""
    stack: list[list[object]] = [[]]
    i = 0
    while i < len(text):
        char = text[i]
        if char == " ":
            i += 1
        elif char == "(":
            stack.append([])
            i += 1
        elif char == ")":
            done = stack.pop() if len(stack) > 1 else []
            stack[-1].append(done)
            i += 1
        elif char == '"':
            j, out = i + 1, []
            while j < len(text) and text[j] != '"':
                if text[j] == "\\" and j + 1 < len(text):
                    j += 1
                out.append(text[j])
                j += 1
            stack[-1].append(Str("".join(out)))
            i = j + 1
        elif (found := re.match(r"~?\{(\d+)\+?\}\r\n", text[i:])) is not None:
            start = i + found.end()
            size = int(found.group(1))
            stack[-1].append(Str(text[start : start + size]))
            i = start + size
        else:
            found = re.match(r"[^ ()]+", text[i:])
            assert found is not None
            word = found.group()
            stack[-1].append(NIL if word.upper() == "NIL" else word)
            i += len(word)
    while len(stack) > 1:
        done = stack.pop()
        stack[-1].append(done)
    return stack[0]


def _lower(token: object) -> str:
    return token.lower() if isinstance(token, str) else ""


def add_default_directives(tokens: list[object]) -> list[object]:
    """test_add_default_directives: only where the script gave none."""
    name_at = (
        1 if tokens and (_lower(tokens[0])[:1].isdigit() or _lower(tokens[0])[:1] == "$") else 0
    )
    name = _lower(tokens[name_at]) if len(tokens) > name_at else ""
    for index, token in enumerate(tokens):
        if not isinstance(token, list) or _has_directives(token):
            continue
        if name in ("list", "lsub") and index == 1:
            token.insert(0, "$!unordered")
        elif name in ("status", "fetch") and index == 2:
            token.insert(0, "$!unordered=2")
            if name == "fetch":
                _flags_directives(token)
    return tokens


def _has_directives(tokens: list[object]) -> bool:
    return bool(tokens) and isinstance(tokens[0], str) and tokens[0].startswith("$!")


def _flags_directives(items: list[object]) -> None:
    for index in range(2, len(items), 2):  # items[0] is the directive, then pairs
        value = items[index]
        is_flags = _lower(items[index - 1]) == "flags"
        if is_flags and isinstance(value, list) and not _has_directives(value):
            value[:0] = ["$!unordered", "$!noextra", "$!ignore=\\recent"]


_REPLY = re.compile(r"(?:tag(\d+) )?(ok|no|bad|\"\")(?= |$) ?", re.IGNORECASE)


def _reply(line: str) -> tuple[int, list[object] | None, str]:
    """test_get_cmd_reply: an optional `tagN`, an optional status; the rest."""
    found = _REPLY.match(line)
    if found is None:
        tag = re.match(r"tag(\d+) ", line, re.IGNORECASE)
        return (int(tag.group(1)), None, line[tag.end() :]) if tag else (0, None, line)
    status = found.group(2)
    reply: list[object] = [Str("") if status == '""' else status]
    return int(found.group(1) or 0), reply, line[found.end() :]


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with `{{{` ... `}}}` multi-line strings folded into literals."""
    out: list[tuple[int, str]] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        start = index
        line = lines[index].rstrip("\r")
        index += 1
        while (found := re.search(r"(~?)\{\{\{$", line)) is not None:
            data: list[str] = []
            while index < len(lines) and not lines[index].startswith("}}}"):
                data.append(lines[index])
                index += 1
            # a `~{{{` (literal8) keeps the file's bytes: its lines end in LF
            content = ("\n" if found.group(1) else "\r\n").join(data)
            tail = lines[index].rstrip("\r")[3:] if index < len(lines) else ""
            index += 1
            size = len(content.encode("utf-8", "surrogateescape"))
            literal = f"{found.group(1)}{{{size}}}\r\n{content}"
            line = line[: found.start()] + literal + tail
        out.append((start + 1, line))
    return out


class _Parser:
    def __init__(self, connections: int) -> None:
        self.connections = connections
        self.groups: list[Group] = []
        self.group: Group | None = None

    def line(self, number: int, line: str) -> None:
        group = self.group
        if group is not None and self._continues(group, line):
            return
        conn = 1
        if self.connections > 1:
            first, _, line = line.partition(" ")
            conn = int(first)
        if group is None or not group.pending:
            group = self.group = Group(conn=conn, line=number)
            self.groups.append(group)
        tag, reply, text = _reply(line)
        if not group.commands and text[:2] in ("* ", "! ", "? ") and reply is None:
            group.untagged.append((text[0], add_default_directives(tokenize(text[2:]))))
            return
        group.commands.append(Command(text, reply, tag, number))

    def _continues(self, group: Group, line: str) -> bool:
        if line == "!ordered":
            group.ordered = True
            return True
        if line.startswith(("!sleep ", "!output ")):
            return True
        if line[:2] in ("* ", "! ", "? "):
            group.untagged.append((line[0], add_default_directives(tokenize(line[2:]))))
            return True
        if not group.pending:
            return False
        rest = line
        if self.connections > 1 and re.match(r"\d+ ", line):
            rest = line.partition(" ")[2]
        tag, reply, _ = _reply(rest)
        if reply is None:
            return False
        for command in group.commands:
            if command.tag == tag and command.reply is None:
                command.reply = tokenize(rest)[1 if tag else 0 :]
                return True
        return False


def parse_script(path: Path) -> Script:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    head, _, body = text.partition("\n\n")
    headers: dict[str, str] = {}
    for line in head.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    parser = _Parser(int(headers.get("connections", "1")))
    skip = False
    for number, line in _logical_lines(body):
        if line.startswith("!ifenv") or line.startswith("!ifnenv"):
            skip = True  # imaptest's environment switches: we set none
        elif line == "!else":
            skip = not skip
        elif line == "!endif":
            skip = False
        elif line and not line.startswith("#") and not skip:
            parser.line(number + head.count("\n") + 2, line)
    groups = parser.groups
    if not any(c.text.lower() == "logout" or _has_bye(g) for g in groups for c in g.commands):
        groups.append(Group(conn=1, commands=[Command("logout", ["ok"])]))
    mbox = path.with_name(path.name + ".mbox")
    if not mbox.exists():
        mbox = path.with_name("default.mbox")
    return Script(path.name, headers, groups, mbox)


def _has_bye(group: Group) -> bool:
    return any(kind == "*" and _lower(tokens[0]) == "bye" for kind, tokens in group.untagged)


_FROM = re.compile(
    r"From \S+ +\w{3} (\w{3}) +(\d+) (\d+):(\d+)(?::(\d+))? (\d{4})(?: ([+-]\d{4}))?\s*$"
)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class MboxMessage:
    data: bytes
    date: str  # IMAP date-time of the From_ line, as imaptest's APPEND sends it


def _imap_date(found: re.Match[str]) -> str:
    month, day, hour, minute, second, year, zone = found.groups()
    zone = zone or "+0000"
    sign = 1 if zone[0] == "+" else -1
    offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:]))
    moment = datetime(
        int(year), MONTHS.index(month) + 1, int(day), int(hour), int(minute), int(second or 0),
        tzinfo=timezone(sign * offset),
    )  # fmt: skip
    return moment.strftime("%d-%b-%Y %H:%M:%S ") + zone


def mbox_messages(path: Path) -> list[MboxMessage]:
    """mailbox-source-mbox.c: every line up to the next valid From_ line, CRLF ends."""
    messages: list[tuple[str, list[str]]] = []
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    for line in raw:
        found = _FROM.match(line.rstrip("\r"))
        if found is not None and (not messages or messages[-1][1]):
            messages.append((_imap_date(found), []))
        elif found is not None:
            messages[-1] = (_imap_date(found), [])
        elif messages:
            messages[-1][1].append(line.rstrip("\r"))
    out = []
    for date, lines in messages:
        data = "".join(f"{line}\r\n" for line in lines).encode("utf-8", "surrogateescape")
        out.append(MboxMessage(data, date))
    return out
