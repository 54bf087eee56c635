"""The command handlers, one module per group; importing them fills `REGISTRY`."""

from hato.imap.commands import (  # noqa: F401 - imported for their registrations
    any_state,
    append,
    auth,
    fetch,
    idle,
    listing,
    mailboxes,
    search,
    select,
    sort,
    store,
    thread,
)
from hato.imap.registry import REGISTRY

__all__ = ["REGISTRY"]
