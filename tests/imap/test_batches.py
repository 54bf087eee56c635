"""hato.imap.batches: messages loaded at once, cut by count and by bytes."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hato.imap.batches import batches


class _View:
    """What `batches` asks of a view: each message's size."""

    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes

    def size(self, uid: int) -> int:
        return self.sizes[uid - 1]


def cut(
    sizes: list[int], count: int, max_bytes: int | None, first: int | None = None
) -> list[list[int]]:
    view: Any = _View(sizes)
    pairs = [(n, n) for n in range(1, len(sizes) + 1)]
    found = batches(view, pairs, count, max_bytes, first)
    return [[uid for _, uid in batch] for batch in found]


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


def test_first_batch_small_then_growing_fourfold_to_the_count() -> None:
    found = cut([10] * 100, 32, None, first=2)
    assert [len(batch) for batch in found] == [2, 8, 32, 32, 26]


def test_first_batch_takes_its_share_of_the_bytes() -> None:
    # first=1 of count=4: at most a quarter of the 400 bytes, then the whole 400
    found = cut([60] * 10, 4, 400, first=1)
    assert [len(batch) for batch in found] == [1, 4, 4, 1]


@given(
    st.lists(st.integers(0, 300), max_size=40),
    st.integers(1, 10),
    st.integers(1, 400),
    st.integers(1, 10),
)
def test_growing_batches_cover_every_message_within_bounds(
    sizes: list[int], count: int, max_bytes: int, first: int
) -> None:
    found = cut(sizes, count, max_bytes, first)
    assert [uid for batch in found for uid in batch] == list(range(1, len(sizes) + 1))
    for batch in found:
        assert 1 <= len(batch) <= count
        assert len(batch) == 1 or sum(sizes[uid - 1] for uid in batch) <= max_bytes
    if found:
        assert len(found[0]) <= first
