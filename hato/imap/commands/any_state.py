"""Commands of any state (RFC 3501 §6.1) and their extensions: CAPABILITY, NOOP,
LOGOUT, ID (RFC 2971), ENABLE (RFC 5161), NAMESPACE (RFC 2342), CHECK (§6.4.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import hato
from hato.imap.condstore import enable_condstore, enable_qresync
from hato.imap.reply import Reply
from hato.proto import imap as c
from hato.proto.imap import Outcome, State, Utf8Mode, capability_response, untagged, untagged_status

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__: list[str] = []


async def capability(session: ImapSession, cmd: c.Capability) -> Reply:
    """RFC 3501 §6.1.1; Dovecot's texts before and after login."""
    session.send(capability_response(session.capabilities()))
    if session.state is State.NOT_AUTHENTICATED:
        session.capability_asked = True
        return Reply("Pre-login capabilities listed, post-login capabilities have more.")
    return Reply("Capability completed.")


async def noop(session: ImapSession, cmd: c.Noop) -> Reply:
    """RFC 3501 §6.1.2: the dispatcher adds the untagged updates."""
    return Reply("NOOP completed.")


async def check(session: ImapSession, cmd: c.Check) -> Reply:
    """RFC 3501 §6.4.1: every change is durable when committed; nothing to do."""
    return Reply("Check completed.")


async def logout(session: ImapSession, cmd: c.Logout) -> Reply:
    """RFC 3501 §6.1.3: `* BYE` first, then the tagged OK, then the server closes."""
    session.send(untagged_status("BYE", "Logging out"))
    return Reply("Logout completed.", outcome=Outcome.LOGGED_OUT)


async def ident(session: ImapSession, cmd: c.Id) -> Reply:
    """RFC 2971 §3.1: the server's own identification."""
    fields = ["name", "hato", "version", hato.__version__, "vendor", "hato"]
    session.send(untagged(c.Atom("ID"), fields))
    return Reply("ID completed.")


async def enable(session: ImapSession, cmd: c.Enable) -> Reply:
    """RFC 5161 §3.1: CONDSTORE and QRESYNC (RFC 7162 §3.1, §3.2.3; QRESYNC implies
    CONDSTORE), UTF8=ACCEPT (RFC 6855 §3) and IMAP4rev2 (RFC 9051 Appendix A, whose
    mailbox names are UTF-8, §5.1) are the enable-able ones; as Dovecot, `* ENABLED`
    lists each of them asked for, and is left out when none was."""
    enabled: list[str] = []
    for name in cmd.capabilities:
        if name == "CONDSTORE":
            enable_condstore(session)
        elif name == "QRESYNC":
            enable_qresync(session)
        elif name == "UTF8=ACCEPT":
            session.enable_utf8(Utf8Mode.ACCEPT)
        elif name == "IMAP4REV2":
            session.enable_rev2()
            name = "IMAP4rev2"
        else:
            continue
        if name not in enabled:
            enabled.append(name)
    if enabled:
        session.send(untagged(c.Atom("ENABLED"), *map(c.Atom, enabled)))  # RFC 5161 §4
    return Reply("Enabled.")


async def namespace(session: ImapSession, cmd: c.Namespace) -> Reply:
    """RFC 2342 §5: one personal namespace, "" with "." as separator."""
    session.send(untagged(c.Atom("NAMESPACE"), [["", "."]], None, None))
    return Reply("Namespace completed.")
