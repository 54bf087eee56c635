"""Fetching an MTA-STS policy over HTTPS (RFC 8461 §3.3) with aiohttp.

Kept apart from ``hato.mailauth.mta_sts`` and imported by its first fetch, so that a
server whose relay never meets a domain with a policy never loads aiohttp for it.
"""

from __future__ import annotations

import socket

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from hato.mailauth.mta_sts import MAX_POLICY_OCTETS, PolicyError, verifying_context
from hato.mailauth.resolver import Resolver

__all__ = ["fetch_policy"]


async def fetch_policy(resolver: Resolver, url: str, seconds: float) -> str:
    """The text at ``url``: no redirect followed, no HTTP cache, ``text/plain`` of at most
    ``MAX_POLICY_OCTETS``, within ``seconds``, over TLS verified for its host
    (§3.3, §4.2). An HTTP or TLS failure is a PolicyError."""
    connector = aiohttp.TCPConnector(
        resolver=_HatoDns(resolver), ssl=verifying_context(), force_close=True
    )
    try:
        async with (
            aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=seconds)
            ) as session,
            session.get(url, allow_redirects=False, headers={"Cache-Control": "no-cache"}) as got,
        ):
            if got.status != 200:
                raise PolicyError(f"HTTP status {got.status}")
            if got.content_type != "text/plain":
                raise PolicyError(f"media type {got.content_type[:40]!r}, not text/plain")
            body = bytearray()
            while chunk := await got.content.read(MAX_POLICY_OCTETS + 1 - len(body)):
                body += chunk  # read() gives what has arrived: read on to the end or limit
                if len(body) > MAX_POLICY_OCTETS:
                    raise PolicyError(f"policy larger than {MAX_POLICY_OCTETS} octets")
    except aiohttp.ClientError as error:
        raise PolicyError(str(error) or type(error).__name__) from error
    return body.decode("utf-8")


class _HatoDns(AbstractResolver):
    """aiohttp asks hato's resolver for host addresses, so ``[dns] servers`` apply."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await self.resolver.addresses(host)
        if not addresses:
            raise OSError(f"{host} has no address")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                proto=0,
                flags=socket.AI_NUMERICHOST,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        return None
