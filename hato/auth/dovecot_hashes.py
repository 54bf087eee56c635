"""Password hashes carried over from a Dovecot passwd-file, verified as Dovecot does.

An imported account keeps Dovecot's ``{SCHEME}data`` string as its password
hash until its first successful login, when the password it just proved is
hashed again with argon2id (``needs_rehash``). Nothing here stores anything.

- ``{PLAIN}``: the password itself, compared in constant time.
- ``{CRYPT}``, ``{SHA512-CRYPT}``, ``{SHA256-CRYPT}``, ``{MD5-CRYPT}``,
  ``{BLF-CRYPT}``: crypt(3) strings (``$6$``, ``$5$``, ``$1$``, ``$2y$``, DES),
  checked with libpass, as Python 3.13 has no ``crypt`` module. bcrypt reads
  only the first 72 bytes of a password, as libc's crypt did for Dovecot.
- ``{SSHA}``, ``{SSHA256}``, ``{SSHA512}``: base64 of digest(password + salt)
  followed by the salt (the LDAP salted forms, RFC 3112's family).
- ``{PBKDF2}``: ``$1$SALT$ROUNDS$HEX``, PBKDF2-HMAC-SHA1 (RFC 8018 §5.2) over
  the salt's characters, 20 bytes of output.
- ``{ARGON2I}``, ``{ARGON2ID}``: PHC strings (RFC 9106), checked by argon2-cffi.
- ``{CRAM-MD5}``, ``{DIGEST-MD5}``: intermediate digests that a plaintext login
  cannot be checked against; an import reports them as unusable.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

if TYPE_CHECKING:
    from passlib.context import CryptContext

__all__ = [
    "SUPPORTED_SCHEMES",
    "UNUSABLE_SCHEMES",
    "is_dovecot_hash",
    "split_scheme",
    "verify_dovecot_hash",
]

UNUSABLE_SCHEMES = frozenset({"CRAM-MD5", "DIGEST-MD5"})

_BCRYPT_MAX = 72  # bytes bcrypt reads of a password
_ARGON2 = PasswordHasher()
_SSHA_DIGESTS = {"SSHA": "sha1", "SSHA256": "sha256", "SSHA512": "sha512"}


def _plain(data: str, password: str) -> bool:
    return hmac.compare_digest(data.encode("utf-8"), password.encode("utf-8"))


@functools.cache
def _crypt_context() -> CryptContext:
    """passlib's context for the crypt(3) schemes, made (and passlib imported, about 1 MB)
    at the first such hash: most servers never see one."""
    from passlib.context import CryptContext

    schemes = ["sha512_crypt", "sha256_crypt", "md5_crypt", "bcrypt", "des_crypt"]
    return CryptContext(schemes=schemes)


def _crypt(data: str, password: str) -> bool:
    secret = password.encode("utf-8")
    if data.startswith("$2"):
        secret = secret[:_BCRYPT_MAX]
    try:
        return bool(_crypt_context().verify(secret, data))
    except (ValueError, TypeError):
        return False


def _salted(digest_name: str) -> Callable[[str, str], bool]:
    def verify(data: str, password: str) -> bool:
        try:
            raw = base64.b64decode(data, validate=True)
        except binascii.Error:
            return False
        size = hashlib.new(digest_name).digest_size
        digest, salt = raw[:size], raw[size:]
        computed = hashlib.new(digest_name, password.encode("utf-8") + salt).digest()
        return len(digest) == size and hmac.compare_digest(digest, computed)

    return verify


def _pbkdf2(data: str, password: str) -> bool:
    parts = data.split("$")
    if len(parts) != 5 or parts[:2] != ["", "1"] or not parts[3].isdigit():
        return False
    salt, rounds, expected = parts[2], int(parts[3]), parts[4].lower()
    if not 1 <= rounds <= 10_000_000:  # a hostile file must not buy unbounded work
        return False
    computed = hashlib.pbkdf2_hmac("sha1", password.encode("utf-8"), salt.encode(), rounds)
    return hmac.compare_digest(computed.hex(), expected)


def _argon2(data: str, password: str) -> bool:
    try:
        return _ARGON2.verify(data, password)
    except (VerificationError, InvalidHashError):
        return False


_VERIFIERS: dict[str, Callable[[str, str], bool]] = {
    "PLAIN": _plain,
    "CRYPT": _crypt,
    "SHA512-CRYPT": _crypt,
    "SHA256-CRYPT": _crypt,
    "MD5-CRYPT": _crypt,
    "BLF-CRYPT": _crypt,
    "PBKDF2": _pbkdf2,
    "ARGON2I": _argon2,
    "ARGON2ID": _argon2,
    **{scheme: _salted(name) for scheme, name in _SSHA_DIGESTS.items()},
}

SUPPORTED_SCHEMES = frozenset(_VERIFIERS)


def split_scheme(stored: str) -> tuple[str, str] | None:
    """``("SHA512-CRYPT", "$6$...")`` from ``"{SHA512-CRYPT}$6$..."``; None without braces."""
    if not stored.startswith("{"):
        return None
    scheme, brace, data = stored[1:].partition("}")
    return (scheme.upper(), data) if brace else None


def is_dovecot_hash(stored: str) -> bool:
    """True for a ``{SCHEME}`` hash this module checks (argon2-cffi's own start with ``$``)."""
    split = split_scheme(stored)
    return split is not None and split[0] in SUPPORTED_SCHEMES


def verify_dovecot_hash(stored: str, password: str) -> bool:
    """True when ``password`` matches the imported ``{SCHEME}data`` hash."""
    split = split_scheme(stored)
    if split is None or split[0] not in _VERIFIERS:
        return False
    scheme, data = split
    return _VERIFIERS[scheme](data, password)
