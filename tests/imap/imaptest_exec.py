"""The imaptest executor: setup, then each command group on its connection.

See imaptest_run for the connection helpers and dovecot/imaptest
src/test-exec.c for the semantics ported here.
"""

from __future__ import annotations

import re

from tests.imap.imaptest_match import Matcher, reply_name
from tests.imap.imaptest_run import (
    MAILBOX,
    Connection,
    Result,
    Source,
    _has_body,
    append_command,
)
from tests.imap.imaptest_script import Group, Script, Str, mbox_messages, tokenize

STATES = ["nonauth", "auth", "created", "appended", "selected"]


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _mailbox_of(line: str, reply: str) -> str | None:
    tokens = tokenize(line[2:])
    if len(tokens) >= 4 and str(tokens[0]).lower() == reply and isinstance(tokens[1], list):
        name = tokens[3]
        return name.text if isinstance(name, Str) else str(name)
    return None


def _names(lines: list[str], reply: str) -> list[str]:
    """Mailbox names of LIST/LSUB replies, children before parents."""
    return sorted(filter(None, (_mailbox_of(line, reply) for line in lines)), reverse=True)


class Runner:
    def __init__(
        self,
        port: int,
        user: str,
        password: str,
        compress: bool = False,
        user2: tuple[str, str] | None = None,
    ) -> None:
        self.port = port
        self.user = user
        self.password = password
        self.user2 = user2  # ``$user2``: a second account, for a "user N: $user2" header
        self.compress = compress  # every logged-in connection runs COMPRESS DEFLATE first
        self.source = Source([])

    def setup(self, script: Script) -> list[Connection]:
        conns = [Connection(self.port, n + 1) for n in range(script.connections)]
        state = STATES.index(script.headers.get("state", "selected").lower())
        if state == 0:
            return conns
        for conn in conns:
            user, password = self._login_of(script, conn.number)
            conn.run(f"LOGIN {_quote(user)} {_quote(password)}")
            if self.compress:
                conn.compress()
        first = conns[0]
        first.run("CAPABILITY")
        self.clean(first)
        if state == 1:
            return conns
        first.run(f"CREATE {MAILBOX}")
        if state == 2:
            return conns
        count = script.headers.get("messages", "all")  # test-parser.c: all by default
        wanted = len(self.source.messages) if count == "all" else int(count)
        for _ in range(wanted):
            message = self.source.take()
            tag = append_command(first, f'"{MAILBOX}" "{message.date}"', message.data)
            while not first.read_line().startswith(tag + " "):
                pass
        if state == 4:
            for conn in conns:
                conn.run(f"SELECT {MAILBOX}")
        return conns

    def _login_of(self, script: Script, number: int) -> tuple[str, str]:
        """imaptest's ``user N:`` header: connection N logs in as ``$user2``."""
        if script.headers.get(f"user {number}") == "$user2" and self.user2 is not None:
            return self.user2
        return self.user, self.password

    def clean(self, conn: Connection) -> None:
        listed, _ = conn.run(f'LIST "" "{MAILBOX}*"')
        subscribed, _ = conn.run(f'LSUB "" "{MAILBOX}*"')
        for name in sorted(filter(None, (_mailbox_of(x, "list") for x in listed)), reverse=True):
            conn.run(f"DELETE {_quote(name)}")
        for name in sorted(
            filter(None, (_mailbox_of(x, "lsub") for x in subscribed)), reverse=True
        ):
            conn.run(f"UNSUBSCRIBE {_quote(name)}")

    def run(self, script: Script, capabilities: set[str]) -> Result:
        result = Result(script.name)
        missing = set(script.capabilities) - capabilities
        if missing:
            result.skipped = " ".join(sorted(missing))
            return result
        variables = {"mailbox": MAILBOX, "user": self.user, "username": self.user}
        variables |= {"domain": "localhost", "user2": self.user2[0] if self.user2 else ""}
        variables |= {"password": self.password, "mailbox_url": MAILBOX}
        matcher = Matcher(variables)
        self.source = Source(mbox_messages(script.mbox))
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
            result.failures.append(f"line {group.line}: aborted: {exc!r}")
            rest = script.groups[result.groups - 1 :]
            result.groups += len(rest) - 1
            result.commands += sum(len(g.commands) for g in rest[1:])
            result.failed_commands += sum(len(g.commands) for g in rest)
        finally:
            for conn in conns:
                conn.close()
        return result

    def send(self, conn: Connection, text: str) -> str:
        lower = text.lower()
        if lower == "append":
            message = self.source.take()
            return append_command(conn, f'"{MAILBOX}" "{message.date}"', message.data)
        if lower.startswith("append ") and not _has_body(text[7:]):
            return append_command(conn, text[7:], self.source.take().data)
        return conn.send(text.replace("\r\n", "\n").replace("\n", "\r\n"))

    def group(self, conns: list[Connection], group: Group, matcher: Matcher) -> str:
        conn = conns[group.conn - 1]
        matcher.seqmap = list(range(1, conn.count + 1))
        errors: list[str] = []
        found: set[int] = set()
        if not group.commands:  # the banner check
            self.match_untagged(group, conn.greeting, matcher, errors, found, "")
            return self.verdict(group, errors, found)
        pending: dict[str, list[object] | None] = {}
        first = ""
        for command in group.commands:
            tag = self.send(conn, matcher.expand(command.text))
            pending[tag] = command.reply
            first = first or tag
        bye = False
        while pending:
            try:
                line = conn.read_line()
            except ConnectionError:
                if bye and all(r == [Str("")] for r in pending.values()):
                    break
                raise
            tag = line.split(" ", 1)[0]
            if tag in pending:
                expected = pending.pop(tag)
                got = tokenize(line.split(" ", 1)[1] if " " in line else "")
                matcher.variables["tag"] = tag
                if expected is not None and not matcher.args(expected, got, True):
                    errors.append(f"tagged: expected {expected}, got {line!r}")
                continue
            bye = bye or line.upper().startswith("* BYE")
            self.match_untagged(group, line, matcher, errors, found, first)
            conn.track(line)
            self.track_expunge(line, matcher)
        return self.verdict(group, errors, found)

    def match_untagged(
        self,
        group: Group,
        line: str,
        matcher: Matcher,
        errors: list[str],
        found: set[int],
        tag: str,
    ) -> None:
        """test_handle_untagged_match: a reply may satisfy several expected lines."""
        if not line.startswith("* "):
            return
        tokens = tokenize(line[2:])
        prefix = reply_name(tokens) in ("ok", "no", "bad", "bye")
        for index, (kind, expected) in enumerate(group.untagged):
            if index in found:
                continue
            saved = dict(matcher.variables)
            matcher.variables["tag"] = tag
            matched = matcher.args(expected, tokens, prefix)
            matcher.variables.pop("tag", None)
            if matched:
                if kind == "!":
                    errors.append(f"unexpected {line!r}")
                    return
                found.add(index)
                if group.ordered:
                    break
                continue
            matcher.variables.clear()
            matcher.variables.update(saved)
            if group.ordered and kind == "*":
                break

    @staticmethod
    def track_expunge(line: str, matcher: Matcher) -> None:
        expunge = re.match(r"\* (\d+) EXPUNGE", line, re.IGNORECASE)
        if expunge:
            seq = int(expunge.group(1))
            matcher.seqmap = [0 if s == seq else s - 1 if s > seq else s for s in matcher.seqmap]

    @staticmethod
    def verdict(group: Group, errors: list[str], found: set[int]) -> str:
        for index, (kind, expected) in enumerate(group.untagged):
            if kind == "*" and index not in found:
                errors.append(f"missing untagged {expected}")
        return "; ".join(errors)
