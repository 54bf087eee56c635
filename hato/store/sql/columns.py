"""The stored header columns in SQL, all derived from ``hato.mime.COLUMN_OF``.

``blob_meta`` keeps, beside the cached structure, one column per ``HeaderColumns``
field, named as that field says; the insert and the select list of
``Mailstore.header_columns`` are written from that one list, so a field cannot be
stored under one name and read under another.
"""

from __future__ import annotations

from collections.abc import Sequence

from hato.mime import COLUMN_OF
from hato.store.base import HEADER_COLUMN_NAMES, MESSAGE_KEYS, MessageMeta

__all__ = ["META_COLUMNS", "header_column_sql", "meta_values"]

#: The blob_meta columns after blob_id, in the order ``meta_values`` gives their values.
META_COLUMNS = ", ".join(("structure", *COLUMN_OF.values(), "snippet", "attachments"))


def meta_values(meta: MessageMeta) -> tuple[object, ...]:
    """The values of ``META_COLUMNS`` for one parsed body."""
    return (meta.structure_json, *meta.columns.values(), meta.snippet, meta.attachments)


def header_column_sql(names: Sequence[str]) -> str:
    """The select list for ``header_columns``: ``m.uid`` then each name's column, checked.

    A ``HeaderColumns`` field is read from ``blob_meta`` (alias ``bm``), a message key
    from ``messages`` (alias ``m``).
    """
    unknown = set(names) - HEADER_COLUMN_NAMES
    if unknown:
        raise ValueError(f"not a header column: {sorted(unknown)}")
    return ", ".join(["m.uid", *(_qualified(name) for name in names)])


def _qualified(name: str) -> str:
    return f"m.{name}" if name in MESSAGE_KEYS else f"bm.{COLUMN_OF[name]}"
