"""How a session's answers become writes (hato.imap.session._coalesced): every byte in
order; a batch of answers as one write; a large literal never copied when the answers
are too large to join."""

from __future__ import annotations

import random

from hato.imap.session import JOINED, WRITE_CHUNK, _coalesced


def _pieces(seed: int, count: int, largest: int) -> list[bytes]:
    rng = random.Random(seed)
    return [bytes([65 + n % 26]) * rng.randint(1, largest) for n in range(count)]


def test_answers_up_to_the_bound_go_out_in_one_write() -> None:
    pieces = _pieces(1, 2_000, 3_000)  # a thousand FETCH answers with their bodies
    assert sum(map(len, pieces)) <= JOINED
    assert list(_coalesced(pieces)) == [b"".join(pieces)]


def test_beyond_the_bound_small_pieces_are_joined_and_large_ones_go_alone_uncopied() -> None:
    big = b"x" * (JOINED + 1)
    pieces = [b"* 1 FETCH (BODY[] {%d}\r\n" % len(big), big, b")\r\n", *_pieces(2, 50, 9_000)]
    writes = list(_coalesced(pieces))
    assert b"".join(writes) == b"".join(pieces)
    assert any(write is big for write in writes)  # the literal as it is
    assert all(len(write) <= WRITE_CHUNK for write in writes if write is not big)
    assert len(writes) < len(pieces)


def test_nothing_to_write_is_no_write_or_one_empty_one() -> None:
    assert b"".join(_coalesced([])) == b""
