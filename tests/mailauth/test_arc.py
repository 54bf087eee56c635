"""ARC chains (RFC 8617) sealed by dkimpy as a forwarder would, validated through our resolver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dkim
import pytest

from hato.mailauth.arc import MAX_INSTANCES, verify_chain
from hato.mailauth.dkim_keys import generate_key
from hato.mailauth.results import results_field
from tests.mailauth.dns_server import ZoneServer, unused_address
from tests.mailauth.test_dkim_signing import MESSAGE
from tests.mailauth.test_resolver import resolver_for


@pytest.fixture
def sealed(tmp_path: Path) -> Iterator[tuple[bytes, ZoneServer]]:
    """MESSAGE after one forwarder (lists.test) checked it and sealed an ARC set."""
    path, record = generate_key(tmp_path, "lists.test", "arc", "rsa")
    received = (
        b"Authentication-Results: lists.test; dkim=none; spf=pass smtp.mailfrom=example.org\r\n"
    )
    message = received + MESSAGE
    arc_set = dkim.arc_sign(
        message, b"arc", b"lists.test", path.read_bytes(), b"lists.test", timestamp=1_700_000_000
    )
    with ZoneServer([record]) as zone:
        yield b"".join(arc_set) + message, zone


async def test_a_valid_chain_passes(sealed: tuple[bytes, ZoneServer]) -> None:
    message, zone = sealed
    result = await verify_chain(message, resolver_for(zone.address))
    assert result.result == "pass"
    assert "arc=pass" in results_field("mail.test", None, [], None, result)


async def test_a_chain_broken_on_the_way_fails(sealed: tuple[bytes, ZoneServer]) -> None:
    message, zone = sealed
    broken = message.replace(b"the minutes.", b"the minutes, changed.")
    assert (await verify_chain(broken, resolver_for(zone.address))).result == "fail"


async def test_no_chain_is_none_and_a_key_that_cannot_be_fetched_is_temperror(
    sealed: tuple[bytes, ZoneServer],
) -> None:
    message, zone = sealed
    assert (await verify_chain(MESSAGE, resolver_for(zone.address))).result == "none"
    down = resolver_for(unused_address(), timeout=1.0)
    assert (await verify_chain(message, down)).result == "temperror"


async def test_a_chain_longer_than_rfc_8617_allows_fails_unchecked(
    sealed: tuple[bytes, ZoneServer],
) -> None:
    message, zone = sealed
    seals = b"".join(
        f"ARC-Seal: i={i}; a=rsa-sha256; cv=pass; d=x{i}.test; s=s; b=y\r\n".encode()
        for i in range(1, 2 * MAX_INSTANCES + 2)
    )
    result = await verify_chain(seals + message, resolver_for(zone.address))
    assert (result.result, result.reason) == ("fail", "too many ARC sets")
    assert zone.questions == []
