"""Sieve scripts per account, one of them active, and the vacation record.

What ManageSieve (RFC 5804), ``hato sieve`` and delivery see of the store. A
``SieveScripts`` is one account's view, handed out by ``Store.sieve_scripts``:
every statement carries the account's id (the account-isolation invariant), and
scripts are reached by name only.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Protocol

from hato.store.base import StoreError

__all__ = [
    "MAX_SCRIPT_NAME",
    "NoSuchScript",
    "ScriptActive",
    "ScriptExists",
    "ScriptInfo",
    "ScriptNameInvalid",
    "ScriptQuota",
    "ScriptQuotaExceeded",
    "SieveScripts",
    "check_script_name",
]

#: Characters in a script name; RFC 5804 §1.6 leaves the bound to the server.
MAX_SCRIPT_NAME = 128


class NoSuchScript(StoreError):
    """The account has no script of that name (RFC 5804 NONEXISTENT)."""


class ScriptExists(StoreError):
    """A rename's new name is taken (RFC 5804 ALREADYEXISTS)."""


class ScriptActive(StoreError):
    """The active script cannot be deleted (RFC 5804 §2.10, ACTIVE)."""


class ScriptNameInvalid(StoreError):
    """A name that is empty, too long or has control characters (RFC 5804 §1.6)."""


class ScriptQuotaExceeded(StoreError):
    """A script over the size limit, or one script too many (RFC 5804 QUOTA)."""


@dataclass(frozen=True, slots=True)
class ScriptQuota:
    """How much one account may keep: ``[sieve] max_script_size`` and ``max_scripts``."""

    max_script_size: int = 65_536
    max_scripts: int = 20


@dataclass(frozen=True, slots=True)
class ScriptInfo:
    name: str
    active: bool


def check_script_name(name: str) -> None:
    """RFC 5804 §1.6: no control characters (Unicode Cc, U+2028, U+2029); bounded length."""
    if not name or len(name) > MAX_SCRIPT_NAME:
        raise ScriptNameInvalid(f"a script name has 1 to {MAX_SCRIPT_NAME} characters")
    if any(unicodedata.category(c) == "Cc" or c in "\u2028\u2029" for c in name):
        raise ScriptNameInvalid("a script name has no control characters")


class SieveScripts(Protocol):
    """One account's scripts (RFC 5804 §2) and its vacation record (RFC 5230 §4.2)."""

    async def list(self) -> list[ScriptInfo]: ...
    async def get(self, name: str) -> str | None: ...
    # Create or replace; ScriptQuotaExceeded if over ``quota`` (a replacement is no new script).
    async def put(self, name: str, text: str, quota: ScriptQuota) -> None: ...
    async def delete(self, name: str) -> None: ...
    async def rename(self, old: str, new: str) -> None: ...
    async def activate(self, name: str | None) -> None: ...  # None: no script is active
    async def active(self) -> tuple[str, str] | None: ...  # (name, text)
    async def texts(self) -> dict[str, str]: ...  # every script, for include (RFC 6609)
    # Vacation (RFC 5230 §4.2): when each handle last replied to ``sender``, as Unix times.
    async def replies_to(self, sender: str) -> dict[str, int]: ...
    async def record_reply(self, handle: str, sender: str, now: int, keep: int) -> None: ...
