"""Reading imaptest's scripted tests (../shared/imaptest-tests/FORMAT.md) and IMAP lines.

The semantics follow dovecot/imaptest src/test-parser.c: a header, then command
groups separated by blank lines; each command has an expected tagged status (and
optional resp-text-code), untagged lines that must (`*`), must not (`!`) or may
(`?`) arrive.  IMAP lines become nested lists of tokens for structural matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

Token = "str | Nil | Str | list[Token]"


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
    conn: int
    text: str
    reply: list[object] | None  # expected tagged reply tokens, e.g. ["ok", "[read-write]"]


@dataclass
class Group:
    commands: list[Command] = field(default_factory=list)
    untagged: list[tuple[str, list[object]]] = field(default_factory=list)  # ("*"|"!"|"?", tokens)
    line: int = 0


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


_STATUS = re.compile(r"(?:(\d+) )?(ok|no|bad|\"\")(?: |$)(.*)", re.IGNORECASE | re.DOTALL)


def _join_literals(lines: list[str], index: int) -> tuple[str, int]:
    """`{{{` ... `}}}` spans lines (Dovecot's MULTILINE_STR): each line ends in CRLF.
    It becomes a literal, which `tokenize` reads as a string."""
    line = lines[index]
    while (found := re.search(r"~?\{\{\{$", line)) is not None:
        data: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].startswith("}}}"):
            data.append(lines[index].rstrip("\r"))
            index += 1
        content = "\r\n".join(data)
        tail = lines[index][3:] if index < len(lines) else ""
        line = line[: found.start()] + f"{{{len(content.encode())}}}\r\n" + content + tail
    return line, index


def parse_script(path: Path) -> Script:
    text = path.read_text("utf-8", "replace")
    head, _, body = text.partition("\n\n")
    headers: dict[str, str] = {}
    if all(":" in line or line.startswith("#") for line in head.splitlines() if line):
        for line in head.splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
    else:
        body = text
    lines = body.split("\n")
    groups: list[Group] = []
    current: Group | None = None
    pending: Command | None = None
    index = 0
    while index < len(lines):
        raw = lines[index].rstrip("\r")
        line_number = index + 1
        if not raw.strip():
            current = pending = None
            index += 1
            continue
        if raw.startswith("#") or raw.startswith("!ifenv") or raw.startswith("!endif"):
            index += 1
            continue
        lines[index] = raw
        line, index = _join_literals(lines, index)
        index += 1
        if current is None:
            current = Group(line=line_number)
            groups.append(current)
        if line[:2] in ("* ", "! ", "? "):
            current.untagged.append((line[0], tokenize(line[2:])))
            continue
        found = _STATUS.match(line)
        if found and pending is not None and pending.reply is None and not found.group(1):
            pending.reply = tokenize(line)
            continue
        conn_match = re.match(r"(\d+) (.*)", line, re.DOTALL)
        conn = 1
        if conn_match and int(headers.get("connections", "1")) > 1:
            conn, line = int(conn_match.group(1)), conn_match.group(2)
        found = _STATUS.match(line)
        if found and found.group(3):
            command = Command(conn, found.group(3), tokenize(found.group(2)))
        else:
            command = Command(conn, line, None)
            pending = command
        current.commands.append(command)
    mbox = path.with_name(path.name + ".mbox")
    if not mbox.exists():
        mbox = path.with_name("default.mbox")
    return Script(path.name, headers, [g for g in groups if g.commands], mbox)


def mbox_messages(path: Path) -> list[bytes]:
    """Messages of an mbox file, CRLF line ends, without the From_ lines."""
    messages: list[list[str]] = []
    for line in path.read_bytes().decode("utf-8", "surrogateescape").split("\n"):
        if line.startswith("From "):
            messages.append([])
        elif messages:
            messages[-1].append(line.rstrip("\r"))
    out = []
    for lines in messages:
        if lines and lines[-1] == "":
            lines = lines[:-1]
        out.append("".join(f"{line}\r\n" for line in lines).encode("utf-8", "surrogateescape"))
    return out
