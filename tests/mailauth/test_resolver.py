"""hato.mailauth.resolver and the relay's MX lookup, against a real DNS server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from hato.config import ConfigError, config_from_table, split_server
from hato.delivery.relay import MAX_MX_HOSTS, RouteError, destinations
from hato.mailauth.resolver import DnsTemporaryError, Resolver, txt_text
from tests.mailauth.dns_server import ZoneServer, txt, unused_address

ZONE = [
    "dest.test. 300 IN MX 20 mx2.dest.test.",
    "dest.test. 300 IN MX 10 mx1.dest.test.",
    "nullmx.test. 300 IN MX 0 .",
    "bare.test. 300 IN A 127.0.0.1",
]


@pytest.fixture
def zone() -> Iterator[ZoneServer]:
    with ZoneServer(ZONE) as server:
        yield server


def resolver_for(address: str, timeout: float = 5.0) -> Resolver:
    """The resolver ``[dns] servers = [address]`` gives."""
    config = config_from_table({"dns": {"servers": [address], "timeout": timeout}})
    return Resolver(config.dns.servers, config.dns.timeout)


async def test_mx_lookups_go_to_the_configured_server(zone: ZoneServer) -> None:
    resolver = resolver_for(zone.address)
    hosts = await destinations("dest.test", {}, resolver)
    assert hosts == [("mx1.dest.test", 25), ("mx2.dest.test", 25)]
    assert zone.asked("dest.test", "MX") == 1


async def test_no_mx_means_the_domain_itself_and_null_mx_and_nxdomain_are_permanent(
    zone: ZoneServer,
) -> None:
    resolver = resolver_for(zone.address)
    assert await destinations("bare.test", {}, resolver) == [("bare.test", 25)]
    for domain, code in (("nullmx.test", "5.1.10"), ("nowhere.test", "5.1.2")):
        with pytest.raises(RouteError) as caught:
            await destinations(domain, {}, resolver)
        assert caught.value.permanent and str(caught.value).startswith(code)


async def test_answers_are_cached_for_their_ttl_negative_ones_too(zone: ZoneServer) -> None:
    resolver = resolver_for(zone.address)
    for _ in range(3):
        await destinations("dest.test", {}, resolver)
        assert not (await resolver.query("nowhere.test", "TXT")).exists
    assert zone.asked("dest.test", "MX") == 1
    assert zone.asked("nowhere.test", "TXT") == 1
    zone.add('short.test. 1 IN TXT "v=spf1 -all"')
    await resolver.query("short.test", "TXT")
    await asyncio.sleep(1.5)  # past the record's 1 s TTL: asked again
    await resolver.query("short.test", "TXT")
    assert zone.asked("short.test", "TXT") == 2


async def test_a_server_that_is_down_is_a_temporary_failure() -> None:
    resolver = resolver_for(unused_address(), timeout=1.0)
    with pytest.raises(DnsTemporaryError):
        await resolver.query("dest.test", "MX")
    with pytest.raises(RouteError) as caught:
        await destinations("dest.test", {}, resolver)
    assert not caught.value.permanent and str(caught.value).startswith("4.4.3")


async def test_a_server_that_never_answers_times_out_every_waiting_query(
    zone: ZoneServer,
) -> None:
    zone.silent = True
    resolver = Resolver(split_servers(zone.address), timeout=0.5, concurrency=2)
    names = [f"q{i}.dest.test" for i in range(20)]
    results = await asyncio.gather(
        *(resolver.query(name, "TXT") for name in names), return_exceptions=True
    )
    assert all(isinstance(r, DnsTemporaryError) for r in results)
    # Two at a time on the wire: those that waited for a slot timed out waiting, unasked.
    assert len(set(zone.questions)) <= 4


async def test_a_64_kb_mx_answer_comes_over_tcp_and_only_the_best_hosts_are_kept(
    zone: ZoneServer,
) -> None:
    zone.add(
        *(
            f"big.test. 300 IN MX {2000 - i} mx{i:04d}.a-rather-long-label.big.test."
            for i in range(1400)
        )
    )
    resolver = resolver_for(zone.address)
    hosts = await destinations("big.test", {}, resolver)
    assert len(hosts) == MAX_MX_HOSTS
    assert hosts[0] == ("mx1399.a-rather-long-label.big.test", 25)


async def test_txt_strings_are_joined_and_a_64_kb_txt_answer_is_read(zone: ZoneServer) -> None:
    zone.add(txt("long.test.", "v=DKIM1; p=" + "A" * 600))
    zone.add(*(txt("huge.test.", f"{i:05d}" + "x" * 250) for i in range(240)))
    resolver = resolver_for(zone.address)
    (record,) = (await resolver.txt("long.test")).records
    assert txt_text(record) == b"v=DKIM1; p=" + b"A" * 600
    assert len((await resolver.txt("huge.test")).records) == 240


async def test_names_that_cannot_be_asked_do_not_exist(zone: ZoneServer) -> None:
    resolver = resolver_for(zone.address)
    selector = "s" * 10_000
    assert not (await resolver.txt(f"{selector}._domainkey.dest.test")).exists
    assert zone.questions == []


def split_servers(address: str) -> tuple[tuple[str, int], ...]:
    return (split_server(address),)


def test_dns_servers_must_be_addresses_with_ports() -> None:
    assert config_from_table({}).dns.servers == ()
    table = {"dns": {"servers": ["127.0.0.1:5353", "[::1]:53"]}}
    assert config_from_table(table).dns.servers == (("127.0.0.1", 5353), ("::1", 53))
    for bad in (["localhost:53"], ["127.0.0.1"], "127.0.0.1:53", ["127.0.0.1:0"]):
        with pytest.raises(ConfigError, match=r"dns\.servers"):
            config_from_table({"dns": {"servers": bad}})
    with pytest.raises(ConfigError, match=r"dns\.timeout"):
        config_from_table({"dns": {"timeout": 0}})
