"""ImapReader with a spool: large literals go to a sink as they arrive (hato.proto.imap._spool)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hato.proto.imap import (
    Append,
    ContinuationNeeded,
    Event,
    ImapReader,
    Login,
    ParseError,
    SpooledLiteral,
)
from tests.proto.test_imap_reader import events


class Sink:
    """An in-memory LiteralSink that remembers what was done to it."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.data += data

    def read(self) -> bytes:
        assert not self.closed
        return bytes(self.data)

    def close(self) -> None:
        self.closed = True


class Spool:
    def __init__(self) -> None:
        self.sinks: list[Sink] = []

    def __call__(self) -> Sink:
        self.sinks.append(Sink())
        return self.sinks[-1]


def command(reader: ImapReader, data: bytes) -> Event | None:
    """The next event, as the session takes it: handled before the reader is asked again."""
    reader.receive_data(data)
    return reader.next_event()


def spooling_reader(spool: Spool, above: int = 8) -> ImapReader:
    return ImapReader(spool=spool, spool_above=above)


def test_large_literal_goes_to_the_sink_as_it_arrives() -> None:
    spool = Spool()
    reader = spooling_reader(spool)
    assert events(reader, b"A1 APPEND INBOX {20}\r\n") == [ContinuationNeeded("A1", 20)]
    assert events(reader, b"0123456789") == []
    assert spool.sinks[0].data == b"0123456789"  # not held in the reader's buffer
    append = command(reader, b"abcdefghij\r\n")
    assert isinstance(append, Append)
    data = append.messages[0].data
    assert isinstance(data, SpooledLiteral) and len(data) == 20
    assert data.read() == b"0123456789abcdefghij"
    assert not spool.sinks[0].closed  # the command's own until the next event
    assert events(reader) == []
    assert spool.sinks[0].closed


def test_multiappend_mixes_spooled_and_small_literals() -> None:
    spool = Spool()
    append = command(
        spooling_reader(spool),
        b"A1 APPEND INBOX (\\Seen) {10+}\r\n0123456789 {3+}\r\nabc {9+}\r\n{1}\r\nxyzw\r\n",
    )
    assert isinstance(append, Append)
    datas = [m.data for m in append.messages]
    assert isinstance(datas[0], SpooledLiteral) and datas[0].read() == b"0123456789"
    assert datas[1] == b"abc"
    assert isinstance(datas[2], SpooledLiteral) and datas[2].read() == b"{1}\r\nxyzw"
    assert append.messages[0].flags == ("\\Seen",)


def test_spooled_literal_outside_append_is_loaded() -> None:
    spool = Spool()
    found = events(spooling_reader(spool, 3), b"A1 LOGIN {4+}\r\nuser {8+}\r\npassword\r\n")
    assert found == [Login("A1", "user", "password")]
    assert len(spool.sinks) == 2 and all(sink.closed for sink in spool.sinks)


def test_sinks_of_a_bad_command_are_closed() -> None:
    spool = Spool()
    reader = spooling_reader(spool)
    [error] = events(reader, b"A1 APPEND INBOX {10+}\r\n0123456789 junk\r\n")
    assert isinstance(error, ParseError)
    assert events(reader) == [] and spool.sinks[0].closed


def test_close_mid_literal_closes_its_sink() -> None:
    spool = Spool()
    reader = spooling_reader(spool)
    assert events(reader, b"A1 APPEND INBOX {100+}\r\n0123456789") == []
    reader.close()
    assert spool.sinks[0].closed


def test_small_literals_stay_in_memory() -> None:
    spool = Spool()
    append = command(spooling_reader(spool), b"A1 APPEND INBOX {8+}\r\n01234567\r\n")
    assert isinstance(append, Append) and append.messages[0].data == b"01234567"
    assert spool.sinks == []


@settings(max_examples=100)
@given(st.binary(min_size=9, max_size=200), st.integers(min_value=1, max_value=50))
def test_any_chunking_spools_the_same_bytes(message: bytes, step: int) -> None:
    spool = Spool()
    reader = spooling_reader(spool)
    wire = b"A1 APPEND INBOX {%d+}\r\n%s\r\n" % (len(message), message)
    found = [command(reader, wire[start : start + step]) for start in range(0, len(wire), step)]
    [append] = [event for event in found if event is not None]
    assert isinstance(append, Append)
    data = append.messages[0].data
    assert isinstance(data, SpooledLiteral) and data.read() == message
