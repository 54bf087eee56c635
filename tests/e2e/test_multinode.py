"""Two `hato serve` nodes on one PostgreSQL, as an organisation behind a load balancer runs them."""

from __future__ import annotations

import imaplib
import poplib
import re
import smtplib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import imapclient
import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import logged_in
from tests.e2e.test_imap_notify import until
from tests.pg import Cluster

SERVICES = ("smtp", "pop3", "imap")


def _message(token: str, size: int = 200) -> bytes:
    return (
        f"From: Carol <carol@remote.example>\r\nTo: alice@example.org\r\n"
        f"Subject: {token}\r\nX-Token: {token}\r\n\r\n{'x' * size}\r\n"
    ).encode()


def _nodes(root: Path, url: str, users: tuple[str, ...]) -> list[HatoProcess]:
    config = f'[store]\nurl = "{url}"\n'
    nodes = [HatoProcess(root / name, SERVICES, config) for name in ("a", "b")]
    for user in users:
        nodes[0].add_user(user, f"{user}-pw")
    return [node.start() for node in nodes]


@pytest.fixture(scope="module")
def nodes(
    tmp_path_factory: pytest.TempPathFactory, pg_cluster: Cluster, pg_template: str
) -> Iterator[list[HatoProcess]]:
    url = pg_cluster.database(template=pg_template)
    users = ("alice", "bob", "carol", "dave")  # each test its own account: they share the nodes
    started = _nodes(tmp_path_factory.mktemp("multinode"), url, users)
    yield started
    for node in started:
        assert node.stop() == 0


def deliver(node: HatoProcess, user: str, body: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", node.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail("carol@remote.example", [f"{user}@example.org"], body)


def test_smtp_on_a_is_read_over_pop3_and_imap_on_b(nodes: list[HatoProcess]) -> None:
    a, b = nodes
    body = _message("cross-node")
    deliver(a, "alice", body)
    pop = poplib.POP3("127.0.0.1", b.ports["pop3"], timeout=10)
    pop.user("alice")
    pop.pass_("alice-pw")
    assert pop.stat()[0] == 1
    assert b"\r\n".join(pop.retr(1)[1]).endswith(body.rstrip(b"\r\n"))
    pop.quit()
    imap = imaplib.IMAP4("127.0.0.1", b.ports["imap"], timeout=10)
    imap.login("alice", "alice-pw")
    imap.select("INBOX")
    status, data = imap.uid("FETCH", "1", "(BODY.PEEK[HEADER.FIELDS (X-TOKEN)])")
    assert status == "OK" and b"X-Token: cross-node" in data[0][1]  # type: ignore[index]
    imap.logout()


def test_idle_on_b_wakes_for_a_delivery_on_a_within_a_second(nodes: list[HatoProcess]) -> None:
    a, b = nodes
    with imapclient.IMAPClient("127.0.0.1", port=b.ports["imap"], ssl=False) as client:
        client.login("bob", "bob-pw")
        client.select_folder("INBOX")
        client.idle()
        started = time.monotonic()
        deliver(a, "bob", _message("wake"))
        responses = client.idle_check(timeout=5)
        elapsed = time.monotonic() - started
        client.idle_done()
    assert (1, b"EXISTS") in responses
    assert elapsed < 1.0


def _append_many(node: HatoProcess, count: int, uids: list[int]) -> None:
    imap = imaplib.IMAP4("127.0.0.1", node.ports["imap"], timeout=30)
    imap.login("carol", "carol-pw")
    for n in range(count):
        status, data = imap.append("INBOX", "", None, _message(f"{node.data_dir.name}{n}"))
        assert status == "OK"
        found = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
        assert found is not None
        uids.append(int(found.group(1)))
    imap.logout()


def test_notify_on_b_tells_of_a_mailbox_and_mail_added_on_a(nodes: list[HatoProcess]) -> None:
    """NOTIFY (RFC 5465) across nodes: the account's channel and the mailbox's both come
    through LISTEN/NOTIFY."""
    a, b = nodes
    watcher = logged_in(b.ports["imap"], "dave")
    events = "(MessageNew MessageExpunge MailboxName)"
    assert watcher.command(f"n NOTIFY SET (personal {events})")[-1].startswith("n OK")
    other = logged_in(a.ports["imap"], "dave")
    other.command("c CREATE Lists")
    assert until(watcher, r"\* LIST .*") == ['* LIST () "." "Lists"']
    other.close()
    deliver(a, "dave", _message("notify"))
    assert until(watcher, r"\* STATUS .*") == ["* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UNSEEN 1)"]
    watcher.close()


def test_concurrent_appends_from_both_nodes_get_unique_ascending_uids(
    nodes: list[HatoProcess],
) -> None:
    per_connection: list[list[int]] = [[] for _ in range(6)]
    threads = [
        threading.Thread(target=_append_many, args=(nodes[n % 2], 25, per_connection[n]))
        for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for uids in per_connection:
        assert len(uids) == 25 and uids == sorted(uids)
    everything = sorted(uid for uids in per_connection for uid in uids)
    assert everything == list(range(1, 151))
    with imapclient.IMAPClient("127.0.0.1", port=nodes[1].ports["imap"], ssl=False) as client:
        client.login("carol", "carol-pw")
        assert client.select_folder("INBOX")[b"UIDNEXT"] == 151
        assert client.search("ALL") == list(range(1, 151))


def _send_until_refused(node: HatoProcess, name: str, acknowledged: list[str]) -> None:
    """Deliver numbered messages until the node dies (or 150 are sent)."""
    try:
        with smtplib.SMTP("127.0.0.1", node.ports["smtp"], timeout=10) as smtp:
            for number in range(150):
                token = f"{name}-{number}"
                smtp.sendmail("load@remote.example", ["alice@example.org"], _message(token, 2000))
                acknowledged.append(token)
    except (smtplib.SMTPException, OSError):
        return


def _tokens(node: HatoProcess) -> list[str]:
    pop = poplib.POP3("127.0.0.1", node.ports["pop3"], timeout=30)
    pop.user("alice")
    pop.pass_("alice-pw")
    tokens = []
    for line in pop.uidl()[1]:
        number = int(line.split()[0])
        header = b"\r\n".join(pop.top(number, 0)[1])
        found = re.search(rb"X-Token: (\S+)", header)
        if found:
            tokens.append(found.group(1).decode())
    pop.quit()
    return tokens


def test_sigkill_of_one_node_mid_delivery_loses_nothing_and_the_other_serves(
    tmp_path: Path, pg_cluster: Cluster, pg_template: str
) -> None:
    a, b = _nodes(tmp_path, pg_cluster.database(template=pg_template), ("alice",))
    on_a: list[str] = []
    on_b: list[str] = []
    threads = [
        threading.Thread(target=_send_until_refused, args=(node, f"{name}{n}", acked))
        for n in range(3)
        for node, name, acked in ((a, "a", on_a), (b, "b", on_b))
    ]
    for thread in threads:
        thread.start()
    while len(on_a) < 60:
        time.sleep(0.01)
    a.kill()
    served_at_kill = len(on_b)
    for thread in threads:
        thread.join(timeout=60)
    assert len(on_b) > served_at_kill, "node b stopped serving when a died"
    stored = _tokens(b)
    assert len(stored) == len(set(stored)), "a message was stored twice"
    missing = set(on_a + on_b) - set(stored)
    assert not missing, f"acknowledged but lost: {sorted(missing)[:5]}"
    assert b.stop() == 0
