"""SORT, THREAD and SEARCH ask ``header_columns`` only for names of the one list
(``hato.mime.HeaderColumns``' fields and the message keys), and SEARCH reads a parsed
message's columns under those same names."""

from __future__ import annotations

from hato.imap import search_eval, sort_cache, sorting
from hato.imap.commands import thread
from hato.mime import HeaderColumns
from hato.store import HEADER_COLUMN_NAMES


def _asked() -> set[str]:
    names = {name for names in sorting._COLUMNS.values() for name in names}
    names |= {*thread._DATES, *thread._LINKS}
    names |= {name for _, columns in thread._ALGORITHMS.values() for name in columns}
    return names | set(search_eval._COLUMNS.values()) | sort_cache._FROM_INDEX


def test_every_name_asked_for_is_a_header_column() -> None:
    assert _asked() <= HEADER_COLUMN_NAMES


def test_search_reads_the_same_name_from_a_parsed_message() -> None:
    for name in search_eval._COLUMNS.values():
        assert hasattr(HeaderColumns(), name)
