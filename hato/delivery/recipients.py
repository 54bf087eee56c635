"""Which envelope recipients are ours: local domains, accounts, sub-addresses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from hato.store.base import UNLIMITED
from hato.store.directory import Directory

__all__ = ["Lookup", "Recipient", "resolve"]


class Lookup(Enum):
    LOCAL = "local"
    UNKNOWN_USER = "unknown user"
    NOT_LOCAL = "not a local domain"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class Recipient:
    """An address that reached a local account; ``limited``: whether a quota is in force
    for the account (when not, no usage need be read to know there is room)."""

    address: str
    account_id: int
    account: str
    limited: bool = True


def split_address(address: str) -> tuple[str, str] | None:
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return None
    return local, domain.lower().rstrip(".")


async def resolve(
    directory: Directory, address: str, domains: tuple[str, ...]
) -> tuple[Lookup, Recipient | None]:
    """Map ``NAME@domain`` (or ``NAME+detail@domain``, RFC 5233) to a local account.

    Account names are case-insensitive, so the local part is too.
    """
    parts = split_address(address)
    if parts is None:
        return Lookup.MALFORMED, None
    local, domain = parts
    if domain not in domains:
        return Lookup.NOT_LOCAL, None
    name = local.lower()
    candidates = [name] if "+" not in name else [name, name.split("+", 1)[0]]
    for candidate in candidates:
        account = await directory.addressee(candidate)
        if account is not None:
            limited = account.limits != UNLIMITED
            return Lookup.LOCAL, Recipient(address, account.id, account.name, limited)
    return Lookup.UNKNOWN_USER, None
