"""Checking credentials against the store, with the shared throttle in front.

Protocol adapters call these after their own grammar is satisfied. Failures
are answered only after the throttle's delay; hashing runs in a worker thread.
"""

from __future__ import annotations

import asyncio

from hato.auth.passwords import verify_apop, verify_password
from hato.auth.throttle import LoginThrottle
from hato.store.base import Account, ScramKeys, Store

__all__ = ["Authenticator", "normalize_username"]


def normalize_username(name: str) -> str:
    """Account names are stored lowercase; logins are case-insensitive."""
    return name.strip().lower()


class Authenticator:
    def __init__(self, store: Store, throttle: LoginThrottle) -> None:
        self.store = store
        self.throttle = throttle

    async def password(self, name: str, password: str, peer: str) -> Account | None:
        """The account, if ``password`` is right; else None after the throttle's delay."""
        await asyncio.sleep(self.throttle.delay(peer, name))
        account = await self.store.get_account(normalize_username(name))
        ok = account is not None and await asyncio.to_thread(
            verify_password, account.credentials, password
        )
        return self._conclude(account if ok else None, name, peer)

    async def apop(self, name: str, timestamp: str, digest: str, peer: str) -> Account | None:
        await asyncio.sleep(self.throttle.delay(peer, name))
        account = await self.store.get_account(normalize_username(name))
        ok = account is not None and verify_apop(account.credentials, timestamp, digest)
        return self._conclude(account if ok else None, name, peer)

    async def scram_keys(self, name: str, peer: str) -> tuple[Account, ScramKeys] | None:
        """The stored SCRAM keys, for a SCRAM exchange run by the protocol core."""
        await asyncio.sleep(self.throttle.delay(peer, name))
        account = await self.store.get_account(normalize_username(name))
        if account is None or account.credentials.scram is None:
            return None
        return account, account.credentials.scram

    def record(self, ok: bool, name: str, peer: str) -> None:
        """Report the outcome of an exchange checked elsewhere (e.g. SCRAM's proof)."""
        if ok:
            self.throttle.succeeded(peer, name)
        else:
            self.throttle.failed(peer, name)

    def _conclude(self, account: Account | None, name: str, peer: str) -> Account | None:
        self.record(account is not None, name, peer)
        return account
