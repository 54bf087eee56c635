"""hato.imap.batches: messages loaded at once, cut by count and by bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hato.imap.batches import batches


@dataclass
class _Summary:
    size: int


class _View:
    """What `batches` asks of a view: each message's size."""

    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes

    def summary(self, uid: int) -> _Summary:
        return _Summary(self.sizes[uid - 1])


def cut(sizes: list[int], count: int, max_bytes: int | None) -> list[list[int]]:
    view: Any = _View(sizes)
    pairs = [(n, n) for n in range(1, len(sizes) + 1)]
    return [[uid for _, uid in batch] for batch in batches(view, pairs, count, max_bytes)]


def test_cut_by_count_alone_without_bytes() -> None:
    assert cut([10] * 5, 2, None) == [[1, 2], [3, 4], [5]]


def test_cut_by_bytes_a_large_message_alone() -> None:
    assert cut([40, 40, 40, 500, 10, 10], 100, 100) == [[1, 2], [3], [4], [5, 6]]


@given(st.lists(st.integers(0, 300), max_size=40), st.integers(1, 10), st.integers(1, 400))
def test_batches_cover_every_message_in_order_within_bounds(
    sizes: list[int], count: int, max_bytes: int
) -> None:
    found = cut(sizes, count, max_bytes)
    assert [uid for batch in found for uid in batch] == list(range(1, len(sizes) + 1))
    for batch in found:
        assert 1 <= len(batch) <= count
        assert len(batch) == 1 or sum(sizes[uid - 1] for uid in batch) <= max_bytes
