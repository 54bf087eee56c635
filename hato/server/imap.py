"""The IMAP adapter: an accepted connection, given to an IMAP session (hato.imap).

IMAP (143, STARTTLS) and IMAPS (993, implicit TLS) share this entry point;
the listener has already wrapped IMAPS in TLS.  All protocol logic lives in
hato.imap (session and handlers) and hato.proto.imap (the sans-IO core).
"""

from __future__ import annotations

from functools import partial

from hato.imap import CommandTable, ImapContext, ImapSession
from hato.server.context import ServiceContext
from hato.server.listener import Connection
from hato.session.spool import TempSpool

__all__ = ["serve_imap"]

#: Dovecot's imap_max_line_length; UID sets of big mailboxes make long lines.
MIN_LINE = 64 * 1024


def imap_context(context: ServiceContext, commands: CommandTable) -> ImapContext:
    config = context.config
    return ImapContext(
        store=context.store,
        authenticator=context.authenticator,
        commands=commands,
        hostname=config.hostname,
        classroom=config.classroom,
        max_literal=config.limits.message_size,
        max_line=max(config.limits.line_length, MIN_LINE),
        max_commands=config.limits.commands_per_connection,
        spool=partial(TempSpool, config.data_dir),
        append_budget=context.append_budget,
    )


async def serve_imap(
    commands: CommandTable, context: ServiceContext, connection: Connection
) -> None:
    """Run one IMAP session (RFC 3501) on an accepted connection."""
    await ImapSession(connection, imap_context(context, commands)).run()
