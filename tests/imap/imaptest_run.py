"""Running imaptest scripts against a live server over plain sockets.

Setup as imaptest does it (FORMAT.md): log in, delete `$mailbox*`, create the
mailbox, append the mbox messages, select it on every connection.  Then each
command group is sent, its replies read up to every tagged line, and checked:
the tagged status (prefix), every `*` line present, no `!` line present.
"""

from __future__ import annotations

import contextlib
import re
import socket
from dataclasses import dataclass, field

from tests.imap.imaptest_match import Matcher, reply_name
from tests.imap.imaptest_script import Group, Script, mbox_messages, tokenize

MAILBOX = "imaptest"


class Connection:
    def __init__(self, port: int, number: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        self.number = number
        self.tags = 0
        self.count = 0
        self.greeting = self.read_line()

    def read_line(self) -> str:
        """One response, literals included."""
        line = self.file.readline()
        if not line:
            raise ConnectionError("closed")
        while (found := re.search(rb"\{(\d+)\}\r\n$", line)) is not None:
            line += self.file.read(int(found.group(1)))
            line += self.file.readline()
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def send(self, text: str) -> str:
        self.tags += 1
        tag = f"{self.number}.{self.tags}"
        self.sock.sendall(f"{tag} {text}\r\n".encode())
        return tag

    def run(self, text: str) -> tuple[list[str], str]:
        tag = self.send(text)
        untagged = []
        while True:
            line = self.read_line()
            if line.startswith(tag + " "):
                return untagged, line
            untagged.append(line)
            self.track(line)

    def track(self, line: str) -> None:
        found = re.match(r"\* (\d+) (EXISTS|EXPUNGE)", line, re.IGNORECASE)
        if found:
            number = int(found.group(1))
            self.count = number if found.group(2).upper() == "EXISTS" else self.count - 1

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def append_literal(conn: Connection, args: str, message: bytes) -> str:
    tag = f"{conn.number}.{conn.tags + 1}"
    conn.tags += 1
    conn.sock.sendall(f"{tag} APPEND {args} {{{len(message)}+}}\r\n".encode() + message + b"\r\n")
    while True:
        line = conn.read_line()
        conn.track(line)
        if line.startswith(tag + " "):
            return line


@dataclass
class Result:
    name: str
    groups: int = 0
    passed: int = 0
    commands: int = 0
    failed_commands: int = 0
    failures: list[str] = field(default_factory=list)
    skipped: str = ""


class Runner:
    def __init__(self, port: int, user: str, password: str) -> None:
        self.port = port
        self.user = user
        self.password = password

    def setup(self, script: Script) -> list[Connection]:
        conns = [Connection(self.port, n + 1) for n in range(script.connections)]
        state = script.headers.get("state", "selected").lower()
        if state == "nonauth":
            return conns
        for conn in conns:
            conn.run(f'LOGIN "{self.user}" "{self.password}"')
        first = conns[0]
        untagged, _ = first.run(f'LIST "" "{MAILBOX}*"')
        names = [line.rsplit(" ", 1)[1].strip('"') for line in untagged if " LIST " in line]
        for name in sorted(names, reverse=True):
            first.run(f'DELETE "{name}"')
        if state == "auth":
            return conns
        first.run(f"CREATE {MAILBOX}")
        count = script.headers.get("messages", "0")
        self.messages = mbox_messages(script.mbox)
        wanted = len(self.messages) if count == "all" else int(count)
        if state == "created":
            wanted = 0
        for message in self.messages[:wanted]:
            append_literal(first, MAILBOX, message)
        self.messages = self.messages[wanted:]
        if state in ("selected",) or ("messages" in script.headers and state != "created"):
            for conn in conns:
                conn.run(f"SELECT {MAILBOX}")
        return conns

    def run(self, script: Script, capabilities: set[str]) -> Result:
        result = Result(script.name)
        missing = set(script.capabilities) - capabilities
        if missing:
            result.skipped = " ".join(sorted(missing))
            return result
        variables = {"mailbox": MAILBOX, "user": self.user, "sep": ".", "password": self.password}
        matcher = Matcher(variables)
        self.messages: list[bytes] = mbox_messages(script.mbox)
        conns = self.setup(script)
        try:
            for group in script.groups:
                result.groups += 1
                result.commands += len(group.commands)
                error = self.group(conns, group, matcher)
                if error:
                    result.failed_commands += len(group.commands)
                    result.failures.append(f"line {group.line}: {error}")
                else:
                    result.passed += 1
        except (OSError, ConnectionError, KeyError) as exc:
            left = result.groups - result.passed
            result.failures.append(f"aborted: {exc!r}")
            rest = script.groups[result.groups :]
            result.groups += len(rest)
            result.commands += sum(len(g.commands) for g in rest)
            result.failed_commands += sum(len(g.commands) for g in rest) + 0 * left
        finally:
            for conn in conns:
                conn.close()
        return result

    def group(self, conns: list[Connection], group: Group, matcher: Matcher) -> str:
        conn = conns[group.commands[0].conn - 1]
        matcher.seqmap = list(range(1, conn.count + 1))
        pending: dict[str, list[object] | None] = {}
        for command in group.commands:
            text = matcher.expand(command.text)
            if text.lower() == "append" or (text.lower().startswith("append ") and "{" not in text):
                args = text[7:] or MAILBOX
                message = self.messages.pop(0) if self.messages else b"Subject: x\r\n\r\nx\r\n"
                tag = f"{conn.number}.{conn.tags + 1}"
                conn.tags += 1
                data = f"{tag} APPEND {args} {{{len(message)}+}}\r\n".encode() + message + b"\r\n"
                conn.sock.sendall(data)
            else:
                tag = conn.send(text.replace("\n", "\r\n") if "\r\n" not in text else text)
            pending[tag] = command.reply
        received: list[str] = []
        errors: list[str] = []
        while pending:
            line = conn.read_line()
            tag = line.split(" ", 1)[0]
            if tag in pending:
                expected = pending.pop(tag)
                got = tokenize(line.split(" ", 1)[1] if " " in line else "")
                if expected is not None and not matcher.args(expected, got, True, ""):
                    errors.append(f"tagged: expected {expected}, got {line!r}")
                continue
            received.append(line)
            self.match_untagged(group, line, matcher, errors)
            conn.track(line)
        found_all = self.missing(group, errors)
        return "; ".join(errors) if errors or not found_all else ""

    def match_untagged(self, group: Group, line: str, matcher: Matcher, errors: list[str]) -> None:
        if not line.startswith("* "):
            return
        tokens = tokenize(line[2:])
        name = reply_name(tokens)
        prefix = name in ("ok", "no", "bad", "bye")
        found = getattr(group, "_found", set())
        for index, (kind, expected) in enumerate(group.untagged):
            if index in found:
                continue
            saved = dict(matcher.variables)
            if matcher.args(expected, tokens, prefix, reply_name(expected)):
                if kind == "!":
                    errors.append(f"unexpected {line!r}")
                found.add(index)
                break
            matcher.variables.clear()
            matcher.variables.update(saved)
        group._found = found  # type: ignore[attr-defined]
        expunge = re.match(r"(\d+) EXPUNGE", line[2:], re.IGNORECASE)
        if expunge:
            seq = int(expunge.group(1))
            matcher.seqmap = [0 if s == seq else s - 1 if s > seq else s for s in matcher.seqmap]

    def missing(self, group: Group, errors: list[str]) -> bool:
        found = getattr(group, "_found", set())
        for index, (kind, expected) in enumerate(group.untagged):
            if kind == "*" and index not in found:
                errors.append(f"missing untagged {expected}")
        return not errors
