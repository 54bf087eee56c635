"""MTA-STS (RFC 8461): policies fetched over real HTTPS, applied by the relay to a real SMTP peer.

A DNS server on loopback publishes the domains' MX and ``_mta-sts`` records; an HTTPS
server (its certificate from a test CA, which the hato under test trusts through
OpenSSL's ``SSL_CERT_FILE``) serves the policies; an SMTP peer offers STARTTLS with a
certificate for ``mx.remote.test`` only. The ports RFC 8461 fixes (25, 443) are moved
to free ones through ``[relay] mx_port`` and ``mta_sts_port``.
"""

from __future__ import annotations

import asyncio
import http.server
import smtplib
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme
from dnslib import RR

from hato.mailauth.mta_sts import (
    MAX_AGE,
    MtaSts,
    PolicyError,
    host_matches,
    parse_policy,
    record_id,
)
from tests.e2e.harness import HatoProcess, free_port
from tests.e2e.relay_peer import ScriptedPeer, wait_until
from tests.e2e.test_relay import queue_list
from tests.e2e.test_smtp import tls_client_context
from tests.mailauth.dns_server import ZoneServer, txt
from tests.mailauth.test_resolver import resolver_for

ENFORCE = "version: STSv1\r\nmode: enforce\r\nmx: {mx}\r\nmax_age: 86400\r\n"


# --- the policy's grammar (§3.1, §3.2, §4.1) ---------------------------------------------


def test_a_policy_is_read_as_rfc_8461_writes_it() -> None:
    policy = parse_policy(
        "version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\n"
        "max_age: 604800\nextension: ignored\n", "abc", 1000.0,
    )  # fmt: skip
    assert (policy.mode, policy.mx, policy.max_age) == (
        "enforce", ("mail.example.com", "*.example.net"), 604800
    )  # fmt: skip
    assert policy.permits("MAIL.example.com.") and policy.permits("mx1.example.net")
    assert not policy.permits("example.net") and not policy.permits("a.b.example.net")
    assert not policy.expired(1000.0 + 604799) and policy.expired(1000.0 + 604800)
    assert parse_policy(ENFORCE.format(mx="m.t") + "max_age: 9\n", "1", 0).max_age == 86400
    huge = ENFORCE.format(mx="m.t").replace("86400", "99999999999")
    with pytest.raises(PolicyError):
        parse_policy(huge, "1", 0)  # more than ten digits
    capped = ENFORCE.format(mx="m.t").replace("86400", "9999999999")
    assert parse_policy(capped, "1", 0).max_age == MAX_AGE


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("mode: enforce\nmx: m.test\nmax_age: 1\n", "version"),
        ("version: STSv2\nmode: enforce\nmx: m.test\nmax_age: 1\n", "version"),
        ("version: STSv1\nmode: strict\nmx: m.test\nmax_age: 1\n", "mode"),
        ("version: STSv1\nmode: enforce\nmx: m.test\nmax_age: -1\n", "max_age"),
        ("version: STSv1\nmode: enforce\nmax_age: 1\n", "mx"),
        ("version: STSv1\nmode: enforce\nmx: **.test\nmax_age: 1\n", "mx"),
        ("<html>not a policy</html>", "version"),
    ],
)
def test_what_is_not_a_policy_says_why(text: str, why: str) -> None:
    with pytest.raises(PolicyError, match=why):
        parse_policy(text, "1", 0)


def test_the_txt_record_gives_one_id_or_none() -> None:
    assert record_id([b"v=STSv1; id=20261205T0900"]) == "20261205T0900"
    assert record_id([b"v=spf1 -all", b"v=STSv1;id=a1"]) == "a1"  # others are ignored
    assert record_id([b"v=STSv1; id=a1", b"v=STSv1; id=a2"]) is None  # not exactly one
    assert record_id([b"v=STSv1; id="]) is None
    assert record_id([b"v=STSv1; id=" + b"a" * 33]) is None
    assert record_id([]) is None


def test_a_wildcard_stands_for_one_whole_label() -> None:
    assert host_matches("*.example.com", "mx.example.com")
    assert not host_matches("*.example.com", "example.com")
    assert not host_matches("*.example.com", ".example.com")
    assert not host_matches("*.example.com", "a.mx.example.com")
    assert not host_matches("mx.example.com", "mx.example.com.evil.test")


# --- a real HTTPS server for the policies ------------------------------------------------


@dataclass
class PolicyServer:
    """Serves ``policies[host]`` at /.well-known/mta-sts.txt over HTTPS; counts requests."""

    ca: trustme.CA
    names: list[str]
    policies: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain"
    requests: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    def __enter__(self) -> PolicyServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(*self.names).configure_cert(context)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = self.headers.get("Host", "").rsplit(":", 1)[0]
                server.requests.append(f"{host}{self.path}")
                text = server.policies.get(host)
                found = self.path == "/.well-known/mta-sts.txt" and text is not None
                body = (text or "not found").encode()
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", f"{server.content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


def zone_records(domain: str, mx: str, policy_id: str | None) -> list[RR | str]:
    records: list[RR | str] = [
        f"{domain}. 300 IN MX 10 {mx}.",
        f"mta-sts.{domain}. 300 IN A 127.0.0.1",
    ]
    if policy_id is not None:
        records.append(txt(f"_mta-sts.{domain}", f"v=STSv1; id={policy_id}", ttl=1))
    return records


async def test_a_policy_is_fetched_once_per_id_and_a_cached_one_outlives_its_source(
    ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cert_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    with (
        ZoneServer(zone_records("good.test", "mx.good.test", "1")) as zone,
        PolicyServer(ca, ["mta-sts.good.test"]) as web,
    ):
        web.policies["mta-sts.good.test"] = ENFORCE.format(mx="mx.good.test")
        sts = MtaSts(resolver_for(zone.address), tmp_path / "sts", web.port, timeout=10)
        first = await sts.policy("good.test", now=1000.0)
        assert first is not None and (first.id, first.mode) == ("1", "enforce")
        assert await sts.policy("GOOD.test.", now=1001.0) == first
        assert len(web.requests) == 1  # the same id: no second fetch
        # A new id is fetched anew; a policy that does not parse keeps the old one.
        zone.records = [r for r in zone.records if "_mta-sts" not in str(r.rname)]
        zone.add(txt("_mta-sts.good.test", "v=STSv1; id=2"))
        await asyncio.sleep(1.1)  # the resolver keeps the old record for its TTL
        web.policies["mta-sts.good.test"] = "version: STSv1\nmode: bogus\n"
        assert await sts.policy("good.test", now=1002.0) == first
        assert len(web.requests) == 2
        # Another process (a restart) finds the policy kept on disk, with no live source.
        zone.silent = True
        again = MtaSts(resolver_for(zone.address, timeout=1.0), tmp_path / "sts", web.port)
        assert await again.policy("good.test", now=2000.0) == first
        # ... until its max_age has passed.
        assert await again.policy("good.test", now=1000.0 + 86400) is None


async def test_a_policy_that_cannot_be_fetched_is_no_policy(
    ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§3.3: a certificate from a CA not trusted, a 404, a wrong media type, an answer
    over 64 KB: no MTA-STS (and each is asked again only after a while)."""
    with (
        ZoneServer(zone_records("good.test", "mx.good.test", "1")) as zone,
        PolicyServer(ca, ["mta-sts.good.test"]) as web,
    ):
        web.policies["mta-sts.good.test"] = ENFORCE.format(mx="mx.good.test")
        resolver = resolver_for(zone.address)
        assert await MtaSts(resolver, None, web.port, 10).policy("good.test") is None
        assert web.requests == []  # the test CA is not trusted: no request was made
        cert_file = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(cert_file))
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        web.policies["mta-sts.good.test"] = ENFORCE.format(mx="mx.good.test") + "#" * 70_000
        assert await MtaSts(resolver, None, web.port, 10).policy("good.test") is None
        web.policies["mta-sts.good.test"] = ENFORCE.format(mx="mx.good.test")
        web.content_type = "text/html"
        sts = MtaSts(resolver, None, web.port, 10)
        assert await sts.policy("good.test") is None
        assert await sts.policy("good.test") is None and len(web.requests) == 2  # not again
        web.content_type = "text/plain"
        assert await MtaSts(resolver, None, web.port, 10).policy("good.test") is not None
        web.policies.clear()  # 404
        assert await MtaSts(resolver, None, web.port, 10).policy("good.test") is None


# --- the relay under a policy: hato, a real SMTP peer ------------------------------------


@dataclass
class Sending:
    hato: HatoProcess
    peer: ScriptedPeer
    web: PolicyServer
    zone: ZoneServer


DOMAINS = {
    # domain: (its MX host, the policy's mx pattern and mode, or no policy)
    "good.test": ("mx.remote.test", "mx.remote.test", "enforce"),
    "wrongmx.test": ("mx.remote.test", "mail.wrongmx.test", "enforce"),
    "badcert.test": ("other.badcert.test", "*.badcert.test", "enforce"),
    "testing.test": ("other.badcert.test", "mx.testing.test", "testing"),
    "plain.test": ("other.badcert.test", None, None),
}


@pytest.fixture
def sending(ca: trustme.CA, tmp_path: Path) -> Iterator[Sending]:
    cert_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cert_file))
    peer_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("mx.remote.test").configure_cert(peer_context)
    records: list[RR | str] = [
        "mx.remote.test. 300 IN A 127.0.0.1", "other.badcert.test. 300 IN A 127.0.0.1"
    ]  # fmt: skip
    for domain, (mx, pattern, _) in DOMAINS.items():
        records += zone_records(domain, mx, "1" if pattern else None)
    names = [f"mta-sts.{d}" for d in DOMAINS]
    with (
        ZoneServer(records) as zone,
        PolicyServer(ca, names) as web,
        ScriptedPeer(tls_context=peer_context) as peer,
    ):
        for domain, (_, pattern, mode) in DOMAINS.items():
            if pattern:
                web.policies[f"mta-sts.{domain}"] = ENFORCE.format(mx=pattern).replace(
                    "enforce", str(mode)
                )
        config = (
            f'[dns]\nservers = ["{zone.address}"]\n'
            f"[relay]\nmx_port = {peer.port}\nmta_sts_port = {web.port}\n"
            "[queue]\nretry = [1]\ntimeout = 5\n"
        )
        process = HatoProcess(
            tmp_path / "a", services=("submissions",), extra_config=config,
            env={"SSL_CERT_FILE": str(cert_file)},
        )  # fmt: skip
        process.add_user("alice", "alice-pw")
        process.start()
        try:
            yield Sending(process, peer, web, zone)
        finally:
            assert process.stop() == 0


MESSAGE = b"From: alice@example.org\r\nSubject: policy\r\n\r\nover TLS, please.\r\n"


def submit(process: HatoProcess, *recipients: str) -> None:
    with smtplib.SMTP_SSL(
        "127.0.0.1", process.ports["submissions"], timeout=10, context=tls_client_context()
    ) as smtp:
        smtp.login("alice", "alice-pw")
        assert smtp.sendmail("alice@example.org", list(recipients), MESSAGE) == {}


def delivered_to(peer: ScriptedPeer) -> dict[str, bool]:
    """Each recipient the peer took, and whether over TLS."""
    return {r: t.tls for t in peer.delivered for r in t.recipients}


def test_the_relay_sends_only_where_and_how_the_policy_says(sending: Sending) -> None:
    submit(sending.hato, *(f"user@{domain}" for domain in DOMAINS))
    wait_until(lambda: len(delivered_to(sending.peer)) == 3)
    # enforce, the MX named and its certificate valid for its name: over verified TLS;
    # no policy, and testing: opportunistic TLS, the certificate not asked about.
    assert delivered_to(sending.peer) == {
        "user@good.test": True, "user@testing.test": True, "user@plain.test": True
    }  # fmt: skip
    # enforce, the MX not in the policy, or its certificate not for its name: waiting.
    wait_until(lambda: "no MX host of wrongmx.test matches" in queue_list(sending.hato))
    listed = queue_list(sending.hato)
    assert "user@wrongmx.test" in listed and "user@badcert.test" in listed
    assert "TLS with other.badcert.test not verified (MTA-STS policy)" in listed
    sending.hato.new_output()
    assert any("MTA-STS testing: other.badcert.test" in line for line in sending.hato.output)
    # The policy is kept in the data directory, one file a domain.
    kept = sorted(p.name for p in (sending.hato.data_dir / "mta-sts").iterdir())
    assert kept == ["badcert.test.json", "good.test.json", "testing.test.json", "wrongmx.test.json"]


def test_a_peer_without_starttls_gets_nothing_under_a_cached_policy(sending: Sending) -> None:
    submit(sending.hato, "user@good.test")
    wait_until(lambda: delivered_to(sending.peer) == {"user@good.test": True})
    # The attacker's move: the TXT record and the policy host gone, TLS stripped.
    sending.zone.records = [r for r in sending.zone.records if "_mta-sts" not in str(r.rname)]
    sending.web.policies.clear()
    sending.peer.__exit__()
    with ScriptedPeer(port=sending.peer.port) as plain:
        submit(sending.hato, "again@good.test")
        wait_until(lambda: "offers no STARTTLS (MTA-STS policy)" in queue_list(sending.hato))
        assert plain.delivered == []
