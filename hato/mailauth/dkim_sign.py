"""DKIM signing of mail our users send (RFC 6376 §5, RFC 8463 for Ed25519), with dkimpy.

The signing domain (d=) is the domain of the message's From address, so that
DMARC finds the signature aligned (RFC 7489 §3.1.1); when that domain has no
key, its parent domains are tried (relaxed alignment still holds), then the
envelope sender's domain. Every key found for that domain signs: one
DKIM-Signature per algorithm (dual signing, RFC 8463 §4), newest first on top.

Signed header fields: RFC 6376 §5.4.1's list (dkimpy's ``SHOULD``), each as
often as it appears, and From once more than it appears (§5.4.2 "oversigning"),
so that a From added later breaks the signature. Canonicalization is
relaxed/relaxed (§3.4), which survives the re-folding relays do.

Signing is CPU work (a 2048-bit RSA signature, a hash over the body): callers
run :meth:`DkimSigner.sign` in a worker thread.
"""

from __future__ import annotations

import email.utils
import logging
from pathlib import Path

from hato.mailauth.dkim_keys import KeyRing, SigningKey

__all__ = ["DkimSigner", "from_domain", "self_and_parents"]

log = logging.getLogger(__name__)

#: Octets of the From field read to find its domain: an address needs far fewer.
_FROM_FIELD_LIMIT = 4096


class DkimSigner:
    """Signs with the keys under ``key_dir`` (``DATA_DIR/dkim``), read as they change."""

    def __init__(self, key_dir: Path) -> None:
        self.keys = KeyRing(key_dir)

    def sign(self, message: bytes, envelope_domain: str = "") -> bytes:
        """``message`` (CRLF line ends) with its DKIM-Signature fields in front.

        A message that cannot be signed (no key for its domain, a header dkimpy
        cannot parse) goes unsigned: its delivery must not fail for that.
        """
        import dkim  # where used: see hato.mailauth

        keys = self._keys(message, envelope_domain)
        signatures = []
        for key in keys:
            try:
                signatures.append(_signature(message, key))
            except dkim.DKIMException as error:
                log.warning("DKIM signing with %s failed: %s", key.selector, error)
        return b"".join(reversed(signatures)) + message

    def _keys(self, message: bytes, envelope_domain: str) -> list[SigningKey]:
        for domain in (from_domain(message), envelope_domain.lower()):
            for candidate in self_and_parents(domain):
                keys = self.keys.keys_for(candidate)
                if keys:
                    return keys
        return []


def _signature(message: bytes, key: SigningKey) -> bytes:
    import dkim

    signer = dkim.DKIM(message, signature_algorithm=key.signature_algorithm, linesep=b"\r\n")
    header: bytes = signer.sign(
        key.selector.encode("ascii"),
        key.domain.encode("ascii"),
        key.private,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=signer.default_sign_headers(),  # §5.4.1's list, From oversigned
    )
    return header


def from_domain(message: bytes) -> str:
    """The domain of the one address in the From field (RFC 5322 §3.6.2), or ""."""
    value = _field(message, b"from")
    if value is None:
        return ""
    addresses = email.utils.getaddresses([value[:_FROM_FIELD_LIMIT]])
    if len(addresses) != 1:
        return ""
    domain = addresses[0][1].rpartition("@")[2]
    return domain.lower().rstrip(".") if domain.isascii() else ""


def _field(message: bytes, name: bytes) -> str | None:
    """The first field ``name`` of the header, unfolded, decoded leniently."""
    head = message.split(b"\r\n\r\n", 1)[0]
    found: list[bytes] | None = None
    for line in head.split(b"\r\n"):
        if found is not None and line[:1] in (b" ", b"\t"):
            found.append(line)
        elif found is not None:
            break
        elif line.split(b":", 1)[0].strip().lower() == name and b":" in line:
            found = [line.split(b":", 1)[1]]
    if found is None:
        return None
    return b" ".join(found).decode("utf-8", "replace")


def self_and_parents(domain: str) -> list[str]:
    """``a.b.example`` → ``a.b.example``, ``b.example`` (never a bare top-level name)."""
    labels = domain.split(".") if domain else []
    return [".".join(labels[i:]) for i in range(max(len(labels) - 1, 0))]
