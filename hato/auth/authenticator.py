"""Checking credentials against the store, with the shared throttle in front.

Protocol adapters call these after their own grammar is satisfied, with a
``LoginAttempt`` saying who asks and how. An attempt first waits for its
address's failures (``LoginThrottle.delay``); a failure then also waits for the
account's (``LoginThrottle.failed``). Hashing runs in a worker thread, and an
unknown account is hashed against a dummy, so a failure takes the same time
whether the account exists or not. A password verified a moment ago is known
from ``LoginCache`` without hashing again, and at most a few hashes run at once
(``HashChecks``; hato.auth.cache). Every outcome is one ``login`` log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from hato import metrics
from hato.auth.cache import HashChecks, LoginCache
from hato.auth.names import normalize_username
from hato.auth.passwords import make_credentials, needs_rehash, verify_apop, verify_password
from hato.auth.throttle import LoginThrottle
from hato.auth.tokens import token_digest
from hato.logs import event
from hato.proto.sasl import Challenge, KeysNeeded, PasswordCheck, Rejected
from hato.proto.sasl_driver import Cancelled, Malformed, SaslDriver, Succeeded
from hato.store.base import Account, AccountStore, ScramKeys

__all__ = ["Authenticator", "Converse", "LoginAttempt"]

log = logging.getLogger(__name__)

Converse = Callable[[bytes], Awaitable[bytes]]
"""Send a base64 challenge behind the protocol's prefix; return the client's next line."""


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """Who tries to log in, and how: for the throttle and the log."""

    protocol: str  # "imap", "pop3", "submission", "http"
    method: str  # "LOGIN", "USER", "APOP", the SASL mechanism, "FORM", "BASIC", "BEARER"
    address: str  # the client's IP address


class Authenticator:
    def __init__(
        self,
        store: AccountStore,
        throttle: LoginThrottle,
        cache: LoginCache | None = None,
        checks: HashChecks | None = None,
    ) -> None:
        self.store = store
        self.throttle = throttle
        self.cache = cache if cache is not None else LoginCache(ttl=300.0, size=10_000)
        self.checks = checks if checks is not None else HashChecks(at_once=2)

    async def password(self, name: str, password: str, attempt: LoginAttempt) -> Account | None:
        """The account, if ``password`` is right; else None after the throttle's delays."""
        account = await self._lookup(name, attempt)
        ok = await self._verified(account, password)
        if ok and account is not None and needs_rehash(account.credentials):
            await self._rehash(account, password)
        return await self._conclude(account if ok else None, name, attempt)

    async def _verified(self, account: Account | None, password: str) -> bool:
        """Whether ``password`` is the account's: from the cache if it was verified
        lately against the same stored hash, else hashed (a dummy if no account)."""
        credentials = account.credentials if account is not None else None

        def known() -> bool:
            return account is not None and self.cache.knows(
                account.name, password, account.credentials.password_hash
            )

        if known():
            return True
        ok = await self.checks.verify(partial(verify_password, credentials, password), known)
        if ok and account is not None and not needs_rehash(account.credentials):
            self.cache.remember(account.name, password, account.credentials.password_hash)
        return ok

    async def _rehash(self, account: Account, password: str) -> None:
        """Replace an imported Dovecot hash, or an argon2id hash of other parameters, by
        argon2id and SCRAM keys now that the password is known (a hash made under the
        bound on hashes at once); an APOP secret is kept as it was."""
        keep_apop = account.credentials.apop_secret is not None
        credentials = await self.checks.run(partial(make_credentials, password, keep_apop))
        await self.store.set_credentials(account.name, credentials)
        self.cache.remember(account.name, password, credentials.password_hash)
        event(log, logging.INFO, "rehash", account=account.name, scheme="argon2id")

    async def apop(
        self, name: str, timestamp: str, digest: str, attempt: LoginAttempt
    ) -> Account | None:
        account = await self._lookup(name, attempt)
        ok = account is not None and verify_apop(account.credentials, timestamp, digest)
        return await self._conclude(account if ok else None, name, attempt)

    async def token(self, token: str, attempt: LoginAttempt) -> Account | None:
        """The account whose API token this is; a wrong token counts against the address."""
        await asyncio.sleep(self.throttle.delay(attempt.address, None))
        account = await self.store.account_by_token(token_digest(token))
        return await self._conclude(account, "", attempt)

    async def scram_keys(
        self, name: str, attempt: LoginAttempt
    ) -> tuple[Account, ScramKeys] | None:
        """The stored SCRAM keys, for a SCRAM exchange run by the protocol core."""
        account = await self._lookup(name, attempt)
        if account is None or account.credentials.scram is None:
            return None
        return account, account.credentials.scram

    async def concluded(self, verified: bool, name: str, attempt: LoginAttempt) -> Account | None:
        """The outcome of an exchange checked elsewhere (SCRAM's proof, a malformed
        SASL message): the account if ``verified``, else None after the delays."""
        account = await self.store.get_account(normalize_username(name)) if verified else None
        return await self._conclude(account, name, attempt)

    async def sasl(
        self, driver: SaslDriver, initial: bytes | str | None, attempt: LoginAttempt,
        converse: Converse,
    ) -> Account | Cancelled | Malformed | None:  # fmt: skip
        """Run one SASL exchange to its end: the account, None for a failed login, or
        how the client broke the exchange off (nothing is logged or throttled then)."""
        action = driver.start(initial)
        while True:
            match action:
                case Challenge():
                    action = driver.receive(await converse(action.encoded))
                case KeysNeeded(username=name):
                    found = await self.scram_keys(name, attempt)
                    action = driver.provide_keys(found[1] if found else None)
                case PasswordCheck(username=name, password=password):
                    return await self.password(name, password, attempt)
                case Succeeded(username=name) | Rejected(username=name):
                    return await self.concluded(isinstance(action, Succeeded), name, attempt)
                case Cancelled() | Malformed():
                    return action

    async def _lookup(self, name: str, attempt: LoginAttempt) -> Account | None:
        await asyncio.sleep(self.throttle.delay(attempt.address, name))
        return await self.store.get_account(normalize_username(name))

    async def _conclude(
        self, account: Account | None, name: str, attempt: LoginAttempt
    ) -> Account | None:
        event(
            log, logging.INFO, "login", protocol=attempt.protocol,
            account=account.name if account else normalize_username(name),
            address=attempt.address, method=attempt.method,
            result="ok" if account else "failed",
        )  # fmt: skip
        metrics.login(attempt.protocol, account is not None)
        if account is not None:
            self.throttle.succeeded(attempt.address, name)
        else:
            await asyncio.sleep(self.throttle.failed(attempt.address, name))
        return account
