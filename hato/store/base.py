"""The one storage interface, and the values that cross it.

Protocol code (POP3, IMAP, SMTP delivery) sees only these types. The embedded
SQLite backend and the PostgreSQL backend implement the same Protocols and run
the same test suite (tests/store/).

Two levels of access keep the account-isolation invariant of docs/architecture.md (no
request touches another account's data) structural rather than a matter of care:

- ``Store`` is the administrative view: accounts and delivery to many accounts.
  Its parts are small Protocols of their own (``AccountStore``, ``DeliveryStore``,
  ``MailboxStore``, ``QueueStore``, ``AliasStore``) for code that needs one of them.
- ``Mailstore`` is one account's view, handed out after authentication; every
  call on it is scoped to that account in SQL, and mailboxes are looked up by
  name, never by a path or a client-supplied id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from hato.mime import COLUMN_OF, HeaderColumns, IndexedText
from hato.store.notify import Notifier

if TYPE_CHECKING:
    from hato.store.directory import Directory
    from hato.store.scripts import SieveScripts

__all__ = [
    "HEADER_COLUMN_NAMES",
    "MESSAGE_KEYS",
    "SYSTEM_FLAGS",
    "UNLIMITED",
    "Account",
    "AccountExists",
    "AccountStore",
    "AccountUsage",
    "AliasStore",
    "Assignment",
    "AssignmentStore",
    "ClassMember",
    "ClassroomStore",
    "Committed",
    "ConditionalStore",
    "Credentials",
    "Delivery",
    "DeliveryStore",
    "DirectoryStore",
    "FlagMode",
    "IndexStats",
    "KeptUidMessage",
    "LabSession",
    "ListedMessage",
    "Mailbox",
    "MailboxChanges",
    "MailboxError",
    "MailboxExists",
    "MailboxStore",
    "Mailstore",
    "MessageDetails",
    "MessageMeta",
    "MessageSummary",
    "NewMessage",
    "NoSuchMailbox",
    "Outbound",
    "OverQuota",
    "QueueEntry",
    "QueueStore",
    "QuotaLimits",
    "QuotaState",
    "ScramKeys",
    "Store",
    "StoreError",
    "StoreFigures",
    "StoreFull",
    "StoreUnavailable",
    "StoredMessage",
    "Submission",
    "TextIndexStore",
    "TextMatches",
    "UidValidityConflict",
    "UidsKept",
]

#: IMAP system flags (RFC 3501 §2.3.2) other than \Recent, which is per session.
SYSTEM_FLAGS: tuple[str, ...] = ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft")
INBOX = "INBOX"


@dataclass(frozen=True, slots=True)
class ScramKeys:
    """What the store keeps for SCRAM-SHA-256 (RFC 5802 §3), never the password."""

    salt: bytes
    iterations: int
    stored_key: bytes
    server_key: bytes


class StoreError(Exception):
    """Base class of the errors the store reports to protocol code."""


class AccountExists(StoreError):
    """An account of that name exists already."""


class MailboxError(StoreError):
    """A mailbox operation is not possible (e.g. deleting INBOX)."""


class MailboxExists(MailboxError):
    """A mailbox of that name exists already."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or failed: a temporary failure for the client.

    The exception's text is for the operator (it may name hosts and files);
    ``reason`` is what a client is told.
    """

    reason = "Temporary storage failure, try again later."


class StoreFull(StoreUnavailable):
    """The store's disk is full: RFC 3463's "mail system full" (X.3.1)."""

    reason = "Not enough disk space on the server, try again later."


class NoSuchMailbox(MailboxError):
    """No mailbox of that name in this account."""


class MetadataTooMany(StoreError):
    """Setting the annotations would pass the account's limit of ``limit`` (RFC 5464
    §4.3, ``[METADATA TOOMANY]``); nothing was changed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} annotations")
        self.limit = limit


class OverQuota(StoreError):
    """Adding the messages would take the account past a quota limit; nothing was added.

    ``resource`` is the RFC 9208 §5 resource whose limit stood in the way:
    ``STORAGE`` (octets) or ``MESSAGE`` (messages).
    """

    def __init__(self, resource: str) -> None:
        super().__init__(f"over quota: the account's {resource} limit would be passed")
        self.resource = resource


@dataclass(frozen=True, slots=True)
class QuotaLimits:
    """An account's quota (RFC 9208 §5: one quota root per account, over all its mailboxes).

    ``storage`` is in octets, ``messages`` a count.  As an account's own setting,
    ``None`` means "the configured default"; as limits in force (``over``), ``None``
    means no limit.  0 says "no limit" explicitly, overriding a default.
    """

    storage: int | None = None
    messages: int | None = None

    def over(self, default: QuotaLimits) -> QuotaLimits:
        """The limits in force: this setting where it has one, else ``default``; 0 is none."""
        storage = default.storage if self.storage is None else self.storage
        messages = default.messages if self.messages is None else self.messages
        return QuotaLimits(storage or None, messages or None)

    def refusal(self, storage: int, messages: int) -> str | None:
        """The resource a usage of ``storage`` octets and ``messages`` messages would pass."""
        if self.messages is not None and messages > self.messages:
            return "MESSAGE"
        if self.storage is not None and storage > self.storage:
            return "STORAGE"
        return None


#: No limits: the quota default where none is configured.
UNLIMITED = QuotaLimits()


@dataclass(frozen=True, slots=True)
class QuotaState:
    """One account's quota root as of the moment it was read: its own setting, the
    limits in force (the setting over the configured default) and the usage, from the
    mailboxes' counters (RFC 9208 §5.1 STORAGE in octets here, §5.2 MESSAGE)."""

    own: QuotaLimits
    limits: QuotaLimits
    storage: int
    messages: int

    def room_for(self, octets: int, messages: int = 1) -> bool:
        return self.limits.refusal(self.storage + octets, self.messages + messages) is None


class UidValidityConflict(MailboxError):
    """An import asked for a UIDVALIDITY that a mailbox holding mail does not have.

    Its UIDs were given under its own UIDVALIDITY: taking the other value would let
    a client that knows either one see UIDs that mean other messages.
    """

    def __init__(self, name: str, present: int, wanted: int) -> None:
        super().__init__(
            f"mailbox {name} exists with UIDVALIDITY {present} and holds or held mail; "
            f"the import's UIDVALIDITY is {wanted}"
        )
        self.name, self.present, self.wanted = name, present, wanted


@dataclass(frozen=True, slots=True)
class Credentials:
    """An account's secrets: argon2id hash, SCRAM keys, and the APOP secret if enabled.

    APOP (RFC 1939 §7) needs the shared secret itself, so ``apop_secret`` is
    the password in a recoverable form; it is ``None`` unless the account was
    created with ``--apop``.
    """

    password_hash: str
    scram: ScramKeys | None = None
    apop_secret: str | None = None


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    name: str
    credentials: Credentials
    created: int
    admin: bool = False  # may use the web console's administration pages


@dataclass(frozen=True, slots=True)
class AccountUsage:
    """An account and what its mailboxes hold (their counters), for the administrators,
    and its own quota setting (``QuotaLimits.over`` the default gives the limits)."""

    account: Account
    messages: int
    size: int
    own: QuotaLimits = QuotaLimits()


@dataclass(frozen=True, slots=True)
class ClassMember:
    """An account of the class, with what the roster said of its student."""

    account_id: int
    account: str  # the account's name
    student_id: str  # the roster's id, unique in the class
    name: str
    email: str  # "" when the roster gave none
    added: int  # when the account joined the class (seconds since the epoch)
    lab_since: float = 0.0  # when ``hato class reset`` last began its lab anew (0: never)


@dataclass(frozen=True, slots=True)
class LabSession:
    """A class member's closed session, as the teacher's pages keep it: its lines are
    (direction, text, time) with times in seconds since the epoch."""

    account: str
    label: str
    service: str
    peer: str
    tls: bool
    opened: float
    closed: float
    lines: tuple[tuple[str, str, float], ...]


@dataclass(frozen=True, slots=True)
class Assignment:
    """An address students send their work to, with its title and due time."""

    id: int
    address: str  # lower case
    title: str
    due: int  # seconds since the epoch
    reply: str  # the automatic reply: "off", "findings" (only when some) or "always"


@dataclass(frozen=True, slots=True)
class Submission:
    """One message a student sent to an assignment; its content apart (it may be large)."""

    id: int
    assignment_id: int
    account_id: int
    account: str  # the student's account name
    received: int
    subject: str
    findings: str  # the manners linter's findings, as JSON


@dataclass(frozen=True, slots=True)
class StoreFigures:
    """The whole store at a glance, for monitoring."""

    size: int  # bytes: the SQLite file (without its WAL), or the PostgreSQL database
    queue_recipients: int  # recipients still owed a delivery by the outbound queue


@dataclass(frozen=True, slots=True)
class Mailbox:
    """A mailbox and its counters, as of the moment it was read."""

    id: int
    name: str
    special_use: str | None
    subscribed: bool
    uidvalidity: int
    uidnext: int
    highestmodseq: int
    messages: int
    unseen: int
    size: int
    first_recent_uid: int


@dataclass(frozen=True, slots=True)
class MessageMeta:
    """What delivery learnt by parsing the message once: the cached structure and columns,
    and what a message list shows of it (``hato.mime.snippet``, the attachment count),
    and the searchable text for the full-text index (None: stored without it, searched
    as though there were no index until the indexer or ``hato index rebuild`` adds it).

    ``sha256`` is the digest of the very bytes parsed (empty: not worked out, the store
    does it): the key of the content-addressed body (hato.store.sql.blobs), worked out
    with the parse, off the store's writer thread, which would give the interpreter's
    lock up and wait to win it back for every body it hashed."""

    structure_json: str = "{}"
    columns: HeaderColumns = field(default_factory=HeaderColumns)
    snippet: str = ""
    attachments: int = 0
    text: IndexedText | None = None
    sha256: bytes = b""


@dataclass(frozen=True, slots=True)
class ListedMessage:
    """One line of a message list: the summary, the cached parse of the body (for its
    envelope), and the snippet and attachment count kept at delivery (None for a body
    stored before they were kept: the caller works them out from the message)."""

    summary: MessageSummary
    structure_json: str
    snippet: str | None
    attachments: int | None


@dataclass(frozen=True, slots=True)
class TextMatches:
    """The full-text index's answer for one case-mapped key in one mailbox (RFC 3501
    §6.4.4 BODY or TEXT): the UIDs whose stored text holds the key (for TEXT, in the
    body's own header or text), and those whose text it does not hold whole (stored
    before the index, or cut at its limit), which only reading the message can answer."""

    found: frozenset[int]
    unsure: frozenset[int]


@dataclass(frozen=True, slots=True)
class IndexStats:
    """The size of the full-text index (``hato index stats``): bodies stored, those
    indexed (``cut``: of them, indexed only in part), the octets of searchable text
    kept and of the index over it (the words it is built from, and the index proper),
    and whether the index makes trigrams of Japanese (if not, Japanese keys are found
    by scanning the stored text)."""

    bodies: int
    indexed: int
    cut: int
    text_octets: int
    index_octets: int
    japanese: bool


#: What ``Mailstore.header_columns`` may be asked for besides the stored header columns
#: (``HeaderColumns``' fields): two values every message row has.
MESSAGE_KEYS = ("internal_date", "size")
#: Every name ``Mailstore.header_columns`` accepts: a ``HeaderColumns`` field or a message key.
HEADER_COLUMN_NAMES = frozenset((*COLUMN_OF, *MESSAGE_KEYS))


@dataclass(frozen=True, slots=True)
class Delivery:
    """One copy of a message to place: which account and mailbox, and its own prefix.

    ``prefix`` holds the per-recipient trace headers (Return-Path, Delivered-To,
    Received) that go in front of the shared, content-addressed body.
    """

    account_id: int
    mailbox: str = INBOX
    prefix: bytes = b""
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class NewMessage:
    """One message for ``Mailstore.append_many`` (IMAP APPEND, RFC 3502 MULTIAPPEND).

    ``internal_tz`` is the zone of the client's date-time, in minutes east of UTC
    (RFC 3501 §2.3.3: INTERNALDATE is answered in it).
    """

    content: bytes
    meta: MessageMeta
    internal_date: int
    flags: frozenset[str] = frozenset()
    internal_tz: int = 0


@dataclass(frozen=True, slots=True)
class KeptUidMessage:
    """A message an import places at the UID another server gave it (``import_with_uids``)."""

    uid: int
    message: NewMessage


@dataclass(slots=True)
class UidsKept:
    """What ``import_with_uids`` did with each UID: ``imported``, ``present`` (that UID
    already holds the same bytes: an earlier run) or ``refused`` (uid, why)."""

    imported: list[int] = field(default_factory=list)
    present: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    account_id: int
    mailbox_id: int
    uid: int
    modseq: int
    size: int


@dataclass(frozen=True, slots=True)
class MessageSummary:
    """Per-message state that POP3 listings and IMAP sessions need, without the body."""

    uid: int
    modseq: int
    size: int
    flags: frozenset[str]
    internal_date: int


@dataclass(frozen=True, slots=True)
class MessageDetails:
    """What FETCH needs besides the body: the summary, the trace prefix, the cached parse.

    ``structure_json`` is ``hato.mime.MessageInfo.to_json()`` of the shared body;
    ``hato.mime.MessageInfo.from_json(structure_json, len(prefix))`` describes ``prefix +
    body``. ``envelope_imap`` and ``bodystructure_imap`` are the body's FETCH ENVELOPE and
    BODYSTRUCTURE as IMAP sends them, once a session kept them (``keep_imap_answers``).
    """

    summary: MessageSummary
    prefix: bytes
    structure_json: str
    envelope_imap: str | None = None
    bodystructure_imap: str | None = None


@dataclass(frozen=True, slots=True)
class MailboxChanges:
    """What changed in a mailbox after a MODSEQ (RFC 7162 §3.1): for IMAP sessions.

    ``changed`` holds every message added or whose flags changed, in UID order;
    ``expunged`` the UIDs removed since (from the tombstones).
    """

    highestmodseq: int
    uidnext: int
    changed: list[MessageSummary]
    expunged: list[int]


@dataclass(frozen=True, slots=True)
class ConditionalStore:
    """What STORE (UNCHANGEDSINCE n) did (RFC 7162 §3.1.3): ``changed`` as
    ``store_flags`` answers it; ``modified`` the UIDs left alone because their
    MODSEQ was above n (the tagged ``[MODIFIED ...]``)."""

    changed: list[MessageSummary]
    modified: list[int]


@dataclass(frozen=True, slots=True)
class Committed:
    """What ``deliver_and_queue`` committed: the queued message's id, if any, and the
    accounts whose copies were left out because they would pass the account's quota
    (RFC 9208 §5; the caller refuses or bounces them with 5.2.2, RFC 3463 §3.3)."""

    queue_id: int | None
    over_quota: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message for the outbound queue: its envelope and the bytes to send."""

    sender: str
    recipients: tuple[str, ...]
    content: bytes
    created: int


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One recipient of a queued message still to be delivered, and its retry state."""

    message_id: int
    sender: str
    recipient: str
    created: int
    attempts: int
    next_attempt: int
    last_error: str
    size: int


class FlagMode(Enum):
    """STORE's three ways of changing flags (RFC 3501 §6.4.6)."""

    REPLACE = "FLAGS"
    ADD = "+FLAGS"
    REMOVE = "-FLAGS"


class Mailstore(Protocol):
    """One account's mailboxes and messages."""

    account_id: int

    async def create_mailbox(
        self, name: str, special_use: str | None = None, subscribed: bool = False
    ) -> Mailbox: ...
    async def get_mailbox(self, name: str) -> Mailbox | None: ...
    async def list_mailboxes(self) -> list[Mailbox]: ...
    async def delete_mailbox(self, name: str) -> None: ...
    async def rename_mailbox(self, old: str, new: str) -> None: ...
    async def set_subscribed(self, name: str, subscribed: bool) -> None: ...
    async def subscriptions(self) -> list[str]: ...  # names, mailbox or not (RFC 3501 §6.3.6)
    async def append(
        self,
        mailbox: str,
        content: bytes,
        meta: MessageMeta,
        internal_date: int,
        flags: frozenset[str] = frozenset(),
    ) -> StoredMessage: ...
    async def messages(self, mailbox_id: int) -> list[MessageSummary]: ...
    async def listing(self, mailbox_id: int) -> list[tuple[int, int]]: ...
    # size: the message's size, when the caller knows it (a store may choose how to read by it)
    async def read_message(
        self, mailbox_id: int, uid: int, size: int | None = None
    ) -> bytes | None: ...
    async def store_flags(
        self, mailbox_id: int, uids: Sequence[int], flags: Iterable[str], mode: FlagMode
    ) -> list[MessageSummary]: ...
    async def store_flags_unchanged_since(
        self,
        mailbox_id: int,
        uids: Sequence[int],
        flags: Iterable[str],
        mode: FlagMode,
        unchangedsince: int,
    ) -> ConditionalStore: ...
    async def expunge(self, mailbox_id: int, uids: Sequence[int]) -> list[int]: ...
    async def expunged_since(self, mailbox_id: int, modseq: int) -> list[int]: ...
    async def message_details(
        self, mailbox_id: int, uids: Sequence[int]
    ) -> list[MessageDetails]: ...
    async def copy(
        self, mailbox_id: int, uids: Sequence[int], target: str
    ) -> list[tuple[int, int]]: ...
    async def move(
        self, mailbox_id: int, uids: Sequence[int], target: str
    ) -> list[tuple[int, int]]: ...
    async def claim_recent(self, mailbox_id: int) -> int: ...
    async def changes_since(self, mailbox_id: int, modseq: int) -> MailboxChanges: ...
    # size: the messages' total size, when the caller knows it
    async def read_messages(
        self, mailbox_id: int, uids: Sequence[int], size: int | None = None
    ) -> dict[int, bytes]: ...
    async def find_by_message_id(self, message_ids: Sequence[str]) -> list[bytes]: ...
    async def append_many(
        self, mailbox: str, messages: Sequence[NewMessage]
    ) -> list[StoredMessage]: ...
    async def internal_zones(self, mailbox_id: int, uids: Sequence[int]) -> dict[int, int]: ...
    # uid -> save date (RFC 8514), of ``uids`` or of every message of the mailbox
    async def save_dates(
        self, mailbox_id: int, uids: Sequence[int] | None = None
    ) -> dict[int, int]: ...
    # METADATA (RFC 5464): the server's annotations (None) or a mailbox's, entry -> value;
    # changes (None removes) applied all or none, MetadataTooMany past ``max_entries``
    async def metadata(self, mailbox_id: int | None) -> dict[str, bytes]: ...
    async def set_metadata(
        self, mailbox_id: int | None, changes: Mapping[str, bytes | None], max_entries: int
    ) -> None: ...
    # every annotation of the account: (None for the server, or a mailbox id, entry) -> value
    async def all_metadata(self) -> dict[tuple[int | None, str], bytes]: ...
    # URLAUTH (RFC 4467 §7): the mailbox's access key (made first if ``create``, else
    # None when it has none); RESETKEY forgets the mailbox's key, or all (None)
    async def urlauth_key(self, mailbox_id: int, create: bool) -> bytes | None: ...
    async def reset_urlauth_keys(self, mailbox_id: int | None) -> None: ...
    # uid -> SHA-256 of the message's content (trace prefix and body): the same for a copy
    async def digests(
        self, mailbox_id: int, uids: Sequence[int] | None = None
    ) -> dict[int, bytes]: ...
    # Moving from another server with its UIDs (hato import maildir): the mailbox under the
    # given UIDVALIDITY, each message at its UID, then UIDNEXT raised; see sql/kept_uids.py.
    async def import_mailbox(
        self, name: str, uidvalidity: int, special_use: str | None, subscribed: bool
    ) -> Mailbox: ...
    async def import_with_uids(
        self, mailbox_id: int, messages: Sequence[KeptUidMessage]
    ) -> UidsKept: ...
    async def raise_uidnext(self, mailbox_id: int, uidnext: int) -> None: ...
    # (uid, *values of names) for every message (UID >= min_uid), by uid: SORT/THREAD/SEARCH
    # keys stored at delivery, so no message is parsed at request time. ``names`` are
    # HEADER_COLUMN_NAMES: HeaderColumns fields ("sort_subject", "from_", ...) or MESSAGE_KEYS.
    async def header_columns(
        self, mailbox_id: int, names: Sequence[str], min_uid: int = 0
    ) -> list[tuple[Any, ...]]: ...
    # The account's quota root (RFC 9208): its setting, the limits in force, its usage.
    async def quota(self) -> QuotaState: ...
    # A message list, newest (highest UID) first: ``limit`` lines after the first
    # ``offset``, or the lines of the given UIDs (the page of a search).
    async def list_page(self, mailbox_id: int, offset: int, limit: int) -> list[ListedMessage]: ...
    async def list_messages(self, mailbox_id: int, uids: Sequence[int]) -> list[ListedMessage]: ...
    # uid -> attachment count kept at delivery (None for bodies stored before), every message
    async def attachment_counts(self, mailbox_id: int) -> dict[int, int | None]: ...
    # Keep what a list shows for bodies stored before it was kept: (uid, snippet,
    # attachments) of messages in the mailbox.
    async def keep_listing(
        self, mailbox_id: int, values: Sequence[tuple[int, str, int]]
    ) -> None: ...
    # Keep FETCH ENVELOPE and BODYSTRUCTURE as IMAP sent them, (uid, envelope,
    # bodystructure) of messages in the mailbox, None for one not made; a body's kept
    # answers stay as they are (they are the same).
    async def keep_imap_answers(
        self, mailbox_id: int, values: Sequence[tuple[int, str | None, str | None]]
    ) -> None: ...
    # What FETCH answers the messages among ``uids`` kept, by UID: (uid, ENVELOPE,
    # BODYSTRUCTURE, header fields kept under ``names``), None where not kept or not
    # asked (the first two only if ``answers``) (hato/store/sql/kept.py); a message gone
    # has no row.
    async def kept_answers(
        self, mailbox_id: int, uids: Sequence[int], names: str | None, answers: bool
    ) -> list[tuple[int, str | None, str | None, bytes | None]]: ...
    # Keep FETCH BODY[HEADER.FIELDS ...] as IMAP sent it, (uid, fields) of messages in
    # the mailbox, under the list's key ``names`` (hato/store/schema.py, version 25).
    async def keep_header_fields(
        self, mailbox_id: int, names: str, values: Sequence[tuple[int, bytes]]
    ) -> None: ...
    # The full-text index's answer for ``key``, already case-mapped and storable
    # (hato.mime.casemap, hato.mime.storable); ``header`` adds the body's own header
    # and the messages' trace prefixes (SEARCH TEXT) to what is looked at.
    async def text_matches(self, mailbox_id: int, key: str, header: bool) -> TextMatches: ...


class AccountStore(Protocol):
    """Accounts and their credentials: administration and authentication."""

    async def create_account(self, name: str, credentials: Credentials) -> Account: ...
    async def get_account(self, name: str) -> Account | None: ...
    async def set_credentials(self, name: str, credentials: Credentials) -> bool: ...
    async def delete_account(self, name: str) -> bool: ...
    async def list_accounts(self) -> list[Account]: ...
    # The account's own quota setting (None in a field: the configured default);
    # False when there is no such account.
    async def set_quota(self, name: str, own: QuotaLimits) -> bool: ...
    async def set_admin(self, name: str, admin: bool) -> bool: ...
    async def set_token(self, name: str, token_sha256: bytes) -> bool: ...  # replaces the old
    async def account_by_token(self, token_sha256: bytes) -> Account | None: ...
    async def account_usage(self) -> list[AccountUsage]: ...  # every account, by name


class DirectoryStore(Protocol):
    """What delivery looks up for each message (hato/store/directory.py), kept while the
    database's ``directory_version`` stays the same: one read a call."""

    async def directory(self) -> Directory: ...


class DeliveryStore(Protocol):
    """Final delivery: one body for many accounts' mailboxes in one durable transaction.

    An account whose copies would pass its quota gets none of them, and the others
    are delivered: ``deliver`` leaves it out of what it returns, ``deliver_and_queue``
    names it in ``Committed.over_quota``.
    """

    async def deliver(
        self,
        content: bytes,
        meta: MessageMeta,
        internal_date: int,
        deliveries: Sequence[Delivery],
    ) -> list[StoredMessage]: ...
    # The sending side: local copies and the outbound queue in one transaction.
    async def deliver_and_queue(
        self,
        content: bytes,
        meta: MessageMeta,
        internal_date: int,
        deliveries: Sequence[Delivery],
        outbound: Outbound | None,
    ) -> Committed: ...


class MailboxStore(Protocol):
    """One account's mailboxes and messages, and word of their changes (IDLE, NOTIFY)."""

    def mailstore(self, account_id: int) -> Mailstore: ...
    def sieve_scripts(self, account_id: int) -> SieveScripts: ...
    @property
    def notifier(self) -> Notifier: ...


class QueueStore(Protocol):
    """The outbound queue: what is due, and what became of each attempt."""

    async def queue_due(self, now: int, limit: int) -> list[QueueEntry]: ...
    async def queue_entries(self) -> list[QueueEntry]: ...
    async def queue_content(self, message_id: int) -> bytes | None: ...
    async def queue_done(self, message_id: int, recipients: Sequence[str]) -> None: ...
    async def queue_defer(
        self, message_id: int, recipients: Sequence[str], next_attempt: int, error: str
    ) -> None: ...
    async def queue_retry(self, message_id: int | None, now: int) -> int: ...
    async def queue_delete(self, message_id: int) -> bool: ...


class AliasStore(Protocol):
    """Aliases: an address (or a bare local part, for every local domain) -> targets."""

    async def set_alias(self, address: str, targets: Sequence[str]) -> None: ...
    async def delete_alias(self, address: str) -> bool: ...
    async def aliases(self) -> dict[str, list[str]]: ...
    async def alias_targets(self, address: str) -> list[str]: ...


class ClassroomStore(Protocol):
    """The class: which accounts belong to it (the roster's students)."""

    async def class_members(self) -> list[ClassMember]: ...  # by student id
    # The account joins the class, or its roster name and address change.
    async def set_class_member(
        self, account_id: int, student_id: str, name: str, email: str
    ) -> None: ...
    async def delete_class(self) -> list[str]: ...  # every member's account; their names
    # The lab's record: closed sessions (kept for a time) and the checklist's steps.
    async def save_lab_session(self, session: LabSession) -> None: ...
    async def lab_sessions(self, since: float) -> list[LabSession]: ...  # oldest first
    async def prune_lab_sessions(self, before: float) -> int: ...  # closed before: gone
    # Each step's first completion is kept (an earlier time wins).
    async def save_lab_steps(self, account: str, steps: Mapping[str, float]) -> None: ...
    async def lab_steps(self) -> dict[str, dict[str, float]]: ...  # account -> step -> time
    # ``hato class reset``: the members' checklists and transcripts deleted, and ``now``
    # kept as their ``lab_since`` (so a running server forgets them too).
    async def begin_lab_anew(self, account_ids: list[int], now: float) -> None: ...


class AssignmentStore(Protocol):
    """The classroom's assignments and what students sent to them."""

    # The new assignment; None when its address is taken already.
    async def add_assignment(
        self, address: str, title: str, due: int, reply: str
    ) -> Assignment | None: ...
    async def delete_assignment(self, assignment_id: int) -> bool: ...
    async def assignments(self) -> list[Assignment]: ...  # by due time
    async def assignments_at(self, addresses: Sequence[str]) -> list[Assignment]: ...
    async def add_submission(
        self, assignment_id: int, account_id: int, received: int, subject: str,
        findings: str, content: bytes,
    ) -> int: ...  # fmt: skip
    async def submissions(self) -> list[Submission]: ...  # in the order received
    async def submission_content(self, submission_id: int) -> bytes | None: ...


class TextIndexStore(Protocol):
    """Building the full-text index for bodies stored before it (``hato index``)."""

    # Up to ``limit`` bodies the index lacks, after body ``after``, in id order, of
    # ``account``'s messages if given: (body id, content, whether its header columns
    # are to be worked out again too: a body stored before the index existed).
    async def unindexed_bodies(
        self, after: int, limit: int, account: int | None = None
    ) -> list[tuple[int, bytes, bool]]: ...
    # Store what parsing each body again taught: its text, and with a MessageMeta its
    # header columns too (their case-mapped keys are recomputed with it).
    async def index_bodies(
        self, parsed: Sequence[tuple[int, MessageMeta | IndexedText]]
    ) -> None: ...
    async def index_stats(self) -> IndexStats: ...


class Store(
    AccountStore,
    DirectoryStore,
    DeliveryStore,
    MailboxStore,
    QueueStore,
    AliasStore,
    TextIndexStore,
    ClassroomStore,
    AssignmentStore,
    Protocol,
):
    """All of the store, for the code that needs all of it (the server, the CLI)."""

    async def open(self) -> None: ...  # reach it now: StoreUnavailable says why not
    async def close(self) -> None: ...
    async def blob_count(self) -> int: ...
    async def figures(self) -> StoreFigures: ...
