"""``hato dkim keygen`` and DKIM signing of submitted mail, checked by dkimpy's ``dkimverify``."""

from __future__ import annotations

import os
import re
import smtplib
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hato.mailauth.dkim_sign import DkimSigner
from tests.e2e.harness import HatoProcess, hato, inbox_messages
from tests.e2e.relay_peer import wait_until
from tests.e2e.test_relay import MESSAGE as RELAYED
from tests.e2e.test_relay import sender_hato
from tests.e2e.test_relay import submit as submit_relayed
from tests.e2e.test_smtp import tls_client_context
from tests.mailauth.dns_server import ZoneServer
from tests.mailauth.verifier import dkimverify

MESSAGE = (
    b"From: Alice <alice@example.org>\r\n"
    b"To: Bob <bob@example.org>\r\n"
    b"Subject: minutes\r\n"
    b"Date: Fri, 04 Dec 2026 10:00:00 +0000\r\n"
    b"Message-ID: <m1@example.org>\r\n"
    b"\r\n"
    b"Bob-san,\r\n\r\nthe minutes.\r\n"
)


def keygen(data: Path, domain: str, *options: str) -> str:
    done = hato("dkim", "keygen", domain, *options, data_dir=data)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def signature_tags(message: bytes, index: int = 0) -> dict[str, str]:
    fields = re.findall(rb"^DKIM-Signature:(.*?)\r\n(?=\S)", message, re.M | re.S)
    text = re.sub(r"\s+", "", fields[index].decode())
    return dict(tag.split("=", 1) for tag in text.split(";") if tag)


def test_keygen_prints_the_record_and_keeps_the_key_private(tmp_path: Path) -> None:
    record = keygen(tmp_path, "Example.ORG", "--selector", "s1", "--algorithm", "ed25519")
    assert re.fullmatch(
        r's1\._domainkey\.example\.org\. IN TXT "v=DKIM1; k=ed25519; p=\S{44}"', record
    )
    key = tmp_path / "dkim" / "example.org" / "s1.ed25519.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "dkim").stat().st_mode) == 0o700
    rsa = keygen(tmp_path, "example.org")  # rsa, ALGORITHM-YYYYMM
    assert rsa.startswith(
        f"rsa-{time.strftime('%Y%m', time.gmtime())}._domainkey.example.org. IN TXT"
    )
    assert all(len(s) <= 255 for s in re.findall(r'"([^"]*)"', rsa))
    again = hato(
        "dkim",
        "keygen",
        "example.org",
        "--selector",
        "s1",
        "--algorithm",
        "ed25519",
        data_dir=tmp_path,
    )
    assert (
        again.returncode == 1
        and again.stderr.startswith("hato: ")
        and "exists already" in again.stderr
    )
    for bad in (
        ["no_such"],
        ["example.org", "--selector", "a b"],
        ["example.org", "--selector", "x" * 300],
    ):
        done = hato("dkim", "keygen", *bad, data_dir=tmp_path)
        assert (
            done.returncode == 1
            and done.stderr.startswith("hato: ")
            and "Traceback" not in done.stderr
        )


@pytest.fixture
def signed_zone(tmp_path: Path) -> Iterator[tuple[Path, ZoneServer]]:
    """Both kinds of key for example.org, their records served by a loopback DNS server."""
    records = [keygen(tmp_path, "example.org", "--algorithm", a) for a in ("rsa", "ed25519")]
    with ZoneServer(records) as zone:
        yield tmp_path, zone


def test_both_keys_sign_and_dkimverify_accepts_each_signature(
    signed_zone: tuple[Path, ZoneServer],
) -> None:
    data, zone = signed_zone
    signed = DkimSigner(data / "dkim").sign(MESSAGE)
    assert signature_tags(signed, 0)["a"] == "ed25519-sha256"
    assert signature_tags(signed, 1)["a"] == "rsa-sha256"
    assert dkimverify(signed, zone, 0) and dkimverify(signed, zone, 1)
    assert not dkimverify(signed.replace(b"the minutes", b"the minute$"), zone, 1)


def test_the_rfc_6376_header_list_is_signed_and_from_oversigned(
    signed_zone: tuple[Path, ZoneServer],
) -> None:
    data, zone = signed_zone
    signed = DkimSigner(data / "dkim").sign(b"Received: from x\r\nReturn-Path: <a@b>\r\n" + MESSAGE)
    tags = signature_tags(signed, 1)
    assert tags["d"] == "example.org" and tags["c"] == "relaxed/relaxed"
    assert tags["h"].split(":") == ["from", "to", "subject", "date", "message-id", "from"]
    added_from = signed.replace(b"To: Bob", b"From: Mallory <m@example.org>\r\nTo: Bob", 1)
    assert dkimverify(signed, zone, 1) and not dkimverify(added_from, zone, 1)


def test_parents_of_the_from_domain_and_then_the_envelope_domain_are_tried(tmp_path: Path) -> None:
    keygen(tmp_path, "example.org", "--algorithm", "ed25519")
    signer = DkimSigner(tmp_path / "dkim")
    sub = MESSAGE.replace(b"alice@example.org", b"alice@lists.example.org")
    assert signature_tags(signer.sign(sub))["d"] == "example.org"
    other = MESSAGE.replace(b"alice@example.org", b"alice@elsewhere.test")
    assert b"DKIM-Signature" not in signer.sign(other)
    assert signature_tags(signer.sign(other, "example.org"))["d"] == "example.org"
    assert signer.sign(b"no header at all") == b"no header at all"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[HatoProcess]:
    process = HatoProcess(tmp_path / "data", services=("smtp", "submission"))
    for name in ("alice", "bob"):
        process.add_user(name, f"{name}-pw")
    process.start()
    yield process
    assert process.stop() == 0


def submit(server: HatoProcess, message: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["submission"], timeout=10) as smtp:
        smtp.starttls(context=tls_client_context())
        smtp.login("alice", "alice-pw")
        smtp.sendmail("alice@example.org", ["bob@example.org"], message)


def test_submitted_mail_is_signed_and_a_new_key_signs_without_a_restart(
    server: HatoProcess,
) -> None:
    submit(server, MESSAGE)
    assert b"DKIM-Signature" not in inbox_messages(server.data_dir, "bob")[-1]
    records = [keygen(server.data_dir, "example.org", "--selector", "one", "--algorithm", "rsa")]
    with ZoneServer(records) as zone:
        submit(server, MESSAGE)
        stored = inbox_messages(server.data_dir, "bob")[-1]
        assert signature_tags(stored)["s"] == "one" and dkimverify(stored, zone)
        records.append(
            keygen(server.data_dir, "example.org", "--selector", "two", "--algorithm", "rsa")
        )
        zone.add(records[-1])
        later = time.time() + 5
        os.utime(server.data_dir / "dkim" / "example.org" / "two.rsa.key", (later, later))
        submit(server, MESSAGE)
        stored = inbox_messages(server.data_dir, "bob")[-1]
        assert signature_tags(stored)["s"] == "two" and dkimverify(stored, zone)


def test_relayed_mail_is_signed_and_the_receiving_mx_verifies_it(tmp_path: Path) -> None:
    """hato signs, relays to a second hato, whose MX checks the signature through DNS."""
    with ZoneServer() as zone:
        checks = f'[dns]\nservers = ["{zone.address}"]\n[auth]\ntrusted_relays = []\n'
        remote = HatoProcess(
            tmp_path / "b", services=("smtp",), domains=("remote.test",), extra_config=checks
        )
        remote.add_user("zoe", "zoe-pw")
        remote.start()
        local = sender_hato(tmp_path, remote.ports["smtp"])
        zone.add(keygen(local.data_dir, "example.org", "--algorithm", "ed25519"))
        local.start()
        try:
            submit_relayed(local, ["zoe@remote.test"])
            wait_until(lambda: inbox_messages(remote.data_dir, "zoe"))
            stored = inbox_messages(remote.data_dir, "zoe")[0]
        finally:
            assert local.stop() == 0
            assert remote.stop() == 0
        assert stored.endswith(RELAYED.split(b"\r\n\r\n")[1])
        assert b"\tdkim=pass header.d=example.org" in stored
        assert dkimverify(stored, zone)
