"""DKIM verification of arriving mail and its Authentication-Results (RFC 6376 §6, RFC 8601)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import dkim
import pytest

from hato.config import ConfigError, config_from_table
from hato.mailauth.dkim_keys import generate_key
from hato.mailauth.dkim_sign import DkimSigner
from hato.mailauth.dkim_verify import MAX_SIGNATURES, DkimResult, verify_signatures
from hato.mailauth.inbound import InboundAuth
from hato.mailauth.resolver import Resolver
from hato.mailauth.results import results_field, without_forged_results
from tests.e2e.harness import HatoProcess, inbox_messages
from tests.mailauth.dns_server import ZoneServer, unused_address
from tests.mailauth.test_dkim_signing import MESSAGE
from tests.mailauth.test_resolver import resolver_for


@pytest.fixture
def keys(tmp_path: Path) -> Iterator[tuple[DkimSigner, ZoneServer]]:
    """An RSA and an Ed25519 key for example.org, their records served on loopback."""
    key_dir = tmp_path / "dkim"
    records = [generate_key(key_dir, "example.org", a, a)[1] for a in ("rsa", "ed25519")]
    with ZoneServer(records) as zone:
        yield DkimSigner(key_dir), zone


def words(results: list[DkimResult]) -> list[tuple[str, str]]:
    return [(r.result, r.reason) for r in results]


async def test_both_signatures_pass_ed25519_too(keys: tuple[DkimSigner, ZoneServer]) -> None:
    signer, zone = keys
    results = await verify_signatures(signer.sign(MESSAGE), resolver_for(zone.address))
    assert [(r.result, r.algorithm, r.selector) for r in results] == [
        ("pass", "ed25519-sha256", "ed25519"),
        ("pass", "rsa-sha256", "rsa"),
    ]


async def test_unsigned_mail_is_dkim_none(keys: tuple[DkimSigner, ZoneServer]) -> None:
    _, zone = keys
    assert await verify_signatures(MESSAGE, resolver_for(zone.address)) == []
    assert "dkim=none" in results_field("mail.test", None, [])


async def test_a_changed_body_fails_and_an_added_signed_header_fails(
    keys: tuple[DkimSigner, ZoneServer],
) -> None:
    signer, zone = keys
    signed = signer.sign(MESSAGE)
    resolver = resolver_for(zone.address)
    body = await verify_signatures(signed.replace(b"minutes.", b"minutes!"), resolver)
    assert [r.result for r in body] == ["fail", "fail"] and "body hash" in body[0].reason
    # From is oversigned: one more From, anywhere, breaks it; a field outside h= does not.
    added = signed.replace(b"To: Bob", b"From: Bank <pay@bank.test>\r\nTo: Bob", 1)
    assert [r.result for r in await verify_signatures(added, resolver)] == ["fail", "fail"]
    other = signed.replace(b"To: Bob", b"X-Mailer: relay\r\nTo: Bob", 1)
    assert [r.result for r in await verify_signatures(other, resolver)] == ["pass", "pass"]


async def test_a_revoked_or_missing_key_is_a_permerror(keys: tuple[DkimSigner, ZoneServer]) -> None:
    signer, zone = keys
    signed = signer.sign(MESSAGE)
    zone.remove("rsa._domainkey.example.org.", "TXT")
    zone.add('rsa._domainkey.example.org. 300 IN TXT "v=DKIM1; k=rsa; p="')
    zone.remove("ed25519._domainkey.example.org.", "TXT")
    results = await verify_signatures(signed, resolver_for(zone.address))
    assert words(results) == [("permerror", "no key"), ("permerror", "key revoked")]


async def test_an_unreachable_dns_server_is_a_temperror(
    keys: tuple[DkimSigner, ZoneServer],
) -> None:
    signer, _ = keys
    resolver = resolver_for(unused_address(), timeout=1.0)
    results = await verify_signatures(signer.sign(MESSAGE), resolver)
    assert [r.result for r in results] == ["temperror", "temperror"]


async def test_an_l_tag_that_leaves_appended_text_unsigned_is_policy(tmp_path: Path) -> None:
    path, record = generate_key(tmp_path, "example.org", "l", "rsa")
    header = dkim.sign(MESSAGE, b"l", b"example.org", path.read_bytes(), length=True)
    with ZoneServer([record]) as zone:
        resolver = resolver_for(zone.address)
        assert [r.result for r in await verify_signatures(header + MESSAGE, resolver)] == ["pass"]
        appended = header + MESSAGE + b"Click here: http://bad.test/\r\n"
        (result,) = await verify_signatures(appended, resolver)
    assert result.result == "policy"


async def test_a_hundred_signatures_cost_ten_checks(keys: tuple[DkimSigner, ZoneServer]) -> None:
    signer, zone = keys
    forged = b"".join(
        f"DKIM-Signature: v=1; a=rsa-sha256; d=d{i}.example.org; s=s; h=from; b=y\r\n".encode()
        for i in range(100)
    )
    results = await verify_signatures(forged + signer.sign(MESSAGE), resolver_for(zone.address))
    assert len(results) == MAX_SIGNATURES
    assert {r.result for r in results} == {"permerror"}
    assert len(zone.questions) <= MAX_SIGNATURES


async def test_a_10000_byte_selector_is_a_permerror_without_a_query(
    keys: tuple[DkimSigner, ZoneServer],
) -> None:
    _, zone = keys
    field = (
        f"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s={'s' * 10_000}; h=from; bh=x; b=y\r\n"
    )
    (result,) = await verify_signatures(field.encode() + MESSAGE, resolver_for(zone.address))
    assert (result.result, result.reason) == ("permerror", "bad selector or domain")
    assert zone.questions == [] and len(result.selector) <= 10_000
    assert len(results_field("mail.test", None, [result])) < 400


def test_results_that_claim_our_name_are_removed_others_kept() -> None:
    message = (
        b"Authentication-Results: mail.test; dkim=pass\r\n"
        b"Authentication-Results:\r\n (comment) MAIL.TEST;\r\n\tspf=pass\r\n"
        b"Authentication-Results: mx.other.test; dkim=fail\r\n" + MESSAGE
    )
    cleaned = without_forged_results(message, "mail.test")
    assert cleaned == b"Authentication-Results: mx.other.test; dkim=fail\r\n" + MESSAGE


def test_the_results_field_says_which_signature_is_which() -> None:
    result = DkimResult("fail", "example.org", "sel", "rsa-sha256", "abcd1234", "body (hash)")
    assert results_field("mail.test", None, [result]) == (
        "Authentication-Results: mail.test;\r\n"
        "\tdkim=fail (body ?hash?) header.d=example.org header.s=sel header.a=rsa-sha256"
        " header.b=abcd1234\r\n"
    )


@pytest.fixture
def mx(keys: tuple[DkimSigner, ZoneServer], tmp_path: Path) -> Iterator[HatoProcess]:
    _, zone = keys
    process = HatoProcess(
        tmp_path / "data", services=("smtp",), extra_config=f'[dns]\nservers = ["{zone.address}"]\n'
    )
    process.add_user("bob", "bob-pw")
    process.start()
    yield process
    assert process.stop() == 0


def send_from(source: str, port: int, message: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30, source_address=(source, 0)) as smtp:
        smtp.sendmail("alice@example.org", ["bob@example.org"], message)


def test_mail_from_outside_is_stamped_and_a_trusted_relay_is_not(
    keys: tuple[DkimSigner, ZoneServer], mx: HatoProcess
) -> None:
    signer, _ = keys
    forged = b"Authentication-Results: mail.test; dkim=pass header.d=bank.test\r\n"
    send_from("127.0.0.2", mx.ports["smtp"], forged + signer.sign(MESSAGE))
    stored = inbox_messages(mx.data_dir, "bob")[-1]
    head = stored.split(b"\r\n\r\n", 1)[0]
    assert head.count(b"Authentication-Results:") == 1 and b"bank.test" not in head
    assert b"Authentication-Results: mail.test;\r\n\tspf=none" in head
    assert b";\r\n\tdkim=pass header.d=example.org" in head
    assert head.index(b"Authentication-Results") < head.index(b"DKIM-Signature")
    send_from("127.0.0.1", mx.ports["smtp"], forged + MESSAGE)
    assert forged in inbox_messages(mx.data_dir, "bob")[-1]  # trusted: kept as it came


def test_only_127_0_0_1_is_trusted_by_default() -> None:
    auth = InboundAuth(Resolver(), "mail.test", config_from_table({}).auth)
    assert auth.trusts("127.0.0.1")
    assert not any(auth.trusts(a) for a in ("127.0.0.2", "::1", "192.0.2.1", "unix-socket"))
    table = {"auth": {"trusted_relays": ["192.0.2.0/24", "2001:db8::1"]}}
    wider = InboundAuth(Resolver(), "mail.test", config_from_table(table).auth)
    assert wider.trusts("192.0.2.77") and wider.trusts("2001:db8::1")
    assert not wider.trusts("127.0.0.1")
    for bad in ("127.0.0.1", ["localhost"], [1]):
        with pytest.raises(ConfigError, match=r"auth\.trusted_relays"):
            config_from_table({"auth": {"trusted_relays": bad}})
