"""SASL server mechanisms as sans-IO exchanges: PLAIN, LOGIN and SCRAM-SHA-256.

Protocol-neutral: POP3 (RFC 5034), IMAP (RFC 9051 §6.2.2) and SMTP submission
(RFC 4954) each wrap these in their own continuation syntax and base64 framing.
An exchange is given the client's *decoded* responses and answers with a step:

  Challenge(data)          send ``data`` to the client, then call ``respond()``
  PasswordCheck(...)       PLAIN/LOGIN: the application checks the password
  KeysNeeded(username)     SCRAM: the application calls ``provide_keys()``
  Verified(username, ...)  SCRAM proof is valid (``server_final`` for the client)
  Rejected(username, why)  the exchange failed

The SCRAM side never sees a password: it verifies the client proof against the
stored keys (RFC 5802 §3: StoredKey, ServerKey), which ``derive_scram_keys``
computes once, when the password is set.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import stringprep
import unicodedata
from dataclasses import dataclass
from typing import ClassVar

from hato.store.base import ScramKeys  # what the store keeps, the mechanism reads

__all__ = [
    "MAX_RESPONSE",
    "Challenge",
    "KeysNeeded",
    "LoginExchange",
    "PasswordCheck",
    "PlainExchange",
    "Rejected",
    "ScramExchange",
    "ScramKeys",
    "Step",
    "Verified",
    "derive_scram_keys",
    "saslprep",
]


@dataclass(frozen=True, slots=True)
class Challenge:
    data: bytes

    @property
    def encoded(self) -> bytes:
        """``data`` as base64, the way every profile sends a challenge (RFC 4422 §4)."""
        return base64.b64encode(self.data)


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    username: str
    password: str


@dataclass(frozen=True, slots=True)
class KeysNeeded:
    username: str


@dataclass(frozen=True, slots=True)
class Verified:
    username: str
    server_final: bytes


@dataclass(frozen=True, slots=True)
class Rejected:
    username: str
    reason: str


Step = Challenge | PasswordCheck | KeysNeeded | Verified | Rejected

# Octets of one decoded client response.  RFC 4616 §2 asks for PLAIN fields of up
# to 255 octets each; every response of these mechanisms fits well within this,
# and what is longer would only cost SASLprep and hashing time per character.
MAX_RESPONSE = 2048
_TOO_LONG = "response too long"

_PROHIBITED = (
    stringprep.in_table_c12,
    stringprep.in_table_c21_c22,
    stringprep.in_table_c3,
    stringprep.in_table_c4,
    stringprep.in_table_c5,
    stringprep.in_table_c6,
    stringprep.in_table_c7,
    stringprep.in_table_c8,
    stringprep.in_table_c9,
)


def saslprep(text: str) -> str:
    """Prepare a password or username (RFC 4013 §2); raise ValueError if prohibited."""
    if text.isascii() and text.isprintable():
        return text
    mapped = "".join(
        " " if stringprep.in_table_c12(c) else c for c in text if not stringprep.in_table_b1(c)
    )
    prepared = unicodedata.normalize("NFKC", mapped)
    if any(check(c) for c in prepared for check in _PROHIBITED):
        raise ValueError("prohibited character in SASLprep input")
    bidi = [stringprep.in_table_d1(c) for c in prepared]  # RFC 3454 §6
    if any(bidi) and (not (bidi[0] and bidi[-1]) or any(map(stringprep.in_table_d2, prepared))):
        raise ValueError("bidirectional text is malformed")
    return prepared


def derive_scram_keys(password: str, salt: bytes, iterations: int = 4096) -> ScramKeys:
    """SaltedPassword, StoredKey and ServerKey of RFC 5802 §3 with SHA-256 (RFC 7677)."""
    salted = hashlib.pbkdf2_hmac("sha256", saslprep(password).encode(), salt, iterations)
    client_key = _hmac(salted, b"Client Key")
    stored_key = hashlib.sha256(client_key).digest()
    return ScramKeys(salt, iterations, stored_key, _hmac(salted, b"Server Key"))


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


class PlainExchange:
    """PLAIN (RFC 4616 §2): message = [authzid] NUL authcid NUL passwd."""

    mechanism: ClassVar[str] = "PLAIN"

    def start(self, initial: bytes | None) -> Step:
        return Challenge(b"") if initial is None else self.respond(initial)

    def respond(self, data: bytes) -> Step:
        if len(data) > MAX_RESPONSE:
            return Rejected("", _TOO_LONG)
        parts = data.decode("utf-8", "replace").split("\0")
        if len(parts) != 3 or not parts[1]:
            return Rejected("", "malformed PLAIN message")
        authzid, authcid, password = parts
        if authzid and authzid != authcid:
            return Rejected(authcid, "authorization identity not permitted")
        return PasswordCheck(authcid, password)


class LoginExchange:
    """LOGIN (draft-murchison-sasl-login-00): prompts for user name, then password."""

    mechanism: ClassVar[str] = "LOGIN"

    def __init__(self) -> None:
        self._username: str | None = None

    def start(self, initial: bytes | None) -> Step:
        return Challenge(b"Username:") if initial is None else self.respond(initial)

    def respond(self, data: bytes) -> Step:
        if len(data) > MAX_RESPONSE:
            return Rejected(self._username or "", _TOO_LONG)
        text = data.decode("utf-8", "replace")
        if self._username is None:
            self._username = text
            return Challenge(b"Password:")
        return PasswordCheck(self._username, text)


# RFC 5802 §7:
#   client-first-message = gs2-header client-first-message-bare
#   gs2-header = gs2-cbind-flag "," [ authzid ] ","
#   client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
#   client-final-message = channel-binding "," nonce ["," extensions] "," proof
class ScramExchange:
    """SCRAM-SHA-256 server (RFC 5802 §5, RFC 7677), without channel binding."""

    mechanism: ClassVar[str] = "SCRAM-SHA-256"

    _FAKE_SECRET = secrets.token_bytes(32)  # per process: unknown users get stable fake salts

    def __init__(self, nonce: str | None = None) -> None:
        self._server_nonce = nonce if nonce is not None else secrets.token_urlsafe(18)
        self._username = ""
        self._gs2_header = b""
        self._first_bare = ""
        self._nonce = ""
        self._server_first = ""
        self._keys: ScramKeys | None = None

    def start(self, initial: bytes | None) -> Step:
        return Challenge(b"") if initial is None else self.respond(initial)

    def respond(self, data: bytes) -> Step:
        if len(data) > MAX_RESPONSE:
            return Rejected(self._username, _TOO_LONG)
        if self._server_first:
            return self._client_final(data)
        return self._client_first(data)

    def provide_keys(self, keys: ScramKeys | None) -> Step:
        """Answer KeysNeeded; None (no such user) still runs a full, failing exchange."""
        self._keys = keys
        if keys is None:
            keys = self._fake_keys()
        salt = base64.b64encode(keys.salt).decode()
        self._server_first = f"r={self._nonce},s={salt},i={keys.iterations}"
        return Challenge(self._server_first.encode())

    def _client_first(self, data: bytes) -> Step:
        try:
            flag, authzid, bare = data.decode().split(",", 2)
            username, nonce = bare.split(",", 2)[:2]
            self._username = _saslname(username.removeprefix("n="))
            authorized = not authzid or _saslname(authzid.removeprefix("a=")) == self._username
        except ValueError:
            return Rejected(self._username, "malformed client-first-message")
        if flag not in ("n", "y") or username[:2] != "n=" or authzid[:2] not in ("", "a="):
            return Rejected(self._username, "channel binding or extension not supported")
        if not authorized:
            return Rejected(self._username, "authorization identity not permitted")
        if nonce[:2] != "r=" or len(nonce) < 3:
            return Rejected(self._username, "malformed nonce")
        self._gs2_header = f"{flag},{authzid},".encode()
        self._first_bare = bare
        self._nonce = nonce[2:] + self._server_nonce
        return KeysNeeded(self._username)

    def _client_final(self, data: bytes) -> Step:
        text = data.decode("ascii", "replace")
        without_proof, _, proof = text.rpartition(",p=")
        fields = without_proof.split(",")
        expected = ["c=" + base64.b64encode(self._gs2_header).decode(), "r=" + self._nonce]
        if fields[:2] != expected:
            return Rejected(self._username, "channel binding or nonce mismatch")
        auth_message = f"{self._first_bare},{self._server_first},{without_proof}".encode()
        if self._keys is None or not _proof_valid(self._keys, auth_message, proof):
            return Rejected(self._username, "invalid proof")
        signature = _hmac(self._keys.server_key, auth_message)
        return Verified(self._username, b"v=" + base64.b64encode(signature))

    def _fake_keys(self) -> ScramKeys:
        salt = _hmac(self._FAKE_SECRET, self._username.encode())[:16]
        return ScramKeys(salt, 4096, b"", b"")


def _saslname(text: str) -> str:
    """Decode ``saslname`` (RFC 5802 §5.1): '=2C' is ',', '=3D' is '='."""
    if not text or "=" in text.replace("=2C", "").replace("=3D", ""):
        raise ValueError("bad saslname")
    return text.replace("=2C", ",").replace("=3D", "=")


def _proof_valid(keys: ScramKeys, auth_message: bytes, proof: str) -> bool:
    """RFC 5802 §3: ClientKey = ClientProof XOR ClientSignature; H(ClientKey) == StoredKey."""
    try:
        client_proof = base64.b64decode(proof, validate=True)
    except binascii.Error:
        return False
    signature = _hmac(keys.stored_key, auth_message)
    if len(client_proof) != len(signature):
        return False
    client_key = bytes(a ^ b for a, b in zip(client_proof, signature, strict=True))
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), keys.stored_key)
