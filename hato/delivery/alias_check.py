"""What ``hato alias add`` (and the web console) checks before it stores an alias, so that
none is dead on arrival.

- The alias is a bare local part (a Dot-string, RFC 5321 §4.1.2: it then holds in
  every local domain) or ``local@domain`` in a local domain: mail for other
  domains never reaches hato's aliases.
- Each target is a bare name or an address (RFC 5321 §4.1.2 syntax). A bare name
  stands for that name in the alias's domain (every local domain for a bare
  alias), so it, like an address in a local domain, must lead to an account or
  to an alias that does; addresses elsewhere are relayed and only their syntax
  can be checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hato.delivery.aliases import alias_key
from hato.delivery.dispatch import route
from hato.delivery.recipients import split_address
from hato.proto.smtp_syntax import is_dot_string, is_mailbox
from hato.store.base import Store

__all__ = ["AliasChange", "add_alias", "alias_problems"]


@dataclass(frozen=True, slots=True)
class AliasChange:
    address: str  # as stored (alias_key)
    targets: list[str]
    problems: list[str]  # empty: the alias was stored


async def add_alias(
    store: Store, address: str, targets: Sequence[str], domains: tuple[str, ...]
) -> AliasChange:
    """Store ``address -> targets`` (replacing its targets) if every check passes."""
    key = alias_key(address)
    keys = [alias_key(target) for target in targets]
    problems = await alias_problems(store, key, keys, domains)
    if not problems:
        await store.set_alias(key, keys)
    return AliasChange(key, keys, problems)


async def alias_problems(
    store: Store, address: str, targets: Sequence[str], domains: tuple[str, ...]
) -> list[str]:
    """Every reason the alias ``address -> targets`` cannot work; empty if it can."""
    problems = _address_problems(address, domains)
    alias_domains = _domains_of(address, domains)
    for target in targets:
        if target == address:
            problems.append(f"{target}: an alias must not point to itself")
        elif not (is_mailbox(target) if "@" in target else is_dot_string(target)):
            problems.append(f"{target}: not an account name nor an address (user@domain)")
        elif not await _leads_somewhere(store, target, alias_domains, domains):
            problems.append(f"{target}: no such account or alias")
    return problems


def _address_problems(address: str, domains: tuple[str, ...]) -> list[str]:
    if "@" not in address:
        if is_dot_string(address):
            return []
        return [f"{address}: not a local part (letters, digits and !#$%&'*+-/=?^_`{{|}}~.)"]
    if not is_mailbox(address):
        return [f"{address}: not an address (user@domain)"]
    parts = split_address(address)
    if parts is None or parts[1] not in domains:
        return [f"{address}: not in a local domain ({', '.join(domains)})"]
    return []


def _domains_of(address: str, domains: tuple[str, ...]) -> tuple[str, ...]:
    """The domains a bare target of ``address`` is taken in."""
    parts = split_address(address)
    return domains if parts is None else (parts[1],)


async def _leads_somewhere(
    store: Store, target: str, alias_domains: tuple[str, ...], domains: tuple[str, ...]
) -> bool:
    """Whether mail for ``target`` finds an account (or leaves hato, which it may)."""
    addresses = [target] if "@" in target else [f"{target}@{d}" for d in alias_domains]
    directory = await store.directory()
    for each in addresses:
        parts = split_address(each)
        if parts is not None and parts[1] in domains:
            _, found = await route(directory, each, domains)
            if not found:
                return False
    return True
