"""Password secrets: argon2id hashes, SCRAM-SHA-256 keys and the APOP secret.

- The login password is kept only as an argon2id hash (RFC 9106), verified in a
  worker thread so a slow hash never stalls the event loop.
- SCRAM-SHA-256 (RFC 5802 §3, RFC 7677) keeps SaltedPassword-derived StoredKey
  and ServerKey, so a SCRAM exchange never needs the password.
- A hash imported from Dovecot (``{SCHEME}...``) is checked by
  ``hato.auth.dovecot_hashes`` until the first successful login replaces it
  with argon2id (``needs_rehash``).
- The argon2id cost (time, memory, lanes: RFC 9106 §3.1) comes from the
  ``[passwords]`` settings (``Argon2Params``, applied at start by ``use_argon2``);
  a stored hash made with other parameters is made again at the next
  successful login (``needs_rehash``), so a change reaches every account.
- APOP (RFC 1939 §7) is an MD5 of the greeting timestamp and the *shared
  secret*: the server must be able to recover the password. ``--apop`` keeps
  it; anyone who can read the database can then read that password.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY

from hato.auth.dovecot_hashes import is_dovecot_hash, verify_dovecot_hash
from hato.proto.sasl import derive_scram_keys
from hato.store.base import Credentials, ScramKeys

__all__ = [
    "SCRAM_ITERATIONS",
    "Argon2Params",
    "make_credentials",
    "needs_rehash",
    "scram_keys",
    "use_argon2",
    "verify_apop",
    "verify_password",
]

SCRAM_ITERATIONS = 4096


@dataclass(frozen=True, slots=True)
class Argon2Params:
    """``[passwords]``: the argon2id cost of a new hash (RFC 9106 §3.1). The defaults are
    RFC 9106 §4's second recommended option, argon2-cffi's own: 3 passes over 64 MiB
    with 4 lanes, about 50-160 ms of CPU a check on this kind of machine."""

    time_cost: int = RFC_9106_LOW_MEMORY.time_cost
    memory_kib: int = RFC_9106_LOW_MEMORY.memory_cost
    parallelism: int = RFC_9106_LOW_MEMORY.parallelism

    def __post_init__(self) -> None:
        # RFC 9106 §3.1: at least 8 KiB per lane; the upper bounds keep one login from
        # taking the machine (the concurrent checks are bounded elsewhere, not their size).
        if not 1 <= self.parallelism <= 64:
            raise ValueError("parallelism must be 1 to 64")
        if not 8 * self.parallelism <= self.memory_kib <= 4 * 1024 * 1024:
            raise ValueError(f"memory_kib must be {8 * self.parallelism} to 4194304 (4 GiB)")
        if not 1 <= self.time_cost <= 100:
            raise ValueError("time_cost must be 1 to 100")

    def hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=self.parallelism
        )


_HASHER = Argon2Params().hasher()


def use_argon2(params: Argon2Params) -> None:
    """Make new hashes (and the dummy checked for unknown accounts) with ``params``;
    called once at start with the configuration's ``[passwords]``."""
    global _HASHER
    _HASHER = params.hasher()
    _dummy_hash.cache_clear()


def scram_keys(
    password: str, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS
) -> ScramKeys:
    """StoredKey and ServerKey (RFC 5802 §3) of the SASLprep'd password, for the store."""
    return derive_scram_keys(
        password, salt if salt is not None else secrets.token_bytes(16), iterations
    )


def make_credentials(password: str, apop: bool = False) -> Credentials:
    """Everything stored for a new password."""
    return Credentials(
        password_hash=_HASHER.hash(password),
        scram=_scram_or_none(password),
        apop_secret=password if apop else None,
    )


def _scram_or_none(password: str) -> ScramKeys | None:
    """SCRAM needs a SASLprep-able password (RFC 4013); others just cannot use SCRAM."""
    try:
        return scram_keys(password)
    except ValueError:
        return None


def verify_password(credentials: Credentials | None, password: str) -> bool:
    """True when ``password`` matches the argon2id hash (constant-time in argon2).

    No account (``None``) or a hash argon2 cannot read costs one verification
    against a dummy hash made with the same parameters, so that a failure takes
    as long whether the account exists or not.
    """
    if credentials is not None and is_dovecot_hash(credentials.password_hash):
        return verify_dovecot_hash(credentials.password_hash, password)
    if credentials is not None:
        try:
            return _HASHER.verify(credentials.password_hash, password)
        except (VerifyMismatchError, VerificationError):
            return False
        except InvalidHashError:
            pass
    with contextlib.suppress(VerifyMismatchError):
        _HASHER.verify(_dummy_hash(), password)
    return False


def needs_rehash(credentials: Credentials) -> bool:
    """True for a hash imported from Dovecot, or an argon2 hash made with other
    parameters than ``use_argon2``'s: hashed again after a successful login."""
    stored = credentials.password_hash
    if is_dovecot_hash(stored):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return False


@functools.cache
def _dummy_hash() -> str:
    """The hash of a random password nobody knows (made once, on the first use)."""
    return _HASHER.hash(secrets.token_urlsafe(24))


def verify_apop(credentials: Credentials, timestamp: str, digest: str) -> bool:
    """RFC 1939 §7: digest == MD5(timestamp + secret), as lowercase hex."""
    if credentials.apop_secret is None:
        return False
    expected = hashlib.md5(  # noqa: S324 - MD5 is what APOP is defined with
        (timestamp + credentials.apop_secret).encode("utf-8")
    ).hexdigest()
    return hmac.compare_digest(expected, digest.lower())
