"""DKIM signing keys: made by ``hato dkim keygen``, kept in the data directory, re-read.

Layout: ``DATA_DIR/dkim/DOMAIN/SELECTOR.ALGORITHM.key`` (directory 0700, file
0600). An ``rsa`` key is a 2048-bit RSAPrivateKey in PEM (RFC 8301 §3.2 asks
for at least 1024 bits, 2048 to be safe); an ``ed25519`` key is its 32-octet
seed in base64 (RFC 8463 §3), the form dkimpy signs with.

Theory of operation. The signer asks :class:`KeyRing` for a domain's keys on
every message. The ring lists that domain's directory and reloads a file only
when its modification time or size changed, so a new key (rotation: a new
selector) signs the next message, and a deleted one stops, with no restart.
When a domain has several keys of one algorithm, the newest signs; one key of
each algorithm signs at once (RFC 8463 §4: dual signing, so that verifiers that
know no Ed25519 still find an RSA signature).
"""

from __future__ import annotations

import base64
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ALGORITHMS",
    "KeyProblem",
    "KeyRing",
    "SigningKey",
    "default_selector",
    "generate_key",
    "txt_record",
]

ALGORITHMS = ("rsa", "ed25519")
RSA_BITS = 2048
_SUFFIX = ".key"
#: RFC 6376 §3.1: a selector is dot-separated sub-domain labels (letters, digits, hyphens).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_SELECTOR = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_TXT_STRING = 255  # RFC 1035 §3.3: one character-string holds at most 255 octets


class KeyProblem(ValueError):
    """A key cannot be made or read; the text says why, for a person."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    domain: str
    selector: str
    algorithm: str  # "rsa" or "ed25519"
    private: bytes  # what dkimpy signs with: PEM for rsa, base64 seed for ed25519
    modified: float

    @property
    def signature_algorithm(self) -> bytes:
        """The a= tag (RFC 6376 §3.5, RFC 8463 §3)."""
        return b"rsa-sha256" if self.algorithm == "rsa" else b"ed25519-sha256"


def default_selector(algorithm: str, now: float | None = None) -> str:
    """``ALGORITHM-YYYYMM``: a new month's key gets a new name, so rotation needs no choice."""
    return f"{algorithm}-{time.strftime('%Y%m', time.gmtime(now))}"


def valid_selector(selector: str) -> bool:
    return len(selector) <= 253 and _SELECTOR.fullmatch(selector) is not None


def key_path(key_dir: Path, domain: str, selector: str, algorithm: str) -> Path:
    return key_dir / domain.lower() / f"{selector}.{algorithm}{_SUFFIX}"


def generate_key(key_dir: Path, domain: str, selector: str, algorithm: str) -> tuple[Path, str]:
    """Make a new key file; its path and the TXT record to publish (a zone-file line)."""
    if algorithm not in ALGORITHMS:
        raise KeyProblem(f"unknown algorithm {algorithm!r} (known: {', '.join(ALGORITHMS)})")
    if not valid_selector(selector):
        raise KeyProblem(f"not a selector (letters, digits, hyphens, dots): {selector!r}")
    path = key_path(key_dir, domain, selector, algorithm)
    if path.exists():
        raise KeyProblem(f"{path} exists already: choose another --selector")
    private, public = _new_pair(algorithm)
    key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(private)
    return path, txt_record(domain, selector, algorithm, public)


def _new_pair(algorithm: str) -> tuple[bytes, bytes]:
    """The private key as dkimpy reads it, and the public key as p= carries it."""
    from cryptography.hazmat.primitives import serialization  # where used: hato.mailauth
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if algorithm == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,  # RFC 8017 RSAPrivateKey
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(  # RFC 6376 §3.6.1: SubjectPublicKeyInfo, DER
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return private, public
    seed = ed25519.Ed25519PrivateKey.generate()
    raw = seed.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = seed.public_key().public_bytes(  # RFC 8463 §4: the bare 32-octet key
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(raw) + b"\n", public


def txt_record(domain: str, selector: str, algorithm: str, public: bytes) -> str:
    """The key record (RFC 6376 §3.6.1) as one zone-file line, strings of at most 255 octets."""
    text = f"v=DKIM1; k={algorithm}; p={base64.b64encode(public).decode('ascii')}"
    strings = [text[i : i + _TXT_STRING] for i in range(0, len(text), _TXT_STRING)]
    quoted = " ".join(f'"{s}"' for s in strings)
    return f"{selector}._domainkey.{domain.lower()}. IN TXT {quoted}"


class KeyRing:
    """The keys under ``key_dir``, re-read when their files change (see the module docstring)."""

    def __init__(self, key_dir: Path) -> None:
        self.key_dir = key_dir
        self._loaded: dict[Path, tuple[tuple[int, int], SigningKey | None]] = {}

    def keys_for(self, domain: str) -> list[SigningKey]:
        """The newest key of each algorithm for exactly ``domain``; none if it has no directory."""
        directory = self.key_dir / domain.lower()
        try:
            entries = [e for e in os.scandir(directory) if e.name.endswith(_SUFFIX)]
        except (FileNotFoundError, NotADirectoryError):
            return []
        newest: dict[str, SigningKey] = {}
        for entry in entries:
            key = self._load(Path(entry.path), domain.lower())
            if key is not None and (
                key.algorithm not in newest or key.modified > newest[key.algorithm].modified
            ):
                newest[key.algorithm] = key
        return [newest[a] for a in ALGORITHMS if a in newest]

    def _load(self, path: Path, domain: str) -> SigningKey | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._loaded.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        selector, _, algorithm = path.name.removesuffix(_SUFFIX).rpartition(".")
        key = None
        if algorithm in ALGORITHMS and valid_selector(selector):
            key = SigningKey(domain, selector, algorithm, path.read_bytes(), stat.st_mtime)
        self._loaded[path] = (stamp, key)
        return key
