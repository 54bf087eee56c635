"""The schema, as versioned migrations.

Each migration is a list of statements written in the SQL that SQLite and
PostgreSQL share; the few words that differ are placeholders (``{blob}``,
``{serial}``, ``{bigint}``) that each backend fills in. A database records the
migrations it has run in ``schema_version``; ``pending`` gives the rest in order.

Theory of the layout (docs/architecture.md, "The store model"):

- ``blobs`` holds each distinct message body once, keyed by its SHA-256;
  ``blob_meta`` holds what parsing it taught us (structure, header columns),
  apart from the body bytes so that header scans never page through bodies.
- ``messages`` is keyed by (mailbox, uid) and carries flags as a bit mask of the
  system flags plus a keyword list, the modseq of its last change, the size,
  and the per-recipient ``prefix`` (trace headers) that precede the blob.
- ``expunged`` keeps (mailbox, uid, modseq) tombstones for QRESYNC's VANISHED.
- ``mailboxes`` keeps UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ and the counters
  (messages, unseen, size), updated in the same transaction as the messages.
- ``subscriptions`` holds subscribed names per account, apart from ``mailboxes``:
  a subscription may outlive its mailbox (RFC 3501 §6.3.6).
- ``blob_text`` keeps each body's searchable text, decoded and case-mapped, and
  the full-text index over it (hato/store/sql/text.py).

A statement is a string, or a mapping from dialect name to that dialect's own
statements, where the two databases differ in more than a word (the full-text
index: an FTS5 table on SQLite, a pg_trgm index on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

Statement = str | Mapping[str, Sequence[str]]

__all__ = ["DIALECTS", "MIGRATIONS", "pending"]

DIALECTS: Mapping[str, Mapping[str, str]] = {
    "sqlite": {"blob": "BLOB", "serial": "INTEGER PRIMARY KEY", "bigint": "INTEGER"},
    "postgresql": {"blob": "BYTEA", "serial": "BIGSERIAL PRIMARY KEY", "bigint": "BIGINT"},
}

_V1 = [
    """CREATE TABLE accounts (
        id {serial},
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        scram_salt {blob},
        scram_iterations INTEGER,
        scram_stored_key {blob},
        scram_server_key {blob},
        apop_secret TEXT,
        last_uidvalidity {bigint} NOT NULL DEFAULT 0,
        created {bigint} NOT NULL
    )""",
    """CREATE TABLE mailboxes (
        id {serial},
        account_id {bigint} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        special_use TEXT,
        subscribed INTEGER NOT NULL DEFAULT 0,
        uidvalidity {bigint} NOT NULL,
        uidnext {bigint} NOT NULL DEFAULT 1,
        highestmodseq {bigint} NOT NULL DEFAULT 1,
        first_recent_uid {bigint} NOT NULL DEFAULT 1,
        messages {bigint} NOT NULL DEFAULT 0,
        unseen {bigint} NOT NULL DEFAULT 0,
        size {bigint} NOT NULL DEFAULT 0,
        UNIQUE (account_id, name)
    )""",
    """CREATE TABLE blobs (
        id {serial},
        sha256 {blob} NOT NULL UNIQUE,
        size {bigint} NOT NULL,
        data {blob} NOT NULL
    )""",
    """CREATE TABLE blob_meta (
        blob_id {bigint} PRIMARY KEY REFERENCES blobs(id) ON DELETE CASCADE,
        structure TEXT NOT NULL,
        subject TEXT NOT NULL,
        base_subject TEXT NOT NULL,
        from_addr TEXT NOT NULL,
        to_addr TEXT NOT NULL,
        cc_addr TEXT NOT NULL,
        sort_subject TEXT NOT NULL,
        sort_from TEXT NOT NULL,
        sort_to TEXT NOT NULL,
        sort_cc TEXT NOT NULL,
        sort_display_from TEXT NOT NULL,
        sort_display_to TEXT NOT NULL,
        sent_date {bigint},
        message_id TEXT NOT NULL,
        in_reply_to TEXT NOT NULL,
        refs TEXT NOT NULL
    )""",
    """CREATE TABLE messages (
        mailbox_id {bigint} NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        uid {bigint} NOT NULL,
        modseq {bigint} NOT NULL,
        system_flags INTEGER NOT NULL DEFAULT 0,
        keywords TEXT NOT NULL DEFAULT '',
        internal_date {bigint} NOT NULL,
        size {bigint} NOT NULL,
        prefix {blob} NOT NULL,
        blob_id {bigint} NOT NULL REFERENCES blobs(id),
        PRIMARY KEY (mailbox_id, uid)
    )""",
    "CREATE INDEX messages_by_modseq ON messages (mailbox_id, modseq)",
    "CREATE INDEX messages_by_blob ON messages (blob_id)",
    """CREATE TABLE expunged (
        mailbox_id {bigint} NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        uid {bigint} NOT NULL,
        modseq {bigint} NOT NULL,
        PRIMARY KEY (mailbox_id, uid)
    )""",
    "CREATE INDEX expunged_by_modseq ON expunged (mailbox_id, modseq)",
]

#: Version 2, IMAP (RFC 3501 §2.3.3): INTERNALDATE keeps the zone the client gave in
#: APPEND, as minutes east of UTC (0 for delivered mail, whose date is the server's).
_V2 = [
    "ALTER TABLE messages ADD COLUMN internal_tz INTEGER NOT NULL DEFAULT 0",
]

#: Version 3, the sending side (RFC 5321 §4.5.4, RFC 6409): aliases, and the outbound
#: queue. ``queue_messages`` holds each queued message once (its bytes as they will be
#: sent); ``queue_recipients`` one row per recipient still to be delivered, with its
#: retry state. A row is deleted once the recipient is delivered or bounced.
_V3 = [
    """CREATE TABLE aliases (
        address TEXT NOT NULL,
        target TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (address, target)
    )""",
    """CREATE TABLE queue_messages (
        id {serial},
        sender TEXT NOT NULL,
        content {blob} NOT NULL,
        created {bigint} NOT NULL
    )""",
    """CREATE TABLE queue_recipients (
        message_id {bigint} NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
        recipient TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt {bigint} NOT NULL,
        last_error TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (message_id, recipient)
    )""",
    "CREATE INDEX queue_recipients_due ON queue_recipients (next_attempt)",
]

#: Version 4, subscriptions of their own (RFC 3501 §6.3.6, RFC 5258 §3.1): a name stays
#: subscribed after its mailbox is deleted, and a name can be subscribed with no mailbox.
#: The flags of ``mailboxes.subscribed`` are copied over; version 5 drops that column.
_V4 = [
    """CREATE TABLE subscriptions (
        account_id {bigint} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        PRIMARY KEY (account_id, name)
    )""",
    "INSERT INTO subscriptions (account_id, name) "
    "SELECT account_id, name FROM mailboxes WHERE subscribed <> 0",
]

#: Version 5: ``mailboxes.subscribed``, unread since version 4, goes (SQLite has dropped
#: columns since 3.35, which its ``RETURNING`` already requires).
_V5 = [
    "ALTER TABLE mailboxes DROP COLUMN subscribed",
]

#: Version 6, Sieve (RFC 5804 §2, RFC 5230 §4.2): an account's scripts, at most one
#: active (the partial unique index holds it), and when a vacation reply went to whom.
_V6 = [
    """CREATE TABLE sieve_scripts (
        account_id {bigint} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        content TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account_id, name)
    )""",
    "CREATE UNIQUE INDEX sieve_one_active ON sieve_scripts (account_id) WHERE active <> 0",
    """CREATE TABLE sieve_vacation (
        account_id {bigint} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        handle TEXT NOT NULL,
        sender TEXT NOT NULL,
        replied {bigint} NOT NULL,
        PRIMARY KEY (account_id, sender, handle)
    )""",
]

#: Version 7, the web console: an account may be an administrator, and may have one API
#: token (``Authorization: Bearer``, RFC 6750 §2.1), kept as its SHA-256 only: the token
#: is random, so a hash without salt or stretching is as strong as the token itself.
_V7 = [
    "ALTER TABLE accounts ADD COLUMN admin INTEGER NOT NULL DEFAULT 0",
    """CREATE TABLE api_tokens (
        account_id {bigint} PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        token_sha256 {blob} NOT NULL UNIQUE,
        created {bigint} NOT NULL
    )""",
]

#: Version 8, quota (RFC 9208): an account's own limits, octets of storage and a number of
#: messages; NULL follows the configured default, 0 is no limit. Usage is not stored: it
#: is the sum of the account's mailbox counters.
_V8 = [
    "ALTER TABLE accounts ADD COLUMN quota_storage {bigint}",
    "ALTER TABLE accounts ADD COLUMN quota_messages {bigint}",
]

#: Version 10, message lists (the web console, its JSON API): what a list shows of a body
#: without reading it, its snippet (hato.mime.snippet) and attachment count, kept at
#: delivery. NULL for bodies stored before: a list works them out from the message the
#: first time it shows one, and keeps them (Mailstore.keep_listing).
_V10 = [
    "ALTER TABLE blob_meta ADD COLUMN snippet TEXT",
    "ALTER TABLE blob_meta ADD COLUMN attachments INTEGER",
]

#: Version 9, the full-text index (RFC 3501 §6.4.4 BODY and TEXT): each body's searchable
#: text (``hato.mime.IndexedText``: decoded, HTML reduced, case-mapped as i;unicode-casemap
#: does, RFC 5051 §2), and a trigram index over its words (``hato.mime.index_words``, each
#: word once: fewer trigrams to index at delivery): SQLite's FTS5 ``trigram`` tokenizer in
#: an external-content table kept by triggers, PostgreSQL's pg_trgm (shipped with Debian's
#: postgresql package) as a GIN index that LIKE uses. Every body has a row; ``whole`` (first,
#: so that reading it never pages through the text) says how much of its text the row holds:
#: 1 all of it, 0 the first ``TEXT_LIMIT`` characters, -1 none yet. Bodies stored before this
#: version get a row of -1: they are searched as before until ``hato index rebuild`` indexes
#: them (and recomputes their sort keys, whose case mapping changed with this version from
#: upper case to RFC 5051's simple titlecase). The rows not 1 are few and have an index of
#: their own, so finding a mailbox's messages that a search must read is cheap.
_V9: list[Statement] = [
    """CREATE TABLE blob_text (
        blob_id {bigint} PRIMARY KEY REFERENCES blobs(id) ON DELETE CASCADE,
        whole INTEGER NOT NULL,
        head TEXT NOT NULL,
        body TEXT NOT NULL,
        words TEXT NOT NULL
    )""",
    "CREATE INDEX blob_text_partial ON blob_text (blob_id) WHERE whole <> 1",
    {
        "sqlite": [
            "CREATE VIRTUAL TABLE blob_text_index USING fts5(words, content='blob_text', "
            "content_rowid='blob_id', tokenize='trigram case_sensitive 0', detail='none')",
            "CREATE TRIGGER blob_text_added AFTER INSERT ON blob_text BEGIN "
            "INSERT INTO blob_text_index (rowid, words) VALUES (new.blob_id, new.words); END",
            "CREATE TRIGGER blob_text_removed AFTER DELETE ON blob_text BEGIN "
            "INSERT INTO blob_text_index (blob_text_index, rowid, words) "
            "VALUES ('delete', old.blob_id, old.words); END",
        ],
        "postgresql": [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX blob_text_trigrams ON blob_text USING gin (words gin_trgm_ops)",
        ],
    },
    "INSERT INTO blob_text (blob_id, whole, head, body, words) "
    "SELECT id, -1, '', '', '' FROM blobs",
]

#: Version 12, the classroom: which accounts belong to the class, with the roster's student
#: id (unique: a re-import finds the student by it), name and e-mail address (empty when the
#: roster gave none). Deleting the account deletes its row.
_V12 = [
    """CREATE TABLE class_members (
        account_id {bigint} PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        student_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        email TEXT NOT NULL DEFAULT '',
        added {bigint} NOT NULL
    )""",
]

#: Version 13, the lab's transcripts: each closed session of a class member, with its lines
#: (JSON: [direction, text, milliseconds]), kept for the teacher's pages and pruned after
#: ``[lab] keep_days``; times in milliseconds since the epoch.
_V13 = [
    """CREATE TABLE lab_sessions (
        id {serial},
        account_id {bigint} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        service TEXT NOT NULL,
        peer TEXT NOT NULL,
        tls INTEGER NOT NULL,
        opened {bigint} NOT NULL,
        closed {bigint} NOT NULL,
        lines TEXT NOT NULL
    )""",
    "CREATE INDEX lab_sessions_by_closed ON lab_sessions (closed)",
]

#: Version 15, the lab checklist: when each student first completed each step (the step's
#: id in hato/classroom/data/steps.toml), in milliseconds since the epoch.
_V15 = [
    """CREATE TABLE lab_steps (
        account_id {bigint} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        step TEXT NOT NULL,
        done {bigint} NOT NULL,
        PRIMARY KEY (account_id, step)
    )""",
]

#: Version 14, assignments: an address (lower case, unique) with a title, a due time and
#: how its submissions are answered (``off``, ``findings``, ``always``); and each
#: submission, a copy of the message kept with what the manners linter found (JSON),
#: so the teacher can open it even after the address's mailbox was emptied.
_V14 = [
    """CREATE TABLE assignments (
        id {serial},
        address TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        due {bigint} NOT NULL,
        reply TEXT NOT NULL
    )""",
    """CREATE TABLE submissions (
        id {serial},
        assignment_id {bigint} NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
        account_id {bigint} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        received {bigint} NOT NULL,
        subject TEXT NOT NULL,
        findings TEXT NOT NULL,
        content {blob} NOT NULL
    )""",
    "CREATE INDEX submissions_by_assignment ON submissions (assignment_id, account_id)",
]

#: Version 16, SAVEDATE (RFC 8514 §3): when a message was saved to its mailbox (delivered,
#: appended, copied or moved there), in seconds; NULL for a message saved before this
#: version, whose save date reads as its internal date (what delivery set it to).
_V16 = [
    "ALTER TABLE messages ADD COLUMN save_date {bigint}",
]

#: Version 21, a lab begun anew: when ``hato class reset`` last gave the member a fresh
#: start (its checklist and transcripts were deleted then), in milliseconds; 0: never. A
#: running server reads it with the roster and forgets what it still holds from before.
_V21 = [
    "ALTER TABLE class_members ADD COLUMN lab_since {bigint} NOT NULL DEFAULT 0",
]

#: Version 22, METADATA (RFC 5464): the annotations of the server (per account: the
#: IMAP mailbox name "") and of mailboxes (dropped with the mailbox), entry names in
#: lower case (RFC 5464 §3.2), values as octets (RFC 5464 §5: nstring or literal8).
_V22 = [
    """CREATE TABLE server_metadata (
        account_id {bigint} NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        entry TEXT NOT NULL,
        value {blob} NOT NULL,
        PRIMARY KEY (account_id, entry)
    )""",
    """CREATE TABLE mailbox_metadata (
        mailbox_id {bigint} NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        entry TEXT NOT NULL,
        value {blob} NOT NULL,
        PRIMARY KEY (mailbox_id, entry)
    )""",
]

#: Version 17, URLAUTH (RFC 4467 §7): each mailbox's access key, made at the first
#: GENURLAUTH, replaced by RESETKEY, dropped with the mailbox (so a mailbox deleted and
#: made again under its name does not honour the old URLs).
_V17 = [
    """CREATE TABLE urlauth_keys (
        mailbox_id {bigint} PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
        access_key {blob} NOT NULL
    )""",
]

#: Version 23, the directory's version (hato/store/directory.py): one number that every
#: change to what delivery looks up moves on (accounts' names and quota settings, aliases,
#: Sieve scripts, assignments), by triggers, so that every writer (this process, ``hato``
#: commands beside it, other nodes) moves it in the transaction that makes the change.
_DIRECTORY_TABLES = ("aliases", "sieve_scripts", "assignments")
_ACCOUNT_COLUMNS = "name, quota_storage, quota_messages"
_V23: list[Statement] = [
    """CREATE TABLE directory_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version {bigint} NOT NULL
    )""",
    "INSERT INTO directory_version (id, version) VALUES (1, 0)",
    {
        "sqlite": [
            f"CREATE TRIGGER directory_{table}_{what.split()[0].lower()} AFTER {what} ON {table} "
            "BEGIN UPDATE directory_version SET version = version + 1; END"
            for table, whats in (
                ("accounts", ("INSERT", "DELETE", f"UPDATE OF {_ACCOUNT_COLUMNS}")),
                *((table, ("INSERT", "DELETE", "UPDATE")) for table in _DIRECTORY_TABLES),
            )
            for what in whats
        ],
        "postgresql": [
            "CREATE FUNCTION directory_changed() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN UPDATE directory_version SET version = version + 1; RETURN NULL; END $$",
            *(
                f"CREATE TRIGGER directory_{table} AFTER INSERT OR DELETE OR UPDATE{columns} "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION directory_changed()"
                for table, columns in (
                    ("accounts", f" OF {_ACCOUNT_COLUMNS}"),
                    *((table, "") for table in _DIRECTORY_TABLES),
                )
            ),
        ],
    },
]

#: Version 24, kept IMAP answers: a body's FETCH ENVELOPE and BODYSTRUCTURE as IMAP
#: sends them, kept the first time a session makes them (``Mailstore.keep_imap_answers``)
#: so that later FETCHes copy them instead of decoding the structure and encoding them
#: again (Dovecot keeps the same in its cache file). Only answers in ASCII (a header in
#: UTF-8, RFC 6532, makes them the session's own: with or without UTF8=ACCEPT). NULL until
#: then, and for every other body.
_V24 = [
    "ALTER TABLE blob_meta ADD COLUMN envelope_imap TEXT",
    "ALTER TABLE blob_meta ADD COLUMN bodystructure_imap TEXT",
]

#: Version 25, kept header fields: a message's FETCH BODY[HEADER.FIELDS (names)] (or
#: .NOT) as IMAP sent it, kept the first time a session picks it
#: (``Mailstore.keep_header_fields``), keyed by the names as ``names`` (lowered, sorted,
#: joined by spaces; "NOT " first for .NOT), so that the next client asking the same list
#: (Thunderbird asks every user's mail for the same fields) is answered from these bytes
#: without reading the body (Dovecot keeps header fields in its cache file). Per message,
#: not per body: the per-recipient trace prefix is part of its header. Only for a message
#: whose top-level header is ASCII (every session sees it so), at most
#: ``KEPT_LISTS_PER_MESSAGE`` lists a message (hato/store/sql/imap_queries.py).
_V25 = [
    """CREATE TABLE kept_fields (
        mailbox_id {bigint} NOT NULL,
        uid {bigint} NOT NULL,
        names TEXT NOT NULL,
        data {blob} NOT NULL,
        PRIMARY KEY (mailbox_id, uid, names),
        FOREIGN KEY (mailbox_id, uid) REFERENCES messages (mailbox_id, uid) ON DELETE CASCADE
    )""",
]

#: Version 26, kept IMAP answers in a table of their own: a body's kept ENVELOPE and
#: BODYSTRUCTURE (version 24) move from ``blob_meta`` to ``kept_imap``. A FETCH of the
#: newest 100 messages' ENVELOPE and BODYSTRUCTURE read the whole ``blob_meta`` row of
#: each (some 2 KB with the structure and the sort columns: two rows a page, 50 pages);
#: the narrow rows (some 500 bytes) fill a quarter of that.
_V26 = [
    """CREATE TABLE kept_imap (
        blob_id {bigint} PRIMARY KEY REFERENCES blobs(id) ON DELETE CASCADE,
        envelope TEXT,
        bodystructure TEXT
    )""",
    "INSERT INTO kept_imap (blob_id, envelope, bodystructure) "
    "SELECT blob_id, envelope_imap, bodystructure_imap FROM blob_meta "
    "WHERE envelope_imap IS NOT NULL OR bodystructure_imap IS NOT NULL",
    "ALTER TABLE blob_meta DROP COLUMN envelope_imap",
    "ALTER TABLE blob_meta DROP COLUMN bodystructure_imap",
]

#: (version, statements); append new migrations, never edit a released one.
MIGRATIONS: Sequence[tuple[int, Sequence[Statement]]] = [
    (1, _V1),
    (2, _V2),
    (3, _V3),
    (4, _V4),
    (5, _V5),
    (6, _V6),
    (7, _V7),
    (8, _V8),
    (9, _V9),
    (10, _V10),
    (12, _V12),
    (13, _V13),
    (14, _V14),
    (15, _V15),
    (16, _V16),
    (17, _V17),
    (21, _V21),
    (22, _V22),
    (23, _V23),
    (24, _V24),
    (25, _V25),
    (26, _V26),
]


def pending(applied: Collection[int], dialect: str) -> list[tuple[int, list[str]]]:
    """The migrations not yet in ``applied``, in version order, in the dialect's words.

    Going by the set rather than the highest version means a migration merged late
    with a lower number still runs on a database that already has a higher one.
    """
    words = DIALECTS[dialect]
    return [
        (version, [text.format(**words) for text in _in_dialect(statements, dialect)])
        for version, statements in sorted(MIGRATIONS, key=lambda migration: migration[0])
        if version not in applied
    ]


def _in_dialect(statements: Sequence[Statement], dialect: str) -> list[str]:
    out: list[str] = []
    for statement in statements:
        out.extend([statement] if isinstance(statement, str) else statement[dialect])
    return out
