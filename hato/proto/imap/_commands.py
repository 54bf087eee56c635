"""The parsed commands: one frozen, slotted dataclass per command (RFC 3501 §6).

Mailbox names arrive decoded from modified UTF-7, or from UTF-8 once the session
enabled UTF8=ACCEPT (RFC 6855 §3), with INBOX in upper case (RFC 3501 §5.1).
Strings the server only compares (passwords, search values) are `str` decoded from UTF-8; raw SASL
data stays `bytes`.  FETCH and SEARCH have their own modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ._seqset import SequenceSet
from ._spool import SpooledLiteral

__all__ = [
    "Append", "AppendMessage", "Authenticate", "CancelUpdate", "Capability",
    "Check", "Close", "Command", "Compress", "Copy", "Create", "Delete",
    "Enable", "Examine", "Expunge", "GetQuota", "GetQuotaRoot", "Id", "Idle", "List",
    "Login", "Logout", "Lsub", "Move", "Namespace", "Noop", "QResync", "Rename", "Replace",
    "Select", "SetQuota",
    "StartTLS", "Status", "Store", "Subscribe", "Unauthenticate", "Unselect", "Unsubscribe",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Command:
    """Every command starts with its tag (RFC 3501 §2.2.1)."""

    tag: str
    NAME: ClassVar[str] = ""

    @property
    def name(self) -> str:
        """The command name as Dovecot prints it in errors, e.g. "UID FETCH"."""
        return self.NAME


@dataclass(frozen=True, slots=True)
class Capability(Command):
    NAME: ClassVar[str] = "CAPABILITY"


@dataclass(frozen=True, slots=True)
class Noop(Command):
    NAME: ClassVar[str] = "NOOP"


@dataclass(frozen=True, slots=True)
class Logout(Command):
    NAME: ClassVar[str] = "LOGOUT"


@dataclass(frozen=True, slots=True)
class StartTLS(Command):
    NAME: ClassVar[str] = "STARTTLS"


@dataclass(frozen=True, slots=True)
class Compress(Command):
    """RFC 4978 §3: ``compress = "COMPRESS" SP algorithm``; the name as given."""

    mechanism: str
    NAME: ClassVar[str] = "COMPRESS"


@dataclass(frozen=True, slots=True)
class Authenticate(Command):
    """RFC 3501 §6.2.2; `initial_response` per SASL-IR (RFC 4959), still base64.

    None: no initial response; b"=": an empty one.
    """

    mechanism: str
    initial_response: bytes | None = None
    NAME: ClassVar[str] = "AUTHENTICATE"


@dataclass(frozen=True, slots=True)
class Login(Command):
    username: str
    password: str
    NAME: ClassVar[str] = "LOGIN"


@dataclass(frozen=True, slots=True)
class QResync:
    """SELECT ... (QRESYNC (uidvalidity modseq [known-uids [seq-match]])), RFC 7162 §3.2.5."""

    uidvalidity: int
    modseq: int
    known_uids: SequenceSet | None = None
    known_sequences: SequenceSet | None = None
    known_sequence_uids: SequenceSet | None = None


@dataclass(frozen=True, slots=True)
class Select(Command):
    mailbox: str
    condstore: bool = False
    qresync: QResync | None = None
    NAME: ClassVar[str] = "SELECT"
    READ_ONLY: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class Examine(Select):
    NAME: ClassVar[str] = "EXAMINE"
    READ_ONLY: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Create(Command):
    """`special_use` from CREATE ... (USE (\\Drafts)), RFC 6154 §3."""

    mailbox: str
    special_use: tuple[str, ...] = ()
    NAME: ClassVar[str] = "CREATE"


@dataclass(frozen=True, slots=True)
class Delete(Command):
    mailbox: str
    NAME: ClassVar[str] = "DELETE"


@dataclass(frozen=True, slots=True)
class Rename(Command):
    mailbox: str
    new_name: str
    NAME: ClassVar[str] = "RENAME"


@dataclass(frozen=True, slots=True)
class Subscribe(Command):
    mailbox: str
    NAME: ClassVar[str] = "SUBSCRIBE"


@dataclass(frozen=True, slots=True)
class Unsubscribe(Command):
    mailbox: str
    NAME: ClassVar[str] = "UNSUBSCRIBE"


@dataclass(frozen=True, slots=True)
class List(Command):
    """LIST with LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), SPECIAL-USE.

    `selection` and `return_options` hold upper-case option names;
    `status_items` is set for RETURN (STATUS (...)).  `extended` is true when
    the client used any extended syntax (then e.g. CHILDREN is implied only
    if asked for, RFC 5258 §3).  Patterns whose mUTF-7 is invalid are kept
    as written (they simply match nothing).
    """

    reference: str
    patterns: tuple[str, ...]
    selection: frozenset[str] = frozenset()
    return_options: frozenset[str] = frozenset()
    status_items: tuple[str, ...] | None = None
    extended: bool = False
    NAME: ClassVar[str] = "LIST"


@dataclass(frozen=True, slots=True)
class Lsub(Command):
    reference: str
    pattern: str
    NAME: ClassVar[str] = "LSUB"


@dataclass(frozen=True, slots=True)
class Status(Command):
    """`items` upper-case: MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE HIGHESTMODSEQ ..."""

    mailbox: str
    items: tuple[str, ...]
    NAME: ClassVar[str] = "STATUS"


@dataclass(frozen=True, slots=True)
class CatenateText:
    """CATENATE's ``TEXT`` part (RFC 4469 §5): a literal, or a literal8 (RFC 3516 §4.4)."""

    data: bytes | SpooledLiteral
    binary: bool = False


@dataclass(frozen=True, slots=True)
class CatenateUrl:
    """CATENATE's ``URL`` part (RFC 4469 §5): an IMAP URL (RFC 5092), resolved by the
    server (``hato.proto.imap.parse_imap_url``)."""

    url: str


@dataclass(frozen=True, slots=True)
class AppendMessage:
    """One message of a (MULTI)APPEND: RFC 3501 §6.3.11, RFC 3502, RFC 3516 (literal8);
    `utf8` for RFC 6855 §4's ``UTF8 (literal8)``, a message with UTF-8 headers.

    A large message arrives as a `SpooledLiteral` (hato.proto.imap._spool)."""

    flags: tuple[str, ...]
    date_time: datetime | None
    data: bytes | SpooledLiteral
    binary: bool = False
    utf8: bool = False
    # CATENATE (RFC 4469): the parts the message is made of, instead of ``data``
    catenate: tuple[CatenateText | CatenateUrl, ...] | None = None


@dataclass(frozen=True, slots=True)
class Append(Command):
    mailbox: str
    messages: tuple[AppendMessage, ...]
    NAME: ClassVar[str] = "APPEND"


@dataclass(frozen=True, slots=True)
class Check(Command):
    NAME: ClassVar[str] = "CHECK"


@dataclass(frozen=True, slots=True)
class Close(Command):
    NAME: ClassVar[str] = "CLOSE"


@dataclass(frozen=True, slots=True)
class Unselect(Command):
    NAME: ClassVar[str] = "UNSELECT"


@dataclass(frozen=True, slots=True)
class Unauthenticate(Command):
    """UNAUTHENTICATE (RFC 8437 §3): back to the not authenticated state."""

    NAME: ClassVar[str] = "UNAUTHENTICATE"


@dataclass(frozen=True, slots=True)
class Expunge(Command):
    """EXPUNGE, or UID EXPUNGE uid-set (RFC 4315 §2.1) when `uids` is set."""

    uids: SequenceSet | None = None
    NAME: ClassVar[str] = "EXPUNGE"

    @property
    def name(self) -> str:
        return "UID EXPUNGE" if self.uids is not None else "EXPUNGE"


@dataclass(frozen=True, slots=True)
class Store(Command):
    """STORE (RFC 3501 §6.4.6), UNCHANGEDSINCE (RFC 7162 §3.1.3).

    `mode` is "replace", "add" or "remove"; system flags are capitalised
    ("\\Seen"), keywords kept as sent.
    """

    sequence_set: SequenceSet
    mode: str
    flags: tuple[str, ...]
    silent: bool = False
    unchangedsince: int | None = None
    uid: bool = False
    NAME: ClassVar[str] = "STORE"

    @property
    def name(self) -> str:
        return f"UID {self.NAME}" if self.uid else self.NAME


@dataclass(frozen=True, slots=True)
class Copy(Command):
    sequence_set: SequenceSet
    mailbox: str
    uid: bool = False
    NAME: ClassVar[str] = "COPY"

    @property
    def name(self) -> str:
        return f"UID {self.NAME}" if self.uid else self.NAME


@dataclass(frozen=True, slots=True)
class Replace(Command):
    """REPLACE / UID REPLACE (RFC 8508 §3): `message` appended to `mailbox`, then the
    message `number` (a sequence number, or a UID for UID REPLACE; None for "*") of the
    selected mailbox expunged."""

    number: int | None
    mailbox: str
    message: AppendMessage
    uid: bool = False
    NAME: ClassVar[str] = "REPLACE"

    @property
    def name(self) -> str:
        return f"UID {self.NAME}" if self.uid else self.NAME


@dataclass(frozen=True, slots=True)
class Move(Command):
    """MOVE (RFC 6851 §3.1): the same arguments as COPY (not a subclass of it)."""

    sequence_set: SequenceSet
    mailbox: str
    uid: bool = False
    NAME: ClassVar[str] = "MOVE"

    @property
    def name(self) -> str:
        return f"UID {self.NAME}" if self.uid else self.NAME


@dataclass(frozen=True, slots=True)
class Idle(Command):
    NAME: ClassVar[str] = "IDLE"


@dataclass(frozen=True, slots=True)
class Enable(Command):
    """ENABLE (RFC 5161 §3.1); capability names upper-cased."""

    capabilities: tuple[str, ...]
    NAME: ClassVar[str] = "ENABLE"


@dataclass(frozen=True, slots=True)
class Id(Command):
    """ID (RFC 2971 §3.1): None for NIL, else (field, value-or-None) pairs."""

    parameters: tuple[tuple[str, str | None], ...] | None
    NAME: ClassVar[str] = "ID"


@dataclass(frozen=True, slots=True)
class Namespace(Command):
    NAME: ClassVar[str] = "NAMESPACE"


@dataclass(frozen=True, slots=True)
class CancelUpdate(Command):
    """CANCELUPDATE (RFC 5267 §4.2): the tags of the SEARCH/SORT UPDATEs to end."""

    tags: tuple[str, ...]
    NAME: ClassVar[str] = "CANCELUPDATE"


@dataclass(frozen=True, slots=True)
class GetQuota(Command):
    """RFC 9208 §4.1.1: ``getquota = "GETQUOTA" SP quota-root-name``."""

    root: str
    NAME: ClassVar[str] = "GETQUOTA"


@dataclass(frozen=True, slots=True)
class GetQuotaRoot(Command):
    """RFC 9208 §4.1.2: ``getquotaroot = "GETQUOTAROOT" SP mailbox``."""

    mailbox: str
    NAME: ClassVar[str] = "GETQUOTAROOT"


@dataclass(frozen=True, slots=True)
class SetQuota(Command):
    """RFC 9208 §4.1.3: ``setquota = "SETQUOTA" SP quota-root-name SP setquota-list``;
    ``limits`` are (resource name, limit) pairs."""

    root: str
    limits: tuple[tuple[str, int], ...]
    NAME: ClassVar[str] = "SETQUOTA"
