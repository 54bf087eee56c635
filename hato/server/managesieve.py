"""The ManageSieve adapter (RFC 5804): sockets and the store around hato.proto.managesieve.

One coroutine per client: read bytes, take commands from the reader, answer
each against the account's scripts (``Store.sieve_scripts``). AUTHENTICATE
runs the shared SASL driver (PLAIN, SCRAM-SHA-256) through the Authenticator,
allowed over TLS or from loopback (the plaintext invariant). Scripts are
checked with hato.sieve before they are stored (RFC 5804 §2.6).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hato import metrics
from hato.auth.authenticator import LoginAttempt
from hato.proto import managesieve as ms
from hato.proto.sasl_driver import Cancelled, Malformed, SaslDriver
from hato.server.context import ServiceContext
from hato.server.listener import Connection
from hato.session.trace import trace_output
from hato.sieve import EXTENSIONS, SieveError, compile_script
from hato.store.base import Account, StoreError, StoreUnavailable
from hato.store.scripts import (
    NoSuchScript,
    ScriptActive,
    ScriptExists,
    ScriptNameInvalid,
    ScriptQuotaExceeded,
    SieveScripts,
)

__all__ = ["serve_managesieve"]

log = logging.getLogger(__name__)

MECHANISMS = ("PLAIN", "SCRAM-SHA-256")
#: The store's refusals as RFC 5804 §1.3 response codes, with their text ("": the error's).
_REFUSALS: dict[type[StoreError], tuple[str, str]] = {
    NoSuchScript: ("NONEXISTENT", "There is no such script."),
    ScriptActive: ("ACTIVE", "The active script cannot be deleted."),
    ScriptExists: ("ALREADYEXISTS", "A script of that name exists."),
    ScriptQuotaExceeded: ("QUOTA", ""),
    ScriptNameInvalid: ("", ""),
}


class _Answer(Exception):
    """A NO to the current command; the session goes on."""

    def __init__(self, text: str, code: str = "") -> None:
        super().__init__(text)
        self.text, self.code = text, code


@dataclass
class _Session:
    context: ServiceContext
    connection: Connection
    reader: ms.CommandReader
    account: Account | None = None
    scripts: SieveScripts | None = None

    async def send(self, data: bytes, redact: bool = False) -> None:
        trace_output(self.connection.trace, data, redact)
        await self.connection.write(data)

    async def next_command(self, expect_name: bool = True) -> ms.Command | ms.BadCommand:
        while (command := self.reader.next(expect_name)) is None:
            self.reader.feed(await self.connection.read())
        trace = self.connection.trace
        if trace.enabled and isinstance(command, ms.Command):
            shown = "[REDACTED]" if command.name in ("AUTHENTICATE", "") else len(command.arguments)
            trace.client(f"{command.name or 'SASL response'} ({shown} arguments)")
        return command

    async def run(self) -> None:
        await self.send(self.capabilities() + ms.response("OK", "hato ManageSieve ready."))
        for _ in range(self.context.config.limits.commands_per_connection):
            command = await self.next_command()
            if isinstance(command, ms.BadCommand):
                await self.send(ms.response("NO", command.reason))
                continue
            if command.name == "LOGOUT":
                await self.send(ms.response("OK", "Logout completed."))
                return
            try:
                with metrics.timed("managesieve", command.name):
                    answer = await self.answer(command)
                await self.send(answer)
            except _Answer as no:
                await self.send(ms.response("NO", no.text, no.code or None))
            except StoreUnavailable:
                await self.send(ms.response("NO", "The store is unavailable.", "TRYLATER"))
            except StoreError as error:
                await self.send(_refusal(error, command.name))
        await self.send(ms.response("BYE", "Too many commands."))

    async def answer(self, command: ms.Command) -> bytes:
        handler = _COMMANDS.get(command.name)
        if handler is None:
            raise _Answer("Unknown command.")
        low, high, needs_login = handler[1:]
        if not low <= len(command.arguments) <= high:
            raise _Answer(f"Wrong number of arguments for {command.name}.")
        if needs_login and self.scripts is None:
            raise _Answer("Authenticate first.")
        return await handler[0](self, *command.arguments)

    def capabilities(self) -> bytes:
        """RFC 5804 §1.7; SASL names no mechanism where a password may not be sent."""
        mechanisms = " ".join(MECHANISMS) if self.context.plaintext_ok(self.connection) else ""
        items: list[tuple[str, str | None]] = [
            ("IMPLEMENTATION", "hato"),
            ("SIEVE", " ".join(sorted(EXTENSIONS))),
            ("SASL", mechanisms),
            ("VERSION", "1.0"),
            ("MAXREDIRECTS", "4"),
        ]
        if self.connection.can_start_tls:
            items.append(("STARTTLS", None))
        if self.account is not None:
            items.append(("OWNER", self.account.name))
        return ms.capability_lines(items)

    async def capability(self) -> bytes:
        return self.capabilities() + ms.response("OK", "Capability completed.")

    async def starttls(self) -> bytes:
        """RFC 5804 §2.2: after the handshake the capabilities again, unasked."""
        if not self.connection.can_start_tls:
            raise _Answer("TLS is active already or not available.")
        await self.send(ms.response("OK", "Begin TLS negotiation now."))
        await self.connection.start_tls()
        self.reader = ms.CommandReader(self.context.config.sieve.max_script_size)
        return await self.capability()

    async def authenticate(self, mechanism: bytes, initial: bytes | None = None) -> bytes:
        """RFC 5804 §2.1 with RFC 4422: challenges and responses are strings of base64."""
        if self.account is not None:
            raise _Answer("Already authenticated.")
        name = mechanism.decode("ascii", "replace").upper()
        if name not in MECHANISMS:
            raise _Answer(f"Unsupported mechanism {name[:40]}.")
        if not self.context.plaintext_ok(self.connection):
            raise _Answer("Use STARTTLS first.", "ENCRYPT-NEEDED")
        attempt = LoginAttempt("managesieve", name, self.connection.peer)
        outcome = await self.context.authenticator.sasl(
            SaslDriver(name), initial, attempt, self.converse
        )
        if isinstance(outcome, Cancelled):
            raise _Answer("Authentication cancelled.")
        if isinstance(outcome, Malformed):
            raise _Answer("A response is not base64.")
        if outcome is None:
            raise _Answer("Authentication failed.")
        self.account = outcome
        self.scripts = self.context.store.sieve_scripts(outcome.id)
        return ms.response("OK", "Authenticated.")

    async def converse(self, challenge: bytes) -> bytes:
        await self.send(ms.string(challenge) + b"\r\n", redact=True)
        reply = await self.next_command(expect_name=False)
        if isinstance(reply, ms.BadCommand) or len(reply.arguments) != 1:
            return b"*"  # a broken response ends the exchange, as a cancel does
        return reply.arguments[0]

    async def unauthenticate(self) -> bytes:
        """RFC 5804 §2.14."""
        if self.account is None:
            raise _Answer("Not authenticated.")
        self.account = self.scripts = None
        return ms.response("OK", "Unauthenticate completed.")

    async def noop(self, tag: bytes | None = None) -> bytes:
        """RFC 5804 §2.11: the tag comes back in a TAG response code."""
        code = None if tag is None else "TAG " + ms.string(tag).decode("utf-8", "replace")
        return ms.response("OK", "Done.", code)

    async def havespace(self, name: bytes, size: bytes) -> bytes:
        """RFC 5804 §2.5: whether a script of this size would fit."""
        quota = self.context.config.sieve
        if not size.isdigit() or len(size) > 10:
            raise _Answer("The size is not a number.")
        if int(size) > quota.max_script_size:
            raise _Answer(f"At most {quota.max_script_size} octets.", "QUOTA/MAXSIZE")
        names = {script.name for script in await self._scripts().list()}
        if _text(name) not in names and len(names) >= quota.max_scripts:
            raise _Answer(f"At most {quota.max_scripts} scripts.", "QUOTA/MAXSCRIPTS")
        return ms.response("OK", "Putscript would succeed.")

    async def putscript(self, name: bytes, script: bytes) -> bytes:
        text = self._checked(script)
        await self._scripts().put(_text(name), text, self.context.config.sieve)
        return ms.response("OK", "Putscript completed.")

    async def checkscript(self, script: bytes) -> bytes:
        self._checked(script)
        return ms.response("OK", "Script is valid.")

    async def listscripts(self) -> bytes:
        listing = await self._scripts().list()
        lines = b"".join(ms.script_line(s.name, s.active) for s in listing)
        return lines + ms.response("OK", "Listscripts completed.")

    async def setactive(self, name: bytes) -> bytes:
        """RFC 5804 §2.8: the empty name leaves no script active."""
        await self._scripts().activate(_text(name) or None)
        return ms.response("OK", "Setactive completed.")

    async def getscript(self, name: bytes) -> bytes:
        text = await self._scripts().get(_text(name))
        if text is None:
            raise _Answer("There is no such script.", "NONEXISTENT")
        data = text.encode()
        return b"{%d}\r\n" % len(data) + data + b"\r\n" + ms.response("OK", "Getscript completed.")

    async def deletescript(self, name: bytes) -> bytes:
        await self._scripts().delete(_text(name))
        return ms.response("OK", "Deletescript completed.")

    async def renamescript(self, old: bytes, new: bytes) -> bytes:
        await self._scripts().rename(_text(old), _text(new))
        return ms.response("OK", "Renamescript completed.")

    def _scripts(self) -> SieveScripts:
        assert self.scripts is not None
        return self.scripts

    def _checked(self, script: bytes) -> str:
        """The script's text if it is UTF-8 and valid; else NO with the line and column."""
        try:
            text = script.decode()
        except UnicodeDecodeError:
            raise _Answer("The script is not UTF-8 (RFC 5228 §2.2).") from None
        try:
            compile_script(text, self.context.config.sieve.max_script_size)
        except SieveError as error:
            raise _Answer(str(error)) from None
        return text


def _refusal(error: StoreError, command: str) -> bytes:
    if type(error) not in _REFUSALS:
        log.exception("ManageSieve: the store failed %s", command)
        return ms.response("NO", "The store failed.", "TRYLATER")
    code, text = _REFUSALS[type(error)]
    return ms.response("NO", text or str(error), code or None)


def _text(name: bytes) -> str:
    try:
        return name.decode()
    except UnicodeDecodeError:
        raise _Answer("A script name is UTF-8.") from None


Handler = Callable[..., Awaitable[bytes]]
#: name -> (method, fewest arguments, most, whether it needs a login)
_COMMANDS: dict[str, tuple[Handler, int, int, bool]] = {
    "CAPABILITY": (_Session.capability, 0, 0, False),
    "STARTTLS": (_Session.starttls, 0, 0, False),
    "AUTHENTICATE": (_Session.authenticate, 1, 2, False),
    "UNAUTHENTICATE": (_Session.unauthenticate, 0, 0, False),
    "NOOP": (_Session.noop, 0, 1, False),
    "HAVESPACE": (_Session.havespace, 2, 2, True),
    "PUTSCRIPT": (_Session.putscript, 2, 2, True),
    "CHECKSCRIPT": (_Session.checkscript, 1, 1, True),
    "LISTSCRIPTS": (_Session.listscripts, 0, 0, True),
    "SETACTIVE": (_Session.setactive, 1, 1, True),
    "GETSCRIPT": (_Session.getscript, 1, 1, True),
    "DELETESCRIPT": (_Session.deletescript, 1, 1, True),
    "RENAMESCRIPT": (_Session.renamescript, 2, 2, True),
}


async def serve_managesieve(context: ServiceContext, connection: Connection) -> None:
    """Run one ManageSieve session (RFC 5804) on an accepted connection."""
    reader = ms.CommandReader(context.config.sieve.max_script_size)
    await _Session(context, connection, reader).run()
