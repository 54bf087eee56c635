"""A POP3 login to an unchanged INBOX answers from the maildrop the last login left
(hato.server.maildrops), and every change in between is seen: arrivals over SMTP, POP3's
own deletions, and another process's expunge and flag changes in the store. Against a
real ``hato serve``, with poplib; where the listing came from is read at ``/metrics``."""

from __future__ import annotations

import poplib
import smtplib
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hato.store import FlagMode
from tests.e2e.harness import HatoProcess, inbox_messages, read_store

USER = "dora"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("kept") / "data"
    process = HatoProcess(data, services=("smtp", "pop3", "http"))
    process.add_user(USER, "dora-pw")
    process.start()
    yield process
    assert process.stop() == 0


def deliver(server: HatoProcess, *subjects: str) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"]) as smtp:
        for subject in subjects:
            body = f"Subject: {subject}\r\n\r\n{subject} " + "x" * len(subject) * 50 + "\r\n"
            smtp.sendmail("r@ono.example", [f"{USER}@example.org"], body.encode())


def maildrops(server: HatoProcess) -> dict[str, float]:
    """The server's count of POP3 logins by where their listing came from."""
    url = f"http://127.0.0.1:{server.ports['http']}/metrics"
    with urllib.request.urlopen(url, timeout=10) as reply:  # from loopback: no login
        text = reply.read().decode()
    return {
        sample.labels["source"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "hato_pop3_maildrops_total"
    }


Answer = tuple[tuple[int, int], list[bytes], list[bytes]]


def listing(server: HatoProcess) -> tuple[Answer, dict[str, float]]:
    """STAT, LIST and UIDL of one login, and the listing's source counted by the server."""
    before = maildrops(server)
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    pop.user(USER)
    pop.pass_("dora-pw")
    answer = (pop.stat(), pop.list()[1], pop.uidl()[1])
    pop.quit()
    after = maildrops(server)
    moved = {source: after.get(source, 0) - before.get(source, 0) for source in ("kept", "read")}
    assert sum(moved.values()) == 1, moved
    return answer, moved


def truth(server: HatoProcess) -> tuple[tuple[int, int], list[bytes]]:
    stored = inbox_messages(server.data_dir, USER)
    sizes = [f"{n} {len(m)}".encode() for n, m in enumerate(stored, 1)]
    return (len(stored), sum(map(len, stored))), sizes


def expunge_first(server: HatoProcess) -> None:
    async def work(store: object) -> None:
        account = await store.get_account(USER)  # type: ignore[attr-defined]
        box = store.mailstore(account.id)  # type: ignore[attr-defined]
        inbox = await box.get_mailbox("INBOX")
        first = (await box.messages(inbox.id))[0].uid
        await box.expunge(inbox.id, [first])

    read_store(server.data_dir, work)


def flag_all(server: HatoProcess) -> None:
    async def work(store: object) -> None:
        account = await store.get_account(USER)  # type: ignore[attr-defined]
        box = store.mailstore(account.id)  # type: ignore[attr-defined]
        inbox = await box.get_mailbox("INBOX")
        uids = [m.uid for m in await box.messages(inbox.id)]
        await box.store_flags(inbox.id, uids, ["\\Flagged"], FlagMode.ADD)

    read_store(server.data_dir, work)


def test_an_unchanged_inbox_is_kept_and_every_change_is_seen(server: HatoProcess) -> None:
    deliver(server, "one", "two", "three")
    (stat, sizes, uidls), moved = listing(server)
    assert (stat, sizes) == truth(server) and len(uidls) == 3
    assert moved == {"kept": 0, "read": 1}

    again, moved = listing(server)
    assert again == (stat, sizes, uidls)
    assert moved == {"kept": 1, "read": 0}

    deliver(server, "four")  # an arrival
    (stat, sizes, more), moved = listing(server)
    assert (stat, sizes) == truth(server) and more[:3] == uidls and len(more) == 4
    assert moved == {"kept": 0, "read": 1}

    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    pop.user(USER)
    pop.pass_("dora-pw")
    pop.dele(2)  # POP3's own deletion, done at QUIT
    pop.quit()
    (stat, sizes, left), moved = listing(server)
    assert (stat, sizes) == truth(server)
    assert [line.split()[1] for line in left] == [more[i].split()[1] for i in (0, 2, 3)]
    assert moved == {"kept": 0, "read": 1}

    expunge_first(server)  # another process's expunge, in the store
    (stat, sizes, left), moved = listing(server)
    assert (stat, sizes) == truth(server) and stat[0] == 2
    assert [line.split()[1] for line in left] == [more[i].split()[1] for i in (2, 3)]
    assert moved == {"kept": 0, "read": 1}

    flag_all(server)  # flags change no listing, but move the stamp: read again, same answer
    answer, moved = listing(server)
    assert answer == (stat, sizes, left) and moved == {"kept": 0, "read": 1}
    answer, moved = listing(server)
    assert answer == (stat, sizes, left) and moved == {"kept": 1, "read": 0}


def test_a_deletion_in_a_session_leaves_the_kept_listing_whole(server: HatoProcess) -> None:
    """DELE marks the session's own maildrop: the listing kept for others is untouched,
    and a session that ends without QUIT deletes nothing."""
    deliver(server, "five")
    before, _ = listing(server)
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=10)
    pop.user(USER)
    pop.pass_("dora-pw")
    pop.dele(1)
    assert len(pop.uidl()[1]) == len(before[2]) - 1
    assert len(pop.list()[1]) == len(before[1]) - 1
    pop.close()  # no QUIT: nothing is deleted
    after, moved = listing(server)
    assert after == before and moved == {"kept": 1, "read": 0}
