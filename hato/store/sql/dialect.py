"""Where SQLite and PostgreSQL need different words, one table of them.

Store operations are written once (see tx.py); the few places where the two
databases differ read their words from here rather than testing which backend
runs them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["POSTGRES", "SQLITE", "Dialect"]


@dataclass(frozen=True, slots=True)
class Dialect:
    """The words of one database.

    ``greatest``: the function giving the larger of its arguments (SQLite's
    two-argument ``MAX``, PostgreSQL's ``GREATEST``).
    ``binary_order``: appended to ``ORDER BY name`` so names sort by their
    bytes on both (SQLite compares text as bytes already; PostgreSQL would
    use the database's locale).
    ``for_update``: appended to a ``SELECT`` that must hold the selected rows
    against other writers until commit. SQLite has one writer at a time, so it
    needs nothing; on PostgreSQL, writers to one mailbox queue on its row,
    which is what keeps UIDs and MODSEQs ascending in commit order across
    nodes (the UID invariant, docs/architecture.md).
    ``for_share``: the same for a row that must only not be deleted meanwhile.
    ``for_no_key_update``: the same as ``for_update`` for a row others reference
    by foreign key: it holds the row against other holders (an account against
    other deliveries to it, quota.py) without stopping rows that refer to it.
    ``id_arrays``: whether a list of values can be one parameter (PostgreSQL's
    arrays); if not, ``members`` spells them out, ``chunk`` at a time, under
    SQLite's limit on the number of parameters in one statement.
    ``text_index``: the full-text index (hato/store/sql/text.py): ``fts5``, SQLite's
    FTS5 table asked with MATCH, or ``pg_trgm``, PostgreSQL's trigram index that LIKE
    uses. ``position``: the function giving where a string holds another (0 if not),
    ``octets``: the length in octets of a text column (``{}``), and
    ``text_index_size``: the statement giving the index's size in octets, and
    ``text_index_probe`` the one saying whether it makes trigrams of Japanese text
    (pg_trgm only does under a database whose LC_CTYPE knows UTF-8 letters).
    ``queue_lease``: seconds a queue runner holds the entries it is sending. On
    PostgreSQL several nodes run queues on one database: each claims its due
    entries (locking them, passing over those another node holds, and moving
    their next attempt this far ahead), so an entry is sent by one node at a
    time, and retried by another if its node dies. One node owns a SQLite file:
    0, no claim, and a restarted node retries at once what it was sending.
    ``database_size``: a query for the bytes the database takes.
    """

    name: str
    greatest: str
    binary_order: str
    for_update: str
    for_share: str
    for_no_key_update: str
    id_arrays: bool
    queue_lease: int
    database_size: str
    text_index: str
    position: str
    octets: str
    text_index_size: str
    text_index_probe: str
    chunk: int = 500

    def claim(self, table: str) -> str:
        """Appended to a ``SELECT`` of the rows of ``table`` a queue runner takes for itself."""
        return f"{self.for_update} OF {table} SKIP LOCKED" if self.queue_lease else ""

    def members(
        self, column: str, ids: Sequence[object], kind: str = "bigint"
    ) -> Iterator[tuple[str, tuple[object, ...]]]:
        """``column`` is one of ``ids`` (of SQL type ``kind``): (condition, parameters),
        as few as the database allows, in the order of ``ids``."""
        if self.id_arrays:
            if ids:
                yield f"{column} = ANY(?::{kind}[])", (list(ids),)
            return
        if len(ids) <= self.chunk:  # the usual case: one statement, no slice made
            if ids:
                yield _one_of(column, len(ids)), tuple(ids)
            return
        for start in range(0, len(ids), self.chunk):
            part = ids[start : start + self.chunk]
            yield _one_of(column, len(part)), tuple(part)


@lru_cache(maxsize=256)
def _one_of(column: str, count: int) -> str:
    """``column IN (?,...)`` for ``count`` values, made once a shape, not once a
    statement (FETCH of one message asks for it once a command)."""
    return f"{column} IN ({','.join('?' * count)})"


SQLITE = Dialect(
    name="sqlite",
    greatest="MAX",
    binary_order="",
    for_update="",
    for_share="",
    for_no_key_update="",
    id_arrays=False,
    queue_lease=0,
    database_size="SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
    text_index="fts5",
    position="instr",
    octets="length(CAST({} AS BLOB))",
    text_index_size="SELECT SUM(length(block)) FROM blob_text_index_data",
    text_index_probe="SELECT 1",
)
POSTGRES = Dialect(
    name="postgresql",
    greatest="GREATEST",
    binary_order=' COLLATE "C"',
    for_update=" FOR UPDATE",
    for_share=" FOR SHARE",
    for_no_key_update=" FOR NO KEY UPDATE",
    id_arrays=True,
    queue_lease=300,
    database_size="SELECT pg_database_size(current_database())",
    text_index="pg_trgm",
    position="strpos",
    octets="octet_length({})",
    text_index_size="SELECT pg_relation_size('blob_text_trigrams')",
    text_index_probe="SELECT cardinality(show_trgm('議事録')) > 0",
)
