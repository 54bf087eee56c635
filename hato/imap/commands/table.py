"""The table that names every command handler, with the capabilities they implement.

`command_table` is called once when the server starts; it lists every command
the sessions run and the capabilities those handlers implement (RFC 3501 §7.2.1:
a server lists what it does).  No handler module registers anything when it is
imported.
"""

from __future__ import annotations

from hato.imap import capabilities
from hato.imap.commands import (
    any_state,
    append,
    auth,
    compress,
    fetch,
    idle,
    listing,
    mailboxes,
    metadata,
    multisearch,
    notify,
    quota,
    search,
    select,
    sort,
    store,
    thread,
    urlauth,
)
from hato.imap.registry import CommandTable, Handler
from hato.proto import imap as c

__all__ = ["command_table"]

#: Capabilities beyond the base set, each implemented by the handlers named beside it.
_EXTENSIONS = (
    "LITERAL+",  # the core's reader (RFC 7888)
    "MULTIAPPEND", "UIDPLUS",  # append, store (RFC 3502, RFC 4315)
    "UNSELECT",  # select.unselect (RFC 3691)
    "CHILDREN", "LIST-EXTENDED",  # listing (RFC 3348, RFC 5258)
    "LIST-STATUS", "SPECIAL-USE",  # listing (RFC 5819, RFC 6154)
    "NAMESPACE",  # any_state.namespace (RFC 2342)
    "MOVE",  # store.move (RFC 6851)
    "BINARY",  # fetch via hato.imap.fetch_items, append's literal8 (RFC 3516)
    "UNAUTHENTICATE",  # auth.unauthenticate (RFC 8437)
    "PREVIEW",  # fetch, from the snippet kept at delivery (RFC 8970)
    "SNIPPET=FUZZY", "PREVIEW=FUZZY",  # the same, in the drafts' (FUZZY text) form
    "SAVEDATE",  # fetch and search, the store's save dates (RFC 8514)
    "REPLACE",  # append.replace (RFC 8508)
    "CATENATE", "URL-PARTIAL",  # append via hato.imap.catenate (RFC 4469, RFC 5550)
    "URLAUTH",  # urlauth, via hato.session.urlauth (RFC 4467)
    "URLAUTH=BINARY",  # urlauth.urlfetch's extended form, hato.mime.decoded_entity (RFC 5524)
    "METADATA",  # metadata, the store's annotations (RFC 5464)
    "NOTIFY",  # notify via hato.imap.notify, on the store's notifier (RFC 5465)
    "MULTISEARCH",  # multisearch, NOTIFY's filters and search_eval (RFC 7377)
    "OBJECTID",  # select, mailboxes, fetch, search via hato.imap.objectid (RFC 8474)
    "STATUS=SIZE",  # mailboxes.status (RFC 8438)
    "SORT", "SORT=DISPLAY",  # sort (RFC 5256, RFC 5957)
    "THREAD=REFERENCES", "THREAD=REFS", "THREAD=ORDEREDSUBJECT",  # thread (RFC 5256)
    "CONDSTORE", "QRESYNC",  # select, fetch, store (RFC 7162)
    "ESEARCH", "SEARCHRES", "WITHIN",  # search (RFC 4731, RFC 5182, RFC 5032)
    "I18NLEVEL=1",  # search's comparator (RFC 5255)
    "CONTEXT=SEARCH", "ESORT", "CONTEXT=SORT",  # search, sort via hato.imap.esearch (RFC 5267)
    "COMPRESS=DEFLATE",  # compress, over the connection's DEFLATE streams (RFC 4978)
    "QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE",  # quota, the store's (RFC 9208)
    "UTF8=ACCEPT",  # any_state.enable, the core's names and APPEND (RFC 6855)
    "IMAP4rev2",  # any_state.enable; select, search, listing, the view (RFC 9051)
)  # fmt: skip


#: Not announced in classroom mode, where every answer is the lecture's (Dovecot 2.3's):
#: OBJECTID adds a MAILBOXID line to SELECT and a code to CREATE's OK (RFC 8474 §4).
_NOT_IN_CLASS = ("OBJECTID",)


def command_table(classroom: bool = False) -> CommandTable:
    """Every command the IMAP sessions of one server run, and what they announce."""
    handlers = {
        c.Capability: Handler(any_state.capability),
        c.Noop: Handler(any_state.noop),
        c.Check: Handler(any_state.check),
        c.Logout: Handler(any_state.logout, updates=False),
        c.Id: Handler(any_state.ident),
        c.Enable: Handler(any_state.enable),
        c.Namespace: Handler(any_state.namespace),
        c.StartTLS: Handler(auth.starttls),
        c.Login: Handler(auth.login),
        c.Authenticate: Handler(auth.authenticate),
        c.Unauthenticate: Handler(auth.unauthenticate, updates=False),
        c.Compress: Handler(compress.compress, updates=False),
        c.GetQuota: Handler(quota.getquota),
        c.GetQuotaRoot: Handler(quota.getquotaroot),
        c.SetQuota: Handler(quota.setquota),
        c.GetMetadata: Handler(metadata.getmetadata),
        c.SetMetadata: Handler(metadata.setmetadata),
        c.Notify: Handler(notify.notify),
        c.GenUrlAuth: Handler(urlauth.genurlauth),
        c.ResetKey: Handler(urlauth.resetkey),
        c.UrlFetch: Handler(urlauth.urlfetch),
        c.MultiSearch: Handler(multisearch.esearch, expunges=False),
        c.Select: Handler(select.select, updates=False),
        c.Examine: Handler(select.select, updates=False),
        c.Expunge: Handler(select.expunge),
        c.Close: Handler(select.close, updates=False),
        c.Unselect: Handler(select.unselect, updates=False),
        c.Create: Handler(mailboxes.create),
        c.Delete: Handler(mailboxes.delete),
        c.Rename: Handler(mailboxes.rename),
        c.Subscribe: Handler(mailboxes.subscribe),
        c.Unsubscribe: Handler(mailboxes.unsubscribe),
        c.Status: Handler(mailboxes.status),
        c.List: Handler(listing.list_mailboxes),
        c.Lsub: Handler(listing.lsub),
        c.Append: Handler(append.append),
        c.Replace: Handler(append.replace),
        c.Idle: Handler(idle.idle, updates=False),
        c.Fetch: Handler(fetch.fetch, expunges=False),
        c.Store: Handler(store.store, expunges=False),
        c.Copy: Handler(store.copy),
        c.Move: Handler(store.move),
        c.Search: Handler(search.search, expunges=False),
        c.CancelUpdate: Handler(search.cancel_update),
        c.Sort: Handler(sort.sort, expunges=False),
        c.Thread: Handler(thread.thread, expunges=False),
    }
    extensions = [e for e in _EXTENSIONS if not (classroom and e in _NOT_IN_CLASS)]
    return CommandTable(handlers, capabilities.in_order(extensions))
