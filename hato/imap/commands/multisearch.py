"""MULTISEARCH (RFC 7377): ESEARCH IN (filters) searches several mailboxes at once.

The sources are NOTIFY's mailbox filters (RFC 5465 §6, hato.imap.notify.takes) and
SUBTREE-ONE; without IN, the selected mailbox. Each mailbox is searched as UID SEARCH
searches the selected one (hato.imap.search_eval), over a read-only view that claims no
\\Recent; each answers one ESEARCH line with its name and UIDVALIDITY in the
correlator (§2.1), in the account's name order, and UIDs always; with a MODSEQ search
key, the highest MODSEQ of what it returns (RFC 7162 §3.1.5, as ESEARCH does). At most
``MAX_SEARCHED`` mailboxes a command (``NO [LIMIT]``). Names the account does not have
match nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hato.imap.commands.search import check_charset
from hato.imap.condstore import enable_condstore, highest_modseq, uses_modseq
from hato.imap.esearch import return_data, returned_pairs
from hato.imap.notify import takes
from hato.imap.reply import ImapError, Reply, bad, no
from hato.imap.search_eval import evaluate
from hato.imap.view import open_view
from hato.proto import imap as c
from hato.proto.imap import SearchReturn, esearch_response
from hato.store import Mailbox

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["MAX_SEARCHED", "esearch"]

MAX_SEARCHED = 100
_ALL = SearchReturn(frozenset({"ALL"}))


async def esearch(session: ImapSession, cmd: c.MultiSearch) -> Reply:
    check_charset(cmd.search.charset)
    returning = cmd.search.returning or _ALL
    if "ALL" in returning.options and returning.partial is not None:
        raise bad("PARTIAL conflicts with ALL")  # RFC 5267 §4.4
    modseq_asked = uses_modseq(cmd.search.criteria)
    if modseq_asked:
        enable_condstore(session)  # RFC 7162 §3.1: a MODSEQ search key enables CONDSTORE
    for mailbox in await _sources(session, cmd):
        view = session.view if _selected(session, mailbox) else None
        opened = view is None
        if view is None:
            try:
                view = await open_view(
                    session.context.store, session.mailstore, mailbox.name, read_only=True,
                    recent=False,
                )  # fmt: skip
            except ImapError:  # deleted since it was listed: nothing in it to find
                continue
        try:
            found = await evaluate(session.mailstore, view, cmd.search.criteria)
            chosen = returned_pairs(returning.options, returning, found)
            modseq = highest_modseq(view, (uid for _, uid in chosen)) if modseq_asked else 0
        finally:
            if opened:
                view.close()
        data = return_data(returning.options, returning, [uid for _, uid in found], modseq)
        source = (session.mailbox_value(mailbox.name), mailbox.uidvalidity)
        session.send(esearch_response(cmd.tag, True, data, source))
    return Reply("Search completed.")


def _selected(session: ImapSession, mailbox: Mailbox) -> bool:
    return session.view is not None and session.view.id == mailbox.id


async def _sources(session: ImapSession, cmd: c.MultiSearch) -> list[Mailbox]:
    """The account's mailboxes the filters take, in name order."""
    mailboxes = await session.mailstore.list_mailboxes()
    if cmd.sources is None:
        if session.view is None:
            raise bad("No mailbox selected and no IN given.")
        return [m for m in mailboxes if _selected(session, m)]
    chosen = [
        mailbox
        for mailbox in mailboxes
        if any(
            _selected(session, mailbox)
            if group.selected
            else takes(group, mailbox.name, mailbox.subscribed)
            for group in cmd.sources
        )
    ]
    if len(chosen) > MAX_SEARCHED:
        raise no(f"Too many mailboxes to search (at most {MAX_SEARCHED}).", "LIMIT")
    return chosen
