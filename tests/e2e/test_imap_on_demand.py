"""The IMAP and ManageSieve sessions are loaded by their first connection, not at start
(hato.server.on_demand): a real ``hato serve`` answers first connections that come
together, over IMAP and IMAPS, each with the greeting a later connection gets."""

from __future__ import annotations

import imaplib
import socket
import ssl
import threading
from pathlib import Path

from tests.e2e.harness import HatoProcess

PASSWORD = "alice-pw"


def _imap_session(port: int, tls: bool) -> tuple[bytes, str]:
    """The greeting, and SELECT INBOX's status after LOGIN."""
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            "127.0.0.1", port, ssl_context=context, timeout=30
        )
    else:
        client = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    try:
        client.login("alice", PASSWORD)
        status, _ = client.select("INBOX")
        return client.welcome, status
    finally:
        client.logout()


def _managesieve_greeting(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        lines = sock.makefile("rb")
        greeting = b""
        while not greeting.endswith(b"\r\n") or not greeting.splitlines()[-1].startswith(b"OK"):
            line = lines.readline()
            assert line, greeting
            greeting += line
        return greeting


def test_first_imap_connections_that_come_together_are_all_served(tmp_path: Path) -> None:
    server = HatoProcess(tmp_path / "data", services=("imap", "imaps", "managesieve", "pop3"))
    server.add_user("alice", PASSWORD)
    server.start()
    try:
        results: list[tuple[bool, bytes, str]] = []
        sieve: list[bytes] = []

        def imap(tls: bool) -> None:
            results.append((tls, *_imap_session(server.ports["imaps" if tls else "imap"], tls)))

        threads = [threading.Thread(target=imap, args=(n % 3 == 0,)) for n in range(6)]
        threads.append(threading.Thread(target=lambda: sieve.append(
            _managesieve_greeting(server.ports["managesieve"]))))  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        later = {
            tls: _imap_session(server.ports["imaps" if tls else "imap"], tls)
            for tls in (False, True)
        }
        assert sorted(results) == sorted((tls, *later[tls]) for tls, _, _ in results)
        assert [tls for tls, _, _ in results].count(True) == 2
        assert later[False][0].startswith(b"* OK [CAPABILITY IMAP4rev1 ")
        assert b"STARTTLS" not in later[True][0] and later[True][1] == "OK"
        assert sieve == [_managesieve_greeting(server.ports["managesieve"])]
        assert b'"IMPLEMENTATION"' in sieve[0]
    finally:
        assert server.stop() == 0
    assert "could not be loaded" not in "\n".join(server.output)
    assert "Traceback" not in "\n".join(server.output)


def test_a_client_over_its_limit_gets_the_imap_bye_before_any_session_was_loaded(
    tmp_path: Path,
) -> None:
    """The refusal comes from the IMAP encoder (ManageSieve's from its core), imported by
    the first refusal."""
    server = HatoProcess(
        tmp_path / "data",
        services=("imap", "pop3", "managesieve"),
        extra_config="[limits]\nconnections_per_address = 1\n",
    ).start()
    refusals = {}
    try:
        with socket.create_connection(("127.0.0.1", server.ports["pop3"]), timeout=30) as held:
            assert held.makefile("rb").readline().startswith(b"+OK")
            for service in ("imap", "managesieve"):
                address = ("127.0.0.1", server.ports[service])
                with socket.create_connection(address, timeout=30) as refused:
                    refusals[service] = refused.makefile("rb").readline()
        assert refusals == {
            "imap": b"* BYE Too many connections from your address.\r\n",
            "managesieve": b'BYE "Too many connections from your address."\r\n',
        }
    finally:
        assert server.stop() == 0
