"""Many rows in one INSERT: ``INSERT ... VALUES (?, ...), (?, ...), ...``.

A batch (an import's 200 messages, a MULTIAPPEND, a COPY of many) stored a row a
statement costs a statement a row; on SQLite each is also a round of the
interpreter's lock, which the writer thread gives up for every statement and must
win back from a busy event loop (an import parsing the next batch): measured, the
writer spent most of its time waiting for it. One statement for many rows gives
the lock up once.

A statement holds at most ``PARAMETERS`` parameters, under the smallest limit any
SQLite build has (999; PostgreSQL's is 32,767), so rows go in as few statements
as that allows. Each statement's text is made once a shape (its head, its width
and its row count).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from hato.store.sql.tx import Row, Tx

__all__ = ["PARAMETERS", "insert_values"]

#: Parameters in one statement at most.
PARAMETERS = 999


async def insert_values(
    tx: Tx, head: str, rows: Sequence[Sequence[object]], tail: str = ""
) -> list[Row]:
    """``{head} VALUES (...), ... {tail}`` for every row (all of one width), in order;
    the rows the statements return if ``tail`` says ``RETURNING`` (in no set order)."""
    if not rows:
        return []
    width = len(rows[0])
    per = max(1, PARAMETERS // width)
    returned: list[Row] = []
    for at in range(0, len(rows), per):
        part = rows[at : at + per]
        sql = _statement(head, width, len(part), tail)
        params = [value for row in part for value in row]
        if "RETURNING" in tail:
            returned += await tx.all(sql, params)
        else:  # a driver may have no result to fetch from a statement without one
            await tx.run(sql, params)
    return returned


@lru_cache(maxsize=128)
def _statement(head: str, width: int, count: int, tail: str) -> str:
    one = "(" + ", ".join("?" * width) + ")"
    return f"{head} VALUES {', '.join([one] * count)}{' ' + tail if tail else ''}"
