"""hato.session.deflate: COMPRESS=DEFLATE's streams (RFC 4978), bytes in and out."""

from __future__ import annotations

import zlib

import pytest

from hato.session.deflate import CompressionError, DeflateStreams


def client_stream(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def test_each_write_can_be_inflated_on_its_own() -> None:
    """The sync flush: the client inflates every response without waiting for more."""
    streams = DeflateStreams()
    client = zlib.decompressobj(-15)
    for line in (b"* 1 EXISTS\r\n", b"a OK done\r\n"):
        sent = streams.compress(line) + streams.flush()
        assert client.decompress(sent) == line


def test_a_bomb_inflates_a_bounded_chunk_per_call() -> None:
    streams = DeflateStreams(max_output=4096)
    bomb = client_stream(b"a" * (8 * 1024 * 1024))
    assert len(bomb) < 16 * 1024
    sizes = [len(streams.inflate(bomb))]
    while streams.backlog:
        sizes.append(len(streams.inflate(b"")))
    assert max(sizes) == 4096
    assert sum(sizes) == 8 * 1024 * 1024


def test_bytes_that_are_not_deflate_are_an_error() -> None:
    with pytest.raises(CompressionError, match="does not inflate"):
        DeflateStreams().inflate(b"\xff" * 16)


def test_a_finished_client_stream_ends_the_session() -> None:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    finished = compressor.compress(b"a NOOP\r\n") + compressor.flush(zlib.Z_FINISH)
    streams = DeflateStreams()
    assert streams.inflate(finished) == b"a NOOP\r\n"
    with pytest.raises(CompressionError, match="ended"):
        streams.inflate(b"more")
