"""The store failing under a running hato: temporary answers, sessions kept, nothing lost.

PostgreSQL: a private cluster is stopped and started again while two nodes take
mail over SMTP and serve IMAP and POP3 sessions. During the outage SMTP and LMTP
answer ``451 4.3.0`` (the sender retries), IMAP ``NO [UNAVAILABLE]`` (RFC 5530),
POP3 ``-ERR [SYS/TEMP]`` (RFC 3206), at once rather than after a connection
timeout; the sessions stay open and work again once the database is back,
without a restart; every message that got a 250 is there; each node's log
has one line when the store goes and one when it is back, and no traceback.

SQLite: writes made to fail for real in the server process. A full disk is a
small tmpfs mounted over the data directory in the server's own mount
namespace (``unshare``; the test reaches the files through /proc/PID/root),
filled up and then emptied: ``452 4.3.1``. An I/O error is a file size limit
of one byte set on the running server (``prlimit``: writes fail with EFBIG,
which SQLite reports as SQLITE_IOERR_WRITE): ``451 4.3.0``. (As root, a
``chmod`` does not stop writes, and neither does any mode change on a file
the server already holds open.)
"""

from __future__ import annotations

import imaplib
import os
import poplib
import re
import resource
import shutil
import smtplib
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import imapclient
import pytest

from tests.e2e.harness import HatoProcess, hato
from tests.e2e.test_smtp import tls_client_context
from tests.pg import Cluster, running_cluster

SERVICES = ("smtp", "lmtp", "submission", "pop3", "imap")
TEMPORARY_SMTP = re.compile(r"^4\.3\.[01] ")


def message(token: str, size: int = 300) -> bytes:
    return (
        f"From: Carol <carol@remote.example>\r\nTo: alice@example.org\r\n"
        f"Subject: {token}\r\nX-Token: {token}\r\n\r\n"
    ).encode() + (b"x" * 76 + b"\r\n") * (size // 78 + 1)


class Load(threading.Thread):
    """Sends numbered messages to alice over one SMTP session until told to stop."""

    def __init__(self, node: HatoProcess, name: str) -> None:
        super().__init__(daemon=True)
        self.node = node
        self.name = name
        self.acknowledged: list[str] = []
        self.temporary: list[tuple[int, bytes]] = []
        self.other: list[tuple[int, bytes]] = []
        self.dropped = 0
        self.halt = threading.Event()

    def run(self) -> None:
        number = 0
        smtp = self._connect()
        while not self.halt.is_set():
            token = f"{self.name}-{number}"
            number += 1
            try:
                smtp.sendmail("carol@remote.example", ["alice@example.org"], message(token))
            except smtplib.SMTPRecipientsRefused as refused:
                self._refused(*refused.recipients["alice@example.org"])
            except smtplib.SMTPResponseException as error:
                self._refused(error.smtp_code, error.smtp_error)
            except (smtplib.SMTPServerDisconnected, OSError):
                self.dropped += 1
                smtp = self._connect()
            else:
                self.acknowledged.append(token)
            time.sleep(0.02)
        smtp.quit()

    def _connect(self) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.node.ports["smtp"], timeout=30)

    def _refused(self, code: int, text: bytes) -> None:
        if code == 451 and TEMPORARY_SMTP.match(text.decode()):
            self.temporary.append((code, text))
        else:
            self.other.append((code, text))


def wait_until(condition: object, what: str, limit: float = 60.0) -> float:
    """Poll ``condition()`` until true; return the seconds it took."""
    started = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - started < limit, f"not within {limit} s: {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def deliver(node: HatoProcess, service: str, token: str) -> tuple[int, bytes] | None:
    """One message over SMTP or LMTP; None when accepted, else the refusal."""
    client = smtplib.LMTP if service == "lmtp" else smtplib.SMTP
    try:
        with client("127.0.0.1", node.ports[service], timeout=30) as session:
            session.sendmail("carol@remote.example", ["alice@example.org"], message(token))
    except smtplib.SMTPRecipientsRefused as refused:
        code, text = refused.recipients["alice@example.org"]
        return code, text
    except smtplib.SMTPResponseException as error:
        return error.smtp_code, error.smtp_error
    return None


def tokens(node: HatoProcess, user: str = "alice") -> list[str]:
    with imapclient.IMAPClient("127.0.0.1", port=node.ports["imap"], ssl=False) as client:
        client.login(user, f"{user}-pw")
        client.select_folder("INBOX", readonly=True)
        numbers = client.search("ALL")
        fetched = client.fetch(numbers, ["BODY.PEEK[HEADER.FIELDS (X-TOKEN)]"])
    found = []
    for number in sorted(fetched):
        header = fetched[number][b"BODY[HEADER.FIELDS (X-TOKEN)]"]
        match = re.search(rb"X-Token: (\S+)", header)
        if match:
            found.append(match.group(1).decode())
    return found


def state_lines(node: HatoProcess, state: str) -> list[str]:
    return [line for line in node.output if "store" in line and f"state={state}" in line]


def assert_quiet_log(node: HatoProcess) -> None:
    """One line when the store went, one when it came back, no traceback."""
    log = "\n".join(node.output)
    assert "Traceback" not in log, log
    assert len(state_lines(node, "unavailable")) == 1, log
    assert len(state_lines(node, "available")) == 1, log


# -- PostgreSQL stopped and started under load, two nodes --------------------------------


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[Cluster]:
    """A cluster of this module's own: the test stops and starts it."""
    with running_cluster() as cluster:
        yield cluster


def pg_nodes(root: Path, url: str) -> list[HatoProcess]:
    config = f'[store]\nurl = "{url}"\n'
    nodes = [HatoProcess(root / name, SERVICES, config) for name in ("a", "b")]
    nodes[0].add_user("alice", "alice-pw")
    nodes[0].add_user("bob", "bob-pw")
    return [node.start() for node in nodes]


def imap_session(node: HatoProcess, user: str) -> imaplib.IMAP4:
    imap = imaplib.IMAP4("127.0.0.1", node.ports["imap"], timeout=30)
    imap.login(user, f"{user}-pw")
    assert imap.select("INBOX")[0] == "OK"
    return imap


def pop3_session(node: HatoProcess, user: str) -> poplib.POP3:
    pop = poplib.POP3("127.0.0.1", node.ports["pop3"], timeout=30)
    pop.user(user)
    pop.pass_(f"{user}-pw")
    return pop


@dataclass
class Sessions:
    """Sessions opened before the outage and kept through it."""

    imap_a: imaplib.IMAP4  # alice on node a, INBOX selected
    imap_b: imaplib.IMAP4  # bob on node b, INBOX selected
    pop_b: poplib.POP3  # alice on node b, in the TRANSACTION state
    idle_b: imapclient.IMAPClient  # bob on node b, idling in INBOX

    @classmethod
    def open(cls, a: HatoProcess, b: HatoProcess) -> Sessions:
        idle = imapclient.IMAPClient("127.0.0.1", port=b.ports["imap"], ssl=False, timeout=30)
        idle.login("bob", "bob-pw")
        idle.select_folder("INBOX")
        idle.idle()
        pop = pop3_session(b, "alice")
        return cls(imap_session(a, "alice"), imap_session(b, "bob"), pop, idle)

    def close(self) -> None:
        self.idle_b.idle_done()
        for client in (self.imap_a, self.imap_b, self.idle_b):
            client.logout()
        self.pop_b.quit()


def assert_unavailable_during_outage(a: HatoProcess, b: HatoProcess, sessions: Sessions) -> None:
    status, data = sessions.imap_a.select("INBOX")
    assert status == "NO" and data[0].startswith(b"[UNAVAILABLE] "), data
    status, data = sessions.imap_b.status("INBOX", "(MESSAGES)")
    assert status == "NO" and data[0].startswith(b"[UNAVAILABLE] "), data
    fresh = imaplib.IMAP4("127.0.0.1", b.ports["imap"], timeout=30)
    with pytest.raises(imaplib.IMAP4.error, match=r"\[UNAVAILABLE\]"):
        fresh.login("bob", "bob-pw")
    assert fresh.noop()[0] == "OK"  # the session goes on
    fresh.logout()
    with pytest.raises(poplib.error_proto, match=r"\[SYS/TEMP\]"):
        sessions.pop_b.retr(1)
    fresh_pop = poplib.POP3("127.0.0.1", a.ports["pop3"], timeout=30)
    fresh_pop.user("bob")
    with pytest.raises(poplib.error_proto, match=r"\[SYS/TEMP\]"):
        fresh_pop.pass_("bob-pw")
    assert fresh_pop.user("bob").startswith(b"+OK")  # the session goes on
    fresh_pop.quit()
    for node, service in ((a, "lmtp"), (b, "smtp")):
        refusal = deliver(node, service, f"outage-{service}")
        assert refusal is not None and refusal[0] == 451, refusal
        assert refusal[1].startswith(b"4.3.0 "), refusal
    with smtplib.SMTP("127.0.0.1", a.ports["submission"], timeout=30) as submission:
        submission.starttls(context=tls_client_context())
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:  # RFC 4954 §6
            submission.login("alice", "alice-pw")
        assert refused.value.smtp_code == 454 and refused.value.smtp_error.startswith(b"4.7.0")


def assert_sessions_work_again(a: HatoProcess, sessions: Sessions) -> None:
    assert sessions.imap_a.select("INBOX")[0] == "OK"
    assert sessions.imap_b.status("INBOX", "(MESSAGES)")[0] == "OK"
    assert b"X-Token: first" in b"\r\n".join(sessions.pop_b.retr(1)[1])
    # Changes made on the other node wake IDLE again: the change feed is back.
    with smtplib.SMTP("127.0.0.1", a.ports["smtp"], timeout=30) as smtp:
        smtp.sendmail("carol@remote.example", ["bob@example.org"], message("to-bob"))
    responses = sessions.idle_b.idle_check(timeout=10)
    assert any(response[1:] == (b"EXISTS",) for response in responses), responses


def test_postgresql_stopped_and_started_under_load(tmp_path: Path, own_cluster: Cluster) -> None:
    a, b = pg_nodes(tmp_path, own_cluster.database())
    try:
        assert deliver(a, "smtp", "first") is None
        sessions = Sessions.open(a, b)
        loads = [Load(a, "a"), Load(b, "b")]
        for load in loads:
            load.start()
        wait_until(lambda: all(len(load.acknowledged) >= 5 for load in loads), "load running")

        own_cluster.pause()
        # Every load answered again and again at once: no 10 s wait per attempt.
        wait_until(lambda: all(len(load.temporary) >= 20 for load in loads), "fast 451s")
        assert_unavailable_during_outage(a, b, sessions)

        own_cluster.resume()
        counts = [len(load.acknowledged) for load in loads]
        seconds = wait_until(
            lambda: all(len(load.acknowledged) > n for load, n in zip(loads, counts, strict=True)),
            "deliveries again on both nodes",
            limit=30,
        )
        print(f"service resumed {seconds:.2f} s after PostgreSQL was back")
        assert_sessions_work_again(a, sessions)
        for load in loads:
            load.halt.set()
            load.join(timeout=60)
        sessions.close()

        for load in loads:
            assert load.dropped == 0 and load.other == []
        stored = set(tokens(b))
        acknowledged = {token for load in loads for token in load.acknowledged}
        assert acknowledged <= stored
    finally:
        for node in (a, b):
            node.stop()
    for node in (a, b):
        assert_quiet_log(node)


# -- SQLite: a full disk, an I/O error ------------------------------------------------


def sqlite_node(root: Path, wrapper: tuple[str, ...] = ()) -> HatoProcess:
    node = HatoProcess(root / "data", SERVICES, wrapper=wrapper)
    node.config_path.write_text(node._config_text())
    return node


def add_user(node: HatoProcess, data_dir: Path, name: str) -> None:
    done = hato(
        "user", "add", name, "--password-stdin", "--config", str(node.config_path),
        data_dir=data_dir, stdin=f"{name}-pw\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def imap_append(imap: imaplib.IMAP4, token: str, size: int) -> tuple[str, list[bytes]]:
    status, data = imap.append("INBOX", "", None, message(token, size))
    return status, data  # type: ignore[return-value]


def test_sqlite_on_a_full_disk(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare, to mount a small tmpfs for the server alone")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    node = sqlite_node(tmp_path)
    # The account is made inside the namespace too: SQLite's shared memory is not
    # shared with a process that reaches the files through /proc/PID/root.
    add = f'{sys.executable} -m hato user add alice --password-stdin --data-dir "$0"'
    script = f'mount -t tmpfs -o size=24m hato-full "$0" && echo alice-pw | {add} && exec "$@"'
    node.wrapper = ("unshare", "--mount", "--propagation", "private", "sh", "-c", script)
    node.wrapper += (str(data_dir),)
    node.start()
    try:
        assert node.process is not None
        inside = Path(f"/proc/{node.process.pid}/root") / data_dir.relative_to("/")
        assert deliver(node, "smtp", "before") is None
        imap = imap_session(node, "alice")
        filler = inside / "filler"
        # unbuffered: a write the disk takes only part of leaves nothing for close to flush
        with filler.open("wb", buffering=0) as fill, pytest.raises(OSError, match="No space left"):
            while True:
                fill.write(b"\0" * 65536)

        big = message("full-smtp", 2_000_000)  # more than the journal holds
        with smtplib.SMTP("127.0.0.1", node.ports["smtp"], timeout=30) as smtp:
            with pytest.raises(smtplib.SMTPDataError) as refused:
                smtp.sendmail("carol@remote.example", ["alice@example.org"], big)
            assert refused.value.smtp_code == 452
            assert refused.value.smtp_error.startswith(b"4.3.1 ")
            assert smtp.noop()[0] == 250  # the session goes on
        status, data = imap_append(imap, "full-imap", 2_000_000)
        assert status == "NO" and data[0].startswith(b"[UNAVAILABLE] "), data
        assert imap.noop()[0] == "OK"

        filler.unlink()
        assert deliver(node, "smtp", "after") is None
        assert imap_append(imap, "after-imap", 2_000_000)[0] == "OK"
        imap.logout()
        assert tokens(node) == ["before", "after", "after-imap"]
    finally:
        node.stop()
    assert_quiet_log(node)


def test_sqlite_write_errors(tmp_path: Path) -> None:
    node = sqlite_node(tmp_path)
    add_user(node, node.data_dir, "alice")
    node.start()
    try:
        assert node.process is not None
        pid = node.process.pid
        assert deliver(node, "smtp", "before") is None
        imap = imap_session(node, "alice")
        pop = pop3_session(node, "alice")
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (1, hard))  # every write: EFBIG

        for service in ("smtp", "lmtp"):
            refusal = deliver(node, service, f"ioerr-{service}")
            assert refusal is not None and refusal[0] == 451, refusal
            assert refusal[1].startswith(b"4.3.0 "), refusal
        status, data = imap_append(imap, "ioerr-imap", 300)
        assert status == "NO" and data[0].startswith(b"[UNAVAILABLE] "), data
        status, data = imap.store("1", "+FLAGS", "(\\Flagged)")
        assert status == "NO" and data[0].startswith(b"[UNAVAILABLE] "), data
        assert b"X-Token: before" in b"\r\n".join(pop.retr(1)[1])  # reads go on
        pop.dele(1)
        with pytest.raises(poplib.error_proto, match=r"\[SYS/TEMP\]"):
            pop.quit()  # RFC 1939 §6: the session ends all the same, nothing deleted
        pop.close()

        resource.prlimit(pid, resource.RLIMIT_FSIZE, (hard, hard))
        assert deliver(node, "lmtp", "after") is None
        assert imap_append(imap, "after-imap", 300)[0] == "OK"
        assert imap.store("1", "+FLAGS", "(\\Flagged)")[0] == "OK"
        imap.logout()
        stored = tokens(node)
        assert stored == ["before", "after", "after-imap"]  # nothing deleted, nothing half-done
    finally:
        node.stop()
    assert_quiet_log(node)
