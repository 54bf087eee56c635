"""hato.imap: the IMAP4rev1 server session above the sans-IO core (RFC 3501).

``hato.proto.imap`` turns bytes into commands and answers into bytes; this
package runs the commands against one account's store: the session state, the
selected mailbox's view (sequence numbers over UIDs, RFC 3501 §2.3.1.2), and
one handler module per group of commands, named in the command table the server
builds at start (``hato.imap.commands.table.command_table``).
``hato.server.imap`` is the thin asyncio adapter that gives it a connection.
"""

from hato.imap.context import ImapContext, Transport
from hato.imap.registry import CommandTable
from hato.imap.session import ImapSession

__all__ = ["CommandTable", "ImapContext", "ImapSession", "Transport"]
