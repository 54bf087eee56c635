"""The POP3 session's maildrop: UIDL strings made when asked, 16 bytes a message kept."""

from __future__ import annotations

import tracemalloc
from array import array

from hato.proto.pop3 import Pop3Connection, Reply, Scan
from hato.server.maildrops import Uidls, uidl

COUNT = 86_719  # the lecture's mailbox


def test_uidls_read_as_the_strings_they_stand_for() -> None:
    uids = array("q", [1, 2, 0x1234_5678, 7])
    found = Uidls(uids, 0xABC)
    expected = [uidl(uid, 0xABC) for uid in uids]
    assert len(found) == 4
    assert list(found) == expected
    assert [found[i] for i in range(4)] == expected
    assert found[-1] == expected[-1]
    assert found[1:3] == expected[1:3]


def test_a_large_maildrop_holds_a_few_bytes_a_message() -> None:
    uids = array("q", range(1, COUNT + 1))
    sizes = array("q", (7_500 + i % 100 for i in range(COUNT)))
    conn = Pop3Connection(plaintext_allowed=True)
    conn.receive_data(b"USER u\r\nPASS p\r\n")
    assert conn.next_event() == Reply(b"+OK\r\n")
    conn.next_event()  # CheckPassword
    tracemalloc.start()
    try:
        conn.auth_succeeded(Scan(Uidls(uids, 5), sizes))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 64 * 1024  # a list of 86,719 strings alone would be over 5 MB
    conn.receive_data(b"UIDL 86719\r\nSTAT\r\n")
    reply = conn.next_event()
    assert isinstance(reply, Reply)
    total = sum(sizes)
    assert reply.data == f"+OK {COUNT} {uidl(COUNT, 5)}\r\n+OK {COUNT} {total}\r\n".encode()
