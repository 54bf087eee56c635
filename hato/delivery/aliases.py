"""Aliases: one address standing for others, on every delivery path.

An alias is keyed by a full address (``info@example.org``) or by a bare local
part (``postmaster``), which then holds in every local domain (RFC 5321 §4.5.1
requires ``postmaster`` in each). A target is an address, or a bare account
name meaning that account. Targets may be aliases themselves; expansion stops
at loops and after a fixed depth.
"""

from __future__ import annotations

from hato.delivery.recipients import split_address
from hato.store.directory import Directory

__all__ = ["MAX_DEPTH", "alias_key", "expand"]

MAX_DEPTH = 8


def alias_key(address: str) -> str:
    """How an alias is stored: lowercase, without a trailing dot on the domain."""
    parts = split_address(address)
    if parts is None:
        return address.strip().lower()
    local, domain = parts
    return f"{local.lower()}@{domain}"


async def _targets(
    directory: Directory, address: str, domains: tuple[str, ...]
) -> list[str] | None:
    parts = split_address(address)
    if parts is None or parts[1] not in domains:
        return None
    local, domain = parts
    for key in (f"{local.lower()}@{domain}", local.lower()):
        found = await directory.alias_targets(key)
        if found:
            return [t if "@" in t else f"{t}@{domain}" for t in found]
    return None


async def expand(directory: Directory, address: str, domains: tuple[str, ...]) -> list[str] | None:
    """The final addresses ``address`` stands for, or None if it is no alias."""
    first = await _targets(directory, address, domains)
    if first is None:
        return None
    final: list[str] = []
    seen = {alias_key(address)}
    pending = [(t, 1) for t in first]
    while pending:
        target, depth = pending.pop(0)
        key = alias_key(target)
        if key in seen:
            continue
        seen.add(key)
        more = await _targets(directory, target, domains) if depth < MAX_DEPTH else None
        if more is None:
            final.append(target)
        else:
            pending.extend((t, depth + 1) for t in more)
    return final
