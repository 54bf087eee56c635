"""Test-only helpers: a minimal IMAP encoder for our nested lists, a minimal IMAP reader
for Dovecot's expected replies, and readers for imaptest's .mbox and test files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hato.mime import Sexp
from tests.shared_dir import shared_path


def imaptest_file(name: str) -> Path:
    """One file of imaptest's scripts in the shared folder (the test skips without it)."""
    return shared_path(f"imaptest-tests/{name}")


def encode(value: Sexp) -> bytes:
    """NIL, numbers, quoted strings (literals when needed) and parenthesised lists."""
    if value is None:
        return b"NIL"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, list):
        return b"(" + b" ".join(encode(item) for item in value) + b")"
    data = value.encode() if isinstance(value, str) else value
    if any(byte in b"\r\n\0" or byte >= 0x80 for byte in data):
        return b"{%d}\r\n" % len(data) + data
    return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


Parsed = list["Parsed"] | str | None

_TOKEN = re.compile(rb'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|\{(\d+)\}\r\n|([^\s()"]+))')


def read(data: bytes) -> list[Parsed]:
    """Parse IMAP data into nested lists; strings and atoms lowercased, NIL as None."""
    stack: list[list[Parsed]] = [[]]
    pos = 0
    while pos < len(data) and data[pos:].strip():
        match = _TOKEN.match(data, pos)
        assert match is not None, data[pos:]
        pos = match.end()
        if match.group(1):
            stack.append([])
        elif match.group(2):
            done = stack.pop()
            stack[-1].append(done)
        elif match.group(4):
            size = int(match.group(4))
            stack[-1].append(data[pos : pos + size].decode().lower())
            pos += size
        elif match.group(5) is not None:
            atom = match.group(5).decode()
            stack[-1].append(None if atom.upper() == "NIL" else atom.lower())
        else:
            quoted = re.sub(rb"\\(.)", rb"\1", match.group(3))
            stack[-1].append(quoted.decode().lower())
    return stack[0]


def load_mbox(name: str) -> list[bytes]:
    """The messages of an imaptest .mbox, LF turned into CRLF as APPEND would send them."""
    data = imaptest_file(f"{name}.mbox").read_bytes()
    messages: list[bytes] = []
    # imaptest keeps the blank line before the next "From " line in the message.
    for chunk in re.split(rb"(?m)^From [^\n]*\n", data)[1:]:
        messages.append(chunk.replace(b"\n", b"\r\n"))
    return messages


def fetch_items(name: str, item: str) -> dict[int, Parsed]:
    """From a test script, the expected ``* N FETCH (ITEM value)`` replies by number."""
    found: dict[int, Parsed] = {}
    for line in imaptest_file(name).read_text().splitlines():
        match = re.match(r"\* (\d+) FETCH \((.*)\)$", line, re.IGNORECASE)
        if match is None:
            continue
        items = read(match.group(2).encode())
        for key, value in zip(items[::2], items[1::2], strict=True):
            if key == item.lower():
                found[int(match.group(1))] = value
    return found


@dataclass(frozen=True)
class SectionCase:
    message: int
    item: str  # as written in the reply, e.g. "body[2.header.fields (from subject)]"
    expected: bytes


_LITERAL_ITEM = re.compile(
    r"(body\[[^\]]*\](?:<\d+>)?|rfc822\.text|rfc822\.header|rfc822)\s+~?\{\{\{$", re.I
)


def section_cases(name: str) -> list[SectionCase]:
    """Expected ``{{{ ... }}}`` literal replies of a test script (not the must-nots)."""
    cases: list[SectionCase] = []
    lines = imaptest_file(name).read_text().splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        match = _LITERAL_ITEM.search(line)
        if not line.startswith("* ") or match is None:
            continue
        body: list[str] = []
        while not lines[index].startswith("}}}"):
            body.append(lines[index])
            index += 1
        number = int(line.split()[1])
        data = "".join(text + "\r\n" for text in body)[:-2] if body else ""
        cases.append(SectionCase(number, match.group(1), data.encode()))
    return cases


def parse_item(item: str) -> tuple[tuple[int, ...], str | None, tuple[str, ...]] | None:
    """``body[1.2.header.fields (a b)]`` -> ((1, 2), "HEADER.FIELDS", ("a", "b"));
    None for partial fetches, which are the caller's business."""
    lowered = item.lower()
    if lowered == "rfc822":
        return (), None, ()
    if lowered in ("rfc822.text", "rfc822.header"):
        return (), lowered.split(".")[1].upper(), ()
    match = re.fullmatch(r"body\[([^\]]*)\]", item, re.I)
    if match is None:
        return None
    section = match.group(1)
    names: tuple[str, ...] = ()
    if "(" in section:
        section, _, rest = section.partition(" (")
        names = tuple(rest.rstrip(")").split())
    numbers: list[int] = []
    words = section.split(".") if section else []
    while words and words[0].isdigit():
        numbers.append(int(words.pop(0)))
    return tuple(numbers), ".".join(words).upper() or None, names
