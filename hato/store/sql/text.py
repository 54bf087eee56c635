"""The full-text index: each body's searchable text, and SEARCH BODY/TEXT through it.

Theory of operation. At delivery (every path: SMTP, LMTP, submission, APPEND,
imports) the body's ``hato.mime.IndexedText`` (its decoded header and text parts,
HTML reduced to text, case-mapped with i;unicode-casemap, RFC 5051 §2) is stored
in ``blob_text`` by ``put_blob``, in the same transaction as the body, once per
body however many mailboxes hold it. A trigram index covers the words of its text
parts (each word once, ``hato.mime.index_words``): SQLite's FTS5 ``trigram``
tokenizer (an external-content table that triggers keep), or PostgreSQL's
pg_trgm (a GIN index that LIKE uses). The header's text is kept but not indexed:
only SEARCH TEXT looks there, and it scans the mailbox's stored headers.

The index only narrows. ``select_text_matches`` asks it for the bodies that may
hold the key, then checks each candidate's stored text for the key itself
(``instr``/``strpos``): the stored text is the very text an unindexed search
decodes and maps, part by part (parts are joined by a character no stored text
holds), so a match there is a match of SEARCH BODY, for any key. Keys shorter
than a trigram cannot be looked up: they skip the index and scan the stored text
of the mailbox's messages (never the raw messages). Every body has a text row;
messages whose row holds no text yet (stored before the index existed, or by a
delivery that left it to the server's indexer: ``hato.store.indexing``) or whose
text was cut at ``TEXT_LIMIT`` are returned as ``unsure``: the caller reads them
as it would without an index. Those rows are few and a partial index holds them,
so finding them costs little however large the mailbox.

Only the parts of the key without whitespace are looked up: each lies within one
word of any text that holds the key, so within that text's words. On SQLite
their trigrams become an FTS5 query of quoted trigrams joined by AND (the table
keeps no positions, ``detail=none``, which makes it about three times smaller; a
body holding every trigram is a candidate, and the check weeds out the rest).
Each trigram is an FTS5 string, its quotes doubled, so nothing the client sends
is read as FTS5 syntax. On PostgreSQL the key's longest such part becomes a LIKE
pattern with ``\\``, ``%`` and ``_`` escaped. Either way at most
``MAX_TRIGRAMS`` trigrams of a long key are looked up (any part of a substring
is a substring, so fewer trigrams only widen the candidates): the work is
bounded whatever the key's length. A key with no part of three characters (one
or two characters, or words that short) scans the stored text instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from hato.mime import IndexedText, casemap, decoded_header, storable
from hato.store.base import IndexStats, MessageMeta, TextMatches
from hato.store.notify import INDEX_CHANNEL
from hato.store.sql.columns import META_COLUMNS, meta_values
from hato.store.sql.tx import Tx
from hato.store.sql.values import insert_values

__all__ = [
    "BATCH_OCTETS", "CUT", "MAX_TRIGRAMS", "NOT_YET", "TEXT_LATER", "TRIGRAM", "WHOLE",
    "fts5_query",
    "index_bodies", "insert_text", "insert_texts", "like_pattern", "prefixes_holding",
    "select_index_stats",
    "select_text_matches",
    "select_unindexed",
]  # fmt: skip

#: The length of the index's n-grams: a shorter key is found by a scan of stored text.
TRIGRAM = 3
#: At most this many of a key's trigrams narrow a search.
MAX_TRIGRAMS = 16
#: The most body octets ``select_unindexed`` gives at once (one body may be larger).
BATCH_OCTETS = 16 * 1024 * 1024
#: The longest part of a key given to LIKE's index lookup (a LIKE pattern of it).
_LIKE_CHARS = MAX_TRIGRAMS * TRIGRAM


#: ``blob_text.whole``: the row holds all of the body's text, its first ``TEXT_LIMIT``
#: characters, or none yet: of a body stored before the index (its header columns to be
#: worked out again too, their case-mapped keys having changed with it), or of one
#: stored without its text since (delivery leaves it to the indexer: only the text).
WHOLE, CUT, NOT_YET, TEXT_LATER = 1, 0, -1, -2


async def insert_text(tx: Tx, blob_id: int, text: IndexedText | None) -> None:
    """Keep a body's searchable text (the index follows it); None: a row that says the
    body is not indexed yet, and the indexer is told after commit (``INDEX_CHANNEL``)."""
    await insert_texts(tx, [(blob_id, text)])


async def insert_texts(tx: Tx, texts: Sequence[tuple[int, IndexedText | None]]) -> None:
    """``insert_text`` for many bodies, in as few statements as the parameter limit allows."""
    rows: list[tuple[object, ...]] = []
    for blob_id, text in texts:
        if text is None:
            rows.append((blob_id, TEXT_LATER, "", "", ""))
            tx.touch(INDEX_CHANNEL)
        else:
            rows.append((blob_id, WHOLE if text.whole else CUT, text.head, text.body, text.words))
    await insert_values(tx, "INSERT INTO blob_text (blob_id, whole, head, body, words)", rows)


def fts5_query(key: str) -> str | None:
    """An FTS5 query matching rows whose words hold every one of (up to ``MAX_TRIGRAMS``)
    trigrams of ``key``'s parts without whitespace, spread over them; each an FTS5
    string. None if no part has a trigram."""
    grams = sorted(
        {part[i : i + TRIGRAM] for part in key.split() for i in range(len(part) - TRIGRAM + 1)}
    )
    if not grams:
        return None
    step = max(1, len(grams) // MAX_TRIGRAMS)
    chosen = grams[::step][:MAX_TRIGRAMS]
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in chosen)


def like_pattern(key: str) -> str | None:
    """A LIKE pattern (escape character ``\\``) matching words that hold the start of
    ``key``'s longest part without whitespace; None if that part is under a trigram."""
    part = max(key.split(), key=len, default="")[:_LIKE_CHARS]
    if len(part) < TRIGRAM:
        return None
    escaped = part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _candidates(
    tx: Tx, key: str, exact: str, mailbox_id: int, account_id: int
) -> tuple[str, tuple[object, ...]]:
    """The query for the UIDs of the account's mailbox whose whole stored text the
    index says may hold ``key`` and ``exact`` says does, in the dialect's words, with
    its parameters up to those of ``exact`` (the caller's to add).

    SQLite starts from the FTS5 match and looks each body up among the mailbox's
    messages (``messages_by_blob``), so a rare word costs its few candidates, not a
    walk over the mailbox (the ``CROSS JOIN`` keeps that order: the planner cannot
    tell how few an FTS5 match gives). PostgreSQL's planner weighs the GIN index on
    ``words`` itself. A key with no trigram scans the mailbox's stored text."""
    query = fts5_query(key) if tx.dialect.text_index == "fts5" else like_pattern(key)
    if query is not None and tx.dialect.text_index == "fts5":
        sql = (
            "SELECT m.uid FROM blob_text_index f CROSS JOIN messages m "
            "CROSS JOIN blob_text t CROSS JOIN mailboxes x "
            "WHERE f.blob_text_index MATCH ? AND m.blob_id = f.rowid AND m.mailbox_id = ? "
            "AND t.blob_id = m.blob_id AND t.whole = 1 AND x.id = m.mailbox_id "
            f"AND x.account_id = ? AND ({exact})"
        )
        return sql, (query, mailbox_id, account_id)
    narrow = "1 = 1" if query is None else "t.words LIKE ?"
    sql = (
        "SELECT m.uid FROM messages m JOIN mailboxes x ON x.id = m.mailbox_id "
        "JOIN blob_text t ON t.blob_id = m.blob_id WHERE m.mailbox_id = ? "
        f"AND x.account_id = ? AND t.whole = 1 AND {narrow} AND ({exact})"
    )
    return sql, (mailbox_id, account_id, *(() if query is None else (query,)))


async def select_text_matches(
    tx: Tx, account_id: int, mailbox_id: int, key: str, header: bool
) -> tuple[TextMatches, list[tuple[int, bytes]]]:
    """The messages of the account's mailbox whose stored text holds ``key``
    (case-mapped, storable), and those whose text is not stored whole.

    With ``header`` (SEARCH TEXT) the body's header counts too, found by a scan of
    the stored headers (the index holds the text parts' words only: a header's are a
    third of a message's, and every delivery would index them for a key that SEARCH
    BODY never asks), and so does a message's trace prefix (Received, Delivered-To,
    ...): the (uid, prefix) pairs come back beside the matches, for the caller to
    decode off the event loop (``prefixes_holding``). ``found`` holds candidates,
    which the caller checks against the message itself.
    """
    position = tx.dialect.position
    sql, params = _candidates(tx, key, f"{position}(t.body, ?) > 0", mailbox_id, account_id)
    rows = await tx.all(sql, (*params, key))
    if header:  # the header's words are not in the index: its stored text is scanned
        rows += await tx.all(
            "SELECT m.uid FROM messages m JOIN mailboxes x ON x.id = m.mailbox_id "
            "JOIN blob_text t ON t.blob_id = m.blob_id WHERE m.mailbox_id = ? "
            f"AND x.account_id = ? AND t.whole = 1 AND {position}(t.head, ?) > 0",
            (mailbox_id, account_id, key),
        )
    unsure = await tx.all(  # the few rows not whole, from their own (partial) index on
        "SELECT m.uid FROM blob_text t CROSS JOIN messages m CROSS JOIN mailboxes x "
        "WHERE t.whole <> 1 AND m.blob_id = t.blob_id AND m.mailbox_id = ? "
        "AND x.id = m.mailbox_id AND x.account_id = ?",
        (mailbox_id, account_id),
    )
    matches = TextMatches(
        frozenset(int(row[0]) for row in rows), frozenset(int(row[0]) for row in unsure)
    )
    return matches, (await _prefixes(tx, account_id, mailbox_id) if header else [])


async def _prefixes(tx: Tx, account_id: int, mailbox_id: int) -> list[tuple[int, bytes]]:
    rows = await tx.all(
        "SELECT m.uid, m.prefix FROM messages m JOIN mailboxes x ON x.id = m.mailbox_id "
        "WHERE m.mailbox_id = ? AND x.account_id = ? AND length(m.prefix) > 0",
        (mailbox_id, account_id),
    )
    return [(int(uid), bytes(prefix)) for uid, prefix in rows]


def prefixes_holding(prefixes: Sequence[tuple[int, bytes]], key: str) -> set[int]:
    """The UIDs whose trace prefix, decoded and case-mapped, may hold ``key``: all of
    them for a key with a line break (it could run from the prefix into the body's
    header). CPU work in proportion to the mailbox: run it in a worker thread."""
    if "\r" in key or "\n" in key:
        return {uid for uid, _ in prefixes}
    return {uid for uid, prefix in prefixes if key in storable(casemap(decoded_header(prefix)))}


async def select_unindexed(
    tx: Tx, after: int, limit: int, account: int | None = None
) -> list[tuple[int, bytes, bool]]:
    """Bodies not indexed yet after id ``after``, in id order: up to ``limit`` of them,
    and no more than ``BATCH_OCTETS`` of content (but at least one body); each with
    whether its header columns are to be worked out again too (``NOT_YET``)."""
    mine = (
        " AND EXISTS (SELECT 1 FROM messages m JOIN mailboxes x ON x.id = m.mailbox_id "
        "WHERE m.blob_id = b.id AND x.account_id = ?)"
    )
    rows = await tx.all(  # "whole <> 1" as the partial index says it, so that it is used
        "SELECT b.id, b.size, t.whole FROM blob_text t JOIN blobs b ON b.id = t.blob_id "
        f"WHERE t.whole <> 1 AND t.whole < 0 AND t.blob_id > ?{mine if account else ''} "
        "ORDER BY t.blob_id LIMIT ?",
        (after, *((account,) if account else ()), limit),
    )
    columns_too: dict[int, bool] = {}
    octets = 0
    for blob_id, size, whole in rows:
        octets += int(size)
        if columns_too and octets > BATCH_OCTETS:
            break
        columns_too[int(blob_id)] = whole == NOT_YET
    found: list[tuple[int, bytes, bool]] = []
    for condition, params in tx.dialect.members("id", list(columns_too)):
        found.extend(
            (int(row[0]), bytes(row[1]), columns_too[int(row[0])])
            for row in await tx.all(f"SELECT id, data FROM blobs WHERE {condition}", params)
        )
    return sorted(found)


async def index_bodies(tx: Tx, parsed: Sequence[tuple[int, MessageMeta | IndexedText]]) -> None:
    """Store each body's text, and with a ``MessageMeta`` its header columns as parsed
    again (the case-mapped keys among them follow the current mapping). A body deleted
    meanwhile is passed over, and so is one indexed meanwhile (by another indexer: a
    second ``hato serve`` on the same PostgreSQL database, or ``hato index rebuild``
    beside a server)."""
    assignments = ", ".join(f"{name} = ?" for name in META_COLUMNS.split(", "))
    for blob_id, learnt in parsed:
        text = learnt.text if isinstance(learnt, MessageMeta) else learnt
        if text is None:
            continue
        waiting = await tx.run(  # "whole <> 1": the partial index finds the row
            "DELETE FROM blob_text WHERE blob_id = ? AND whole <> 1 AND whole < 0", (blob_id,)
        )
        if not waiting:
            continue
        if isinstance(learnt, MessageMeta):
            await tx.run(
                f"UPDATE blob_meta SET {assignments} WHERE blob_id = ?",
                (*meta_values(learnt), blob_id),
            )
        await insert_text(tx, blob_id, text)


async def select_index_stats(tx: Tx) -> IndexStats:
    """How much of the store the index covers, and its size."""
    octets = tx.dialect.octets
    row = await tx.one(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN whole >= 0 THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN whole = 0 THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM({octets.format('head')} + {octets.format('body')}), 0), "
        f"COALESCE(SUM({octets.format('words')}), 0) FROM blob_text"
    )
    size = await tx.one(tx.dialect.text_index_size)
    probe = await tx.one(tx.dialect.text_index_probe)
    assert row is not None and size is not None and probe is not None
    bodies, indexed, cut, text_octets, words = (int(value) for value in row)
    index_octets = words + int(size[0] or 0)  # the words kept for it, and the index proper
    return IndexStats(bodies, indexed, cut, text_octets, index_octets, bool(probe[0]))
