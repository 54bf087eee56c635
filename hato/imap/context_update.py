"""CONTEXT=SEARCH / CONTEXT=SORT updates (RFC 5267 §4): not implemented yet.

``pending_updates`` runs where the session sends its untagged updates; it
drains the view's ``touched``/``vanished`` UIDs and answers ADDTO/REMOVEFROM
for every search or sort the client asked to keep up to date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hato.imap.session import ImapSession

__all__ = ["pending_updates"]


async def pending_updates(session: ImapSession) -> list[bytes]:
    """ESEARCH ADDTO/REMOVEFROM lines for the changes since the last call."""
    view = session.view
    if view is not None:
        view.touched.clear()
        view.vanished.clear()
    return []
