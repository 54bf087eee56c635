"""``Dialect.members``: a list of ids as SQL conditions, spelled out ``chunk`` at a time
on SQLite (its limit on parameters), one array parameter on PostgreSQL; every id once,
in order, whatever the count (the one-statement case has a shortcut of its own)."""

from __future__ import annotations

from hato.store.sql.dialect import POSTGRES, SQLITE


def _spelled(ids: list[int]) -> list[tuple[str, tuple[object, ...]]]:
    return list(SQLITE.members("m.uid", ids))


def test_nothing_for_no_ids() -> None:
    assert _spelled([]) == []
    assert list(POSTGRES.members("m.uid", [])) == []


def test_one_statement_up_to_the_chunk() -> None:
    assert _spelled([7]) == [("m.uid IN (?)", (7,))]
    assert _spelled([3, 1, 2]) == [("m.uid IN (?,?,?)", (3, 1, 2))]
    ids = list(range(1, SQLITE.chunk + 1))
    [(condition, params)] = _spelled(ids)
    assert condition == f"m.uid IN ({','.join('?' * SQLITE.chunk)})"
    assert params == tuple(ids)


def test_chunks_above_it_keep_every_id_in_order() -> None:
    for count in (SQLITE.chunk + 1, 2 * SQLITE.chunk, 2 * SQLITE.chunk + 3):
        ids = list(range(count, 0, -1))
        spelled = _spelled(ids)
        assert [len(params) for _, params in spelled] == [
            min(SQLITE.chunk, count - start) for start in range(0, count, SQLITE.chunk)
        ]
        for condition, params in spelled:
            assert condition.count("?") == len(params)
        assert [uid for _, params in spelled for uid in params] == ids


def test_postgresql_takes_one_array() -> None:
    assert list(POSTGRES.members("m.uid", [2, 1], "integer")) == [
        ("m.uid = ANY(?::integer[])", ([2, 1],))
    ]
