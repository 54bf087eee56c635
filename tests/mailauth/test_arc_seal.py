"""ARC sealing (RFC 8617 §5.1) when hato forwards: an alias to another domain, a Sieve redirect.

Two real servers and a real DNS server on loopback. hato A (example.org) takes mail
on its MX from 127.0.0.2, which SPF allows to send for origin.test (DMARC p=reject),
and forwards it to hato B (remote.test), which checks everything and only marks. At B
the forward comes from 127.0.0.1, which SPF does not allow: DMARC fails there, and
A's ARC set is what tells B that the message passed when it reached A.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dkim
import pytest

from hato.mailauth.arc_seal import ArcSealer
from hato.mailauth.dkim_keys import generate_key
from tests.e2e.harness import HatoProcess, hato, inbox_messages
from tests.e2e.relay_peer import wait_until
from tests.e2e.test_sieve_delivery import install
from tests.mailauth.dns_server import ZoneServer
from tests.mailauth.test_dkim_signing import keygen
from tests.mailauth.verifier import arcverify

ORIGIN = [
    'origin.test. 300 IN TXT "v=spf1 ip4:127.0.0.2 -all"',
    '_dmarc.origin.test. 300 IN TXT "v=DMARC1; p=reject"',
]
MESSAGE = (
    b"From: Alice <alice@origin.test>\r\n"
    b"To: Team <team@example.org>\r\n"
    b"Subject: lab schedule\r\n"
    b"Date: Sat, 05 Dec 2026 09:00:00 +0000\r\n"
    b"Message-ID: <lab1@origin.test>\r\n"
    b"\r\n"
    b"The lab moves to room 3.\r\n"
)


@dataclass
class Forwarding:
    forwarder: HatoProcess  # A: example.org, seals what it forwards
    far_end: HatoProcess  # B: remote.test, checks and marks
    zone: ZoneServer


@pytest.fixture
def forwarding(tmp_path: Path) -> Iterator[Forwarding]:
    with ZoneServer(ORIGIN) as zone:
        dns = f'[dns]\nservers = ["{zone.address}"]\n'
        far_end = HatoProcess(
            tmp_path / "b", services=("smtp",), domains=("remote.test",),
            hostname="mx.remote.test",
            extra_config=dns + '[auth]\ntrusted_relays = []\ndmarc_reject = "mark"\n',
        )  # fmt: skip
        far_end.add_user("zoe", "zoe-pw")
        far_end.start()
        route = f'[routes]\n"remote.test" = "127.0.0.1:{far_end.ports["smtp"]}"\n'
        forwarder = HatoProcess(
            tmp_path / "a", services=("smtp",),
            extra_config=dns + route + "[queue]\nretry = [1]\ntimeout = 5\n",
        )  # fmt: skip
        forwarder.add_user("bob", "bob-pw")
        alias = hato("alias", "add", "team", "zoe@remote.test", data_dir=forwarder.data_dir)
        assert alias.returncode == 0, alias.stderr
        zone.add(keygen(forwarder.data_dir, "example.org", "--selector", "arc"))
        forwarder.start()
        try:
            yield Forwarding(forwarder, far_end, zone)
        finally:
            assert forwarder.stop() == 0
            assert far_end.stop() == 0


def send(port: int, source: str, recipient: str, message: bytes = MESSAGE) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30, source_address=(source, 0)) as smtp:
        smtp.ehlo("client.origin.test")
        assert smtp.sendmail("alice@origin.test", [recipient], message) == {}


def arrived(setup: Forwarding, count: int) -> bytes:
    wait_until(lambda: len(inbox_messages(setup.far_end.data_dir, "zoe")) >= count)
    return inbox_messages(setup.far_end.data_dir, "zoe")[count - 1]


def head(message: bytes) -> bytes:
    return message.split(b"\r\n\r\n", 1)[0]


def arc_tags(message: bytes) -> dict[str, str]:
    """The tags of the topmost ARC-Seal."""
    unfolded = head(message).replace(b"\r\n\t", b" ").replace(b"\r\n ", b" ")
    line = next(x for x in unfolded.split(b"\r\n") if x.lower().startswith(b"arc-seal:"))
    pairs = (t.split(b"=", 1) for t in line.split(b":", 1)[1].split(b";") if b"=" in t)
    return {k.strip().decode(): v.strip().decode() for k, v in pairs}


def test_an_alias_forward_is_sealed_and_the_far_end_finds_the_chain_valid(
    forwarding: Forwarding,
) -> None:
    send(forwarding.forwarder.ports["smtp"], "127.0.0.2", "team@example.org")
    stored = arrived(forwarding, 1)
    # A checked it on its way in and said so; the set is instance 1, with no chain before.
    assert arc_tags(stored) | {"b": ""} == arc_tags(stored) | {
        "i": "1", "cv": "none", "a": "rsa-sha256", "d": "example.org", "s": "arc", "b": ""
    }  # fmt: skip
    assert b"ARC-Authentication-Results: i=1; mail.test;" in stored
    aar = head(stored).split(b"ARC-Authentication-Results:", 1)[1].split(b"\r\nARC-")[0]
    assert b"spf=pass" in aar and b"dmarc=pass" in aar
    # At B the envelope's SPF fails (A is not origin.test's host), so DMARC fails; the
    # chain A sealed is valid, by B's own check and by dkimpy's independent verifier.
    results = head(stored).split(b"Authentication-Results: mx.remote.test;", 1)[1]
    assert b"spf=fail" in results and b"dmarc=fail" in results and b"arc=pass" in results
    assert arcverify(stored, forwarding.zone) == "pass"
    # The body and the original fields went through untouched.
    assert stored.endswith(MESSAGE.split(b"\r\n\r\n", 1)[1])


def test_a_sieve_redirect_is_sealed_and_a_chain_goes_on_from_the_one_received(
    forwarding: Forwarding, tmp_path: Path
) -> None:
    install(forwarding.forwarder, "bob", 'redirect "zoe@remote.test";')
    # A message that already carries a valid chain (a list at lists.test sealed it).
    path, record = generate_key(tmp_path / "list", "lists.test", "arc", "rsa")
    forwarding.zone.add(record)
    received = b"Authentication-Results: lists.test; spf=pass smtp.mailfrom=origin.test\r\n"
    first = dkim.arc_sign(
        received + MESSAGE, b"arc", b"lists.test", path.read_bytes(), b"lists.test"
    )
    send(forwarding.forwarder.ports["smtp"], "127.0.0.2", "bob@example.org",
         b"".join(first) + received + MESSAGE)  # fmt: skip
    stored = arrived(forwarding, 1)
    assert (arc_tags(stored)["i"], arc_tags(stored)["cv"]) == ("2", "pass")
    assert b"Delivered-To: bob@example.org" in stored  # the redirect's loop control
    assert arcverify(stored, forwarding.zone) == "pass"
    assert b"arc=pass" in head(stored).split(b"Authentication-Results: mx.remote.test;")[1]


def test_mail_hato_did_not_check_goes_on_unsealed(forwarding: Forwarding) -> None:
    """From the trusted relay (127.0.0.1) nothing was checked: there is nothing to vouch for."""
    send(forwarding.forwarder.ports["smtp"], "127.0.0.1", "team@example.org")
    stored = arrived(forwarding, 1)
    assert b"ARC-Seal" not in stored and b"ARC-Authentication-Results" not in stored


def test_the_sealer_vouches_only_for_its_own_results_and_known_chain_states(
    tmp_path: Path,
) -> None:
    sealer = ArcSealer(tmp_path, "mail.test", ("example.org",))
    ours = b"Authentication-Results: mail.test; spf=pass smtp.mailfrom=origin.test\r\n"
    # No key yet: unsealed; an Ed25519 key cannot seal (ARC is rsa-sha256 only).
    assert sealer.seal(ours + MESSAGE) == ours + MESSAGE
    generate_key(tmp_path, "example.org", "ed", "ed25519")
    assert sealer.seal(ours + MESSAGE) == ours + MESSAGE
    generate_key(tmp_path, "example.org", "arc", "rsa")
    assert sealer.seal(ours + MESSAGE).startswith(b"ARC-Seal: i=1;")
    # Results under another name (a forgery, or another host's) are not ours to seal.
    theirs = ours.replace(b"mail.test;", b"elsewhere.test;")
    assert sealer.seal(theirs + MESSAGE) == theirs + MESSAGE
    # A chain whose state we could not learn (a key lookup failed) is not sealed.
    chain = b"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=lists.test; s=arc; b=x\r\n"
    unknown = b"Authentication-Results: mail.test; arc=temperror\r\n" + chain + MESSAGE
    assert sealer.seal(unknown) == unknown
