"""SPF (RFC 7208), DMARC (RFC 7489) and the [auth] policy, against a real DNS server on loopback."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from pathlib import Path

import pytest

from hato.config import ConfigError, config_from_table
from hato.mailauth.dkim_keys import generate_key
from hato.mailauth.dkim_sign import DkimSigner
from hato.mailauth.dkim_verify import DkimResult
from hato.mailauth.dmarc import evaluate_dmarc, organizational_domain
from hato.mailauth.spf import SpfChecker, SpfResult
from hato.store.base import Store
from tests.e2e.harness import HatoProcess, inbox_messages, read_store
from tests.e2e.test_sieve_delivery import install
from tests.mailauth.dns_server import ZoneServer, unused_address
from tests.mailauth.test_dkim_signing import MESSAGE
from tests.mailauth.test_resolver import resolver_for

ZONE = [
    'pass.test. 300 IN TXT "v=spf1 ip4:127.0.0.2 -all"',
    'soft.test. 300 IN TXT "v=spf1 ~all"',
    'neutral.test. 300 IN TXT "v=spf1 ?all"',
    'bad.test. 300 IN TXT "v=spf1 ip4:999.1.1.1 -all"',
    'loop.test. 300 IN TXT "v=spf1 include:loop.test -all"',
    'helo.test. 300 IN TXT "v=spf1 a -all"',
    "helo.test. 300 IN A 127.0.0.2",
    *(f'chain{i}.test. 300 IN TXT "v=spf1 include:chain{i + 1}.test -all"' for i in range(12)),
    'example.org. 300 IN TXT "v=spf1 ip4:127.0.0.2 -all"',
    '_dmarc.example.org. 300 IN TXT "v=DMARC1; p=reject; sp=quarantine"',
    '_dmarc.strict.test. 300 IN TXT "v=DMARC1; p=reject; adkim=s; aspf=s"',
]


@pytest.fixture
def zone() -> Iterator[ZoneServer]:
    with ZoneServer(ZONE) as server:
        yield server


@pytest.mark.parametrize(
    ("ip", "sender", "result"),
    [
        ("127.0.0.2", "a@pass.test", "pass"),
        ("127.0.0.3", "a@pass.test", "fail"),
        ("127.0.0.3", "a@soft.test", "softfail"),
        ("127.0.0.3", "a@neutral.test", "neutral"),
        ("127.0.0.3", "a@none.test", "none"),
        ("127.0.0.3", "a@bad.test", "permerror"),  # a syntax error
        ("127.0.0.3", "a@loop.test", "permerror"),  # a record that includes itself
        ("127.0.0.3", "a@chain0.test", "permerror"),  # over 10 DNS-querying terms
    ],
)
async def test_spf_results(zone: ZoneServer, ip: str, sender: str, result: str) -> None:
    checked = await SpfChecker(resolver_for(zone.address)).check(ip, sender, "client.test")
    assert (checked.result, checked.identity, checked.domain) == (
        result, "mailfrom", sender.split("@")[1]
    )  # fmt: skip


async def test_a_recursing_record_costs_a_bounded_number_of_queries(zone: ZoneServer) -> None:
    await SpfChecker(resolver_for(zone.address)).check("127.0.0.3", "a@loop.test", "c.test")
    assert zone.asked("loop.test", "TXT") <= 1  # then the resolver's cache: 10 terms at most


async def test_bounces_are_checked_for_the_helo_name(zone: ZoneServer) -> None:
    checked = await SpfChecker(resolver_for(zone.address)).check("127.0.0.2", "", "helo.test")
    assert (checked.result, checked.identity, checked.domain) == ("pass", "helo", "helo.test")


async def test_a_dns_server_that_is_down_is_a_temperror() -> None:
    checker = SpfChecker(resolver_for(unused_address(), timeout=1.0))
    assert (await checker.check("127.0.0.2", "a@pass.test", "c.test")).result == "temperror"


def test_the_organizational_domain_is_never_a_bare_top_level_name() -> None:
    assert organizational_domain("a.b.test") == "b.test"
    assert organizational_domain("mail.example.co.uk") == "example.co.uk"
    assert organizational_domain("x.y.example") == "y.example"


def dkim_pass(domain: str) -> list[DkimResult]:
    return [DkimResult("pass", domain, "s", "rsa-sha256", "b")]


NO_SPF = SpfResult("none", "mailfrom", "elsewhere.test")


async def test_dmarc_alignment_relaxed_and_strict(zone: ZoneServer) -> None:
    resolver = resolver_for(zone.address)
    relaxed = await evaluate_dmarc(resolver, "example.org", NO_SPF, dkim_pass("mail.example.org"))
    assert (relaxed.result, relaxed.policy) == ("pass", "reject")
    strict = await evaluate_dmarc(resolver, "strict.test", NO_SPF, dkim_pass("sub.strict.test"))
    assert (strict.result, strict.policy) == ("fail", "reject")
    spf = SpfResult("pass", "mailfrom", "strict.test")
    assert (await evaluate_dmarc(resolver, "strict.test", spf, [])).result == "pass"
    helo = SpfResult("pass", "helo", "strict.test")  # only the MAIL FROM identity aligns
    assert (await evaluate_dmarc(resolver, "strict.test", helo, [])).result == "fail"
    unsigned = await evaluate_dmarc(resolver, "example.org", NO_SPF, [])
    assert (unsigned.result, unsigned.policy) == ("fail", "reject")


async def test_dmarc_subdomain_policy_and_no_record(zone: ZoneServer) -> None:
    resolver = resolver_for(zone.address)
    sub = await evaluate_dmarc(resolver, "news.example.org", NO_SPF, [])
    assert (sub.result, sub.policy) == ("fail", "quarantine")
    assert (await evaluate_dmarc(resolver, "none.test", NO_SPF, [])).result == "none"
    down = resolver_for(unused_address(), timeout=1.0)
    assert (await evaluate_dmarc(down, "example.org", NO_SPF, [])).result == "temperror"


@pytest.fixture
def mx(
    zone: ZoneServer, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[HatoProcess, ZoneServer]]:
    _, record = generate_key(tmp_path / "keys", "example.org", "sel", "rsa")
    zone.add(record)
    auth = getattr(request, "param", "")
    process = HatoProcess(
        tmp_path / "data",
        services=("smtp",),
        extra_config=f'[dns]\nservers = ["{zone.address}"]\n{auth}',
    )
    process.add_user("bob", "bob-pw")
    process.start()
    yield process, zone
    assert process.stop() == 0


def send_from(source: str, port: int, sender: str, message: bytes) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=30, source_address=(source, 0)) as smtp:
        smtp.ehlo("client.test")
        smtp.mail(sender)
        smtp.rcpt("bob@example.org")
        return smtp.data(message)


def test_the_mx_listener_applies_the_auth_policy(
    mx: tuple[HatoProcess, ZoneServer], tmp_path: Path
) -> None:
    server, zone = mx
    port = server.ports["smtp"]
    signed = DkimSigner(tmp_path / "keys").sign(MESSAGE)
    # From an address SPF allows, signed: delivered, every check recorded.
    assert send_from("127.0.0.2", port, "alice@example.org", signed)[0] == 250
    head = inbox_messages(server.data_dir, "bob")[-1].split(b"\r\n\r\n", 1)[0]
    assert b"\tspf=pass" in head and b"\tdkim=pass" in head
    assert b"\tdmarc=pass (p=reject) header.from=example.org" in head
    # Unsigned from a host SPF refuses, for a domain asking p=reject: 550 5.7.1.
    code, text = send_from("127.0.0.3", port, "alice@example.org", MESSAGE)
    assert (code, text[:5]) == (550, b"5.7.1") and b"DMARC" in text
    # p=quarantine (a subdomain's sp=) is only marked by default.
    news = MESSAGE.replace(b"alice@example.org", b"alice@news.example.org")
    assert send_from("127.0.0.3", port, "alice@news.example.org", news)[0] == 250
    assert b"dmarc=fail (p=quarantine)" in inbox_messages(server.data_dir, "bob")[-1]
    # DNS that does not answer: 451, and the sender tries again later.
    zone.silent = True
    code, text = send_from("127.0.0.4", port, "carol@unknown.test", MESSAGE)
    assert (code, text[:6]) == (451, b"4.7.24")
    # The trusted relay is not asked about at all.
    assert send_from("127.0.0.1", port, "carol@unknown.test", MESSAGE)[0] == 250
    server.new_output()
    logged = [line for line in server.output if "reason=auth" in line]
    assert [("result=rejected" in line, "result=deferred" in line) for line in logged] == [
        (True, False), (False, True)
    ]  # fmt: skip


JUNK_POLICY = '[auth]\ndmarc_quarantine = "junk"\nspf_fail = "junk"\n'


@pytest.mark.parametrize("mx", [JUNK_POLICY], indirect=True)
def test_the_junk_policy_files_failing_mail_in_the_junk_mailbox(
    mx: tuple[HatoProcess, ZoneServer],
) -> None:
    server, _ = mx
    port = server.ports["smtp"]
    # DMARC fails for a p=quarantine domain (sp=), SPF fails: the copy goes to \Junk.
    news = MESSAGE.replace(b"alice@example.org", b"alice@news.example.org")
    assert send_from("127.0.0.3", port, "alice@news.example.org", news)[0] == 250
    junk = inbox_messages(server.data_dir, "bob", "Junk")
    assert len(junk) == 1 and b"dmarc=fail (p=quarantine)" in junk[0]
    assert special_use(server.data_dir, "bob", "Junk") == "\\Junk"  # RFC 6154 §2
    # SPF fails alone (no DMARC record at all): Junk too; a pass stays in INBOX.
    plain = MESSAGE.replace(b"alice@example.org", b"a@pass.test")
    assert send_from("127.0.0.3", port, "a@pass.test", plain)[0] == 250
    assert len(inbox_messages(server.data_dir, "bob", "Junk")) == 2
    assert send_from("127.0.0.2", port, "a@pass.test", plain)[0] == 250
    assert len(inbox_messages(server.data_dir, "bob")) == 1
    # The script runs first: its fileinto elsewhere wins, its keep goes to Junk.
    install(server, "bob", 'require ["fileinto", "mailbox"]; if header :is "subject" "minutes" '
            '{ fileinto :create "Minutes"; } else { keep; }')  # fmt: skip
    assert send_from("127.0.0.3", port, "a@pass.test", plain)[0] == 250
    other = plain.replace(b"Subject: minutes", b"Subject: other")
    assert send_from("127.0.0.3", port, "a@pass.test", other)[0] == 250
    assert len(inbox_messages(server.data_dir, "bob", "Minutes")) == 1
    assert b"Subject: other" in inbox_messages(server.data_dir, "bob", "Junk")[-1]
    assert len(inbox_messages(server.data_dir, "bob")) == 1


def special_use(data_dir: Path, user: str, name: str) -> str | None:
    async def work(store: Store) -> str | None:
        account = await store.get_account(user)
        assert account is not None
        mailbox = await store.mailstore(account.id).get_mailbox(name)
        return None if mailbox is None else mailbox.special_use

    found = read_store(data_dir, work)
    assert found is None or isinstance(found, str)
    return found


def test_auth_policy_keys_take_only_their_words() -> None:
    auth = config_from_table({}).auth
    assert (auth.dmarc_reject, auth.dmarc_quarantine, auth.spf_fail, auth.dns_failure) == (
        "reject", "mark", "mark", "defer"
    )  # fmt: skip
    assert config_from_table({"auth": {"spf_fail": "reject"}}).auth.spf_fail == "reject"
    assert config_from_table({"auth": {"dmarc_quarantine": "junk"}}).auth.dmarc_quarantine == "junk"
    for key, bad in (
        ("dmarc_reject", "discard"),
        ("dns_failure", "junk"),
        ("dns_failure", "reject"),
        ("spf_fail", 1),
    ):
        with pytest.raises(ConfigError, match=rf"auth\.{key}"):
            config_from_table({"auth": {key: bad}})


@pytest.mark.parametrize(
    ("sender", "helo"),
    [("", ""), ("", "a..b"), ("", "x" * 300), ("a@[127.0.0.1]", "c.test"), ("a@" + "y" * 70, "c")],
)
async def test_hostile_identities_get_a_result(zone: ZoneServer, sender: str, helo: str) -> None:
    checked = await SpfChecker(resolver_for(zone.address)).check("127.0.0.3", sender, helo)
    assert checked.result in ("none", "neutral", "permerror")
