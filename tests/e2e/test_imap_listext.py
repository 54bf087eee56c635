"""LIST-EXTENDED's SUBSCRIBED and RECURSIVEMATCH (RFC 5258 §3.1, §3.5) and
subscriptions that outlive their mailbox (RFC 3501 §6.3.6), over a real socket
against `hato serve` on the embedded store and on PostgreSQL."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator

import pytest

from tests.e2e.harness import STORE_SERVER_ENV, HatoProcess


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("listext") / "data"
    process = HatoProcess(data, services=("imap",))
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "postgresql":
            patch.setenv(STORE_SERVER_ENV, request.getfixturevalue("pg_cluster").url())
        process.add_user("alice", "alice-pw")
        process.start()
    yield process
    assert process.stop() == 0


@pytest.fixture
def imap(server: HatoProcess) -> Iterator[imaplib.IMAP4]:
    client = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=10)
    client.login("alice", "alice-pw")
    yield client
    for line in _lines(client.lsub('""', "t*")):
        client.unsubscribe(line.rsplit(" ", 1)[1])
    for line in sorted(_lines(client.list('""', "t*")), key=len, reverse=True):
        client.delete(line.rsplit(" ", 1)[1])
    client.logout()


def _lines(answer: tuple[str, list[bytes | None]]) -> list[str]:
    status, data = answer
    assert status == "OK", data
    return [item.decode() for item in data if isinstance(item, bytes)]


def _ok(answer: tuple[str, list[object]]) -> None:
    assert answer[0] == "OK", answer


def _list(imap: imaplib.IMAP4, selection_and_reference: str, rest: str) -> list[str]:
    """LIST with extended arguments (imaplib sends its two arguments unquoted)."""
    return _lines(imap.list(selection_and_reference, rest))


def test_deleted_mailbox_stays_subscribed(imap: imaplib.IMAP4) -> None:
    _ok(imap.create("t.gone"))
    _ok(imap.subscribe("t.gone"))
    _ok(imap.delete("t.gone"))
    assert _lines(imap.lsub('""', "t.*")) == ['() "." "t.gone"']
    assert _list(imap, '(SUBSCRIBED) ""', '"t.*"') == [
        '(\\NonExistent \\Subscribed \\HasNoChildren) "." "t.gone"'
    ]
    assert _list(imap, '""', '"t.*"') == []
    _ok(imap.unsubscribe("t.gone"))
    assert _lines(imap.lsub('""', "t.*")) == []
    assert imap.unsubscribe("t.gone")[0] == "NO"


def test_subscribing_a_missing_mailbox_is_refused(imap: imaplib.IMAP4) -> None:
    assert imap.subscribe("t.never")[0] == "NO"
    assert _lines(imap.lsub('""', "t.*")) == []


def test_recursivematch_reports_subscribed_children(imap: imaplib.IMAP4) -> None:
    for name in ("t.p", "t.p.kid", "t.q", "t.q.kid"):
        _ok(imap.create(name))
    _ok(imap.subscribe("t.p.kid"))
    _ok(imap.subscribe("t.q.kid"))
    _ok(imap.delete("t.q.kid"))
    assert _list(imap, '(SUBSCRIBED RECURSIVEMATCH) ""', '"t.%" RETURN (CHILDREN)') == [
        '(\\HasChildren) "." "t.p" (CHILDINFO ("SUBSCRIBED"))',
        '(\\HasChildren) "." "t.q" (CHILDINFO ("SUBSCRIBED"))',
    ]
    # a child that is answered itself needs no CHILDINFO on its parent
    assert _list(imap, '(SUBSCRIBED RECURSIVEMATCH) ""', '"t.p*"') == [
        '(\\Subscribed \\HasNoChildren) "." "t.p.kid"'
    ]
    assert _list(imap, '(SUBSCRIBED) ""', '"t.%"') == []


def test_rename_moves_subscriptions_with_the_mailboxes(imap: imaplib.IMAP4) -> None:
    for name in ("t.a", "t.a.b", "t.a.c"):
        _ok(imap.create(name))
    _ok(imap.subscribe("t.a"))
    _ok(imap.subscribe("t.a.b"))
    _ok(imap.rename("t.a", "t.z"))
    assert _lines(imap.lsub('""', "t.*")) == ['() "." "t.z"', '() "." "t.z.b"']
    assert _list(imap, '""', '"t.z*" RETURN (SUBSCRIBED)') == [
        '(\\Subscribed \\HasChildren) "." "t.z"',
        '(\\Subscribed \\HasNoChildren) "." "t.z.b"',
        '(\\HasNoChildren) "." "t.z.c"',
    ]
