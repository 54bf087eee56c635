"""One header-columns record: ``hato.mime.HeaderColumns``' fields, the ``blob_meta``
columns that keep them and the names ``header_columns`` accepts are one list, on
every backend."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, field, make_dataclass
from pathlib import Path

import psycopg
import pytest

from hato.mime import COLUMN_OF, HeaderColumns
from hato.mime._model import stored_columns
from hato.store import HEADER_COLUMN_NAMES, MESSAGE_KEYS, Delivery, MessageMeta, Store
from tests.store.conftest import make_account

# Every field its own value, so that a field read from another's column shows.
DISTINCT = HeaderColumns(
    **{name: f"<{name}@example.org>" for name in COLUMN_OF if name != "sent_date"},
    sent_date=1_700_000_123,
)
BODY = b"Subject: stored as it is\r\n\r\nbody\r\n"


_QUERY = "SELECT * FROM blob_meta LIMIT 0"  # described, not read: the column names


def _sqlite_columns(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [column[0] for column in conn.execute(_QUERY).description]
    finally:
        conn.close()


def _postgresql_columns(url: str) -> list[str]:
    with psycopg.connect(url) as pg:
        return [column.name for column in pg.execute(_QUERY).description or ()]


async def test_each_field_has_its_column_in_the_schema(
    store: Store, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    await store.open()  # SQLite makes its schema now; PostgreSQL's was made from migrations too
    if request.node.callspec.params["store"] == "postgresql":
        stored = _postgresql_columns(request.getfixturevalue("pg_url"))
    else:
        stored = _sqlite_columns(tmp_path / "store.sqlite3")  # the store fixture's file
    # (a FETCH's kept ENVELOPE and BODYSTRUCTURE are in kept_imap, hato/store/schema.py)
    assert stored == ["blob_id", "structure", *COLUMN_OF.values(), "snippet", "attachments"]


def test_a_field_without_a_column_is_refused() -> None:
    grown = make_dataclass(
        "Grown", [("spam_score", str, field(default=""))], bases=(HeaderColumns,), frozen=True
    )
    with pytest.raises(TypeError, match="spam_score"):
        stored_columns(grown)


def test_header_columns_accepts_the_fields_and_the_message_keys() -> None:
    assert set(MESSAGE_KEYS).isdisjoint(COLUMN_OF)
    assert {*COLUMN_OF, *MESSAGE_KEYS} == HEADER_COLUMN_NAMES


async def test_every_field_reads_back_as_delivered(store: Store) -> None:
    box = await make_account(store, "alice")
    meta = MessageMeta(columns=DISTINCT)
    await store.deliver(BODY, meta, 1_700_000_000, [Delivery(box.account_id)])
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    names = [*COLUMN_OF, *MESSAGE_KEYS]
    [(uid, *values)] = await box.header_columns(inbox.id, names)
    assert uid == 1
    assert dict(zip(names, values, strict=True)) == {
        **asdict(DISTINCT),
        "internal_date": 1_700_000_000,
        "size": len(BODY),
    }


async def test_a_name_outside_the_list_is_refused(store: Store) -> None:
    box = await make_account(store, "alice")
    inbox = await box.get_mailbox("INBOX")
    assert inbox is not None
    for name in ("refs", "from_addr", "structure"):  # columns, not field names
        with pytest.raises(ValueError, match="not a header column"):
            await box.header_columns(inbox.id, [name])
