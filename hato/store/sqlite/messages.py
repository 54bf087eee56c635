"""Messages for the SQLite modules not yet written once (see hato/store/sql/messages.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from hato.store.sql import messages
from hato.store.sql.tx import Tx, complete
from hato.store.sqlite.engine import SqliteTx

P = ParamSpec("P")
T = TypeVar("T")


def _on_connection(
    operation: Callable[Concatenate[Tx, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[sqlite3.Connection, P], T]:
    """``operation`` as a plain function of the connection it runs on."""

    def run(conn: sqlite3.Connection, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return complete(operation(SqliteTx(conn), *args, **kwargs))

    return run


insert_message = _on_connection(messages.insert_message)
