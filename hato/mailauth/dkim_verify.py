"""DKIM verification of every signature on a message (RFC 6376 §6), Ed25519 too (RFC 8463).

Theory of operation. dkimpy does the cryptography, but asks for keys by a
blocking function; hato's DNS is asynchronous, cached and bounded. So the
keys are fetched first, all at once, through :class:`~hato.mailauth.resolver.Resolver`,
and dkimpy then runs in a worker thread with a lookup function that only reads
what was fetched. Each signature gets its own result, in the words of RFC 8601
§2.7.1:

- ``pass``; ``fail`` when the body hash or the signature does not match;
- ``policy`` when it passes but an ``l=`` tag leaves part of the body unsigned
  (RFC 6376 §8.2: anything may have been appended);
- ``permerror`` for a signature that cannot be checked: no key, a revoked key
  (empty ``p=``, RFC 6376 §3.6.1), a malformed tag list, an expired signature;
- ``temperror`` when the key could not be fetched now.

Bounds: at most ``MAX_SIGNATURES`` signatures are checked (RFC 6376 §6.1 lets a
verifier limit them; the rest are not reported), and a selector or domain that
is not a DNS name is a ``permerror`` without a query.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hato.mailauth.resolver import DnsTemporaryError, Resolver, txt_text

if TYPE_CHECKING:
    import dkim

__all__ = [
    "MAX_SIGNATURES",
    "QUIET",
    "DkimResult",
    "Keys",
    "fetch_keys",
    "key_lookup",
    "key_name",
    "signature_fields",
    "tag_list",
    "verify_signatures",
]

MAX_SIGNATURES = 10
_TAG_NAME = re.compile(rb"\s*([A-Za-z][A-Za-z0-9_]*)\s*=")
_KEY_REVOKED = re.compile(rb"(?:^|;)\s*p\s*=\s*(?:;|$)")
#: dkimpy logs each failure it finds; hato reports them in Authentication-Results instead.
QUIET = logging.Logger("dkimpy", level=logging.CRITICAL + 1)


#: Key records by ``selector._domainkey.domain``: the text, None (no key), or the failure.
Keys = Mapping[str, bytes | DnsTemporaryError | None]


@dataclass(frozen=True, slots=True)
class DkimResult:
    """One signature's outcome, with what Authentication-Results shows of it."""

    result: str  # pass, fail, policy, neutral, temperror, permerror (RFC 8601 §2.7.1)
    domain: str  # d=
    selector: str  # s=
    algorithm: str  # a=
    signature: str  # the start of b=, for header.b (RFC 6008)
    reason: str = ""


def signature_fields(message: bytes, name: bytes = b"dkim-signature") -> list[bytes]:
    """The values of the header's fields called ``name`` (lower case), in order, unfolded."""
    head = message.split(b"\r\n\r\n", 1)[0]
    fields: list[list[bytes]] = []
    current: list[bytes] | None = None
    for line in head.split(b"\r\n"):
        if current is not None and line[:1] in (b" ", b"\t"):
            current.append(line)
            continue
        current = None
        field, colon, value = line.partition(b":")
        if colon and field.strip().lower() == name:
            current = [value]
            fields.append(current)
    return [b"".join(parts) for parts in fields]


def tag_list(value: bytes) -> dict[bytes, bytes]:
    """A tag-list (RFC 6376 §3.2), whitespace removed from each value."""
    tags: dict[bytes, bytes] = {}
    for part in value.split(b";"):
        match = _TAG_NAME.match(part)
        if match:
            tags.setdefault(match.group(1), re.sub(rb"\s+", b"", part[match.end() :]))
    return tags


def key_name(tags: Mapping[bytes, bytes]) -> str | None:
    """``s._domainkey.d`` when both are DNS names in ASCII, else None."""
    selector, domain = tags.get(b"s", b""), tags.get(b"d", b"")
    name = selector + b"._domainkey." + domain
    if not selector or not domain or not name.isascii() or len(name) > 253:
        return None
    labels = name.split(b".")
    if any(not 0 < len(label) < 64 for label in labels):
        return None
    return name.decode("ascii").lower()


async def verify_signatures(message: bytes, resolver: Resolver) -> list[DkimResult]:
    """One result per signature (the first ``MAX_SIGNATURES``); [] for an unsigned message."""
    signatures = [tag_list(v) for v in signature_fields(message)[:MAX_SIGNATURES]]
    keys = await fetch_keys(resolver, signatures)
    return await asyncio.to_thread(_verify_all, message, signatures, keys)


async def fetch_keys(resolver: Resolver, signatures: Iterable[Mapping[bytes, bytes]]) -> Keys:
    """The key of each distinct ``s=``/``d=`` pair, all asked at once."""
    names = list({n for n in map(key_name, signatures) if n is not None})
    found = await asyncio.gather(*(_fetch_key(resolver, n) for n in names))
    return dict(zip(names, found, strict=True))


async def _fetch_key(resolver: Resolver, name: str) -> bytes | DnsTemporaryError | None:
    """The key record's text, None when there is none, or the temporary failure."""
    try:
        answer = await resolver.txt(name)
    except DnsTemporaryError as error:
        return error
    records = [txt_text(r) for r in answer.records]
    keys = [r for r in records if r.startswith(b"v=DKIM1") or b"p=" in r]
    return keys[0] if keys else None


def key_lookup(keys: Keys) -> Callable[..., bytes | None]:
    """dkimpy's ``dnsfunc``: answers from the keys fetched beforehand, never from the network."""

    def lookup(name: bytes, timeout: float = 5) -> bytes | None:
        key = keys.get(name.decode("ascii", "replace").lower().rstrip("."))
        return key if isinstance(key, bytes) else None

    return lookup


def _verify_all(
    message: bytes, signatures: list[dict[bytes, bytes]], keys: Keys
) -> list[DkimResult]:
    import dkim

    lookup = key_lookup(keys)
    try:
        verifier = dkim.DKIM(message, logger=QUIET, minkey=1024)
    except dkim.DKIMException as error:
        return [_result(tags, "permerror", str(error)[:80]) for tags in signatures]
    return [
        _verify_one(verifier, index, tags, keys, lookup) for index, tags in enumerate(signatures)
    ]


def _verify_one(
    verifier: dkim.DKIM,
    index: int,
    tags: dict[bytes, bytes],
    keys: Keys,
    lookup: object,
) -> DkimResult:
    import dkim

    def result(word: str, reason: str = "") -> DkimResult:
        return _result(tags, word, reason)

    name = key_name(tags)
    key = keys.get(name) if name else None
    if name is None:
        return result("permerror", "bad selector or domain")
    if isinstance(key, DnsTemporaryError):
        return result("temperror", "key lookup failed")
    if key is None:
        return result("permerror", "no key")
    if _KEY_REVOKED.search(key):
        return result("permerror", "key revoked")
    try:
        good = verifier.verify(idx=index, dnsfunc=lookup)
    except dkim.ValidationError as error:
        text = str(error)
        return result("fail" if "body hash" in text else "permerror", text[:80])
    except dkim.DKIMException as error:
        return result("permerror", str(error)[:80])
    if not good:
        return result("fail", "signature did not verify")
    if b"l" in tags and _body_left_unsigned(verifier, tags):
        return result("policy", "l= leaves part of the body unsigned")
    return result("pass")


def _result(tags: Mapping[bytes, bytes], word: str, reason: str) -> DkimResult:
    return DkimResult(
        word, _text(tags.get(b"d", b"")), _text(tags.get(b"s", b"")),
        _text(tags.get(b"a", b"")), _text(tags.get(b"b", b"")[:8]), reason,
    )  # fmt: skip


def _body_left_unsigned(verifier: dkim.DKIM, tags: Mapping[bytes, bytes]) -> bool:
    """Whether the canonical body is longer than the ``l=`` octets signed (RFC 6376 §3.5)."""
    import dkim

    try:
        policy = dkim.CanonicalizationPolicy.from_c_value(tags.get(b"c", b"simple/simple"))
        signed = int(tags[b"l"])
    except (dkim.DKIMException, ValueError):
        return True
    return len(policy.canonicalize_body(verifier.body)) > signed


def _text(value: bytes) -> str:
    return value.decode("ascii", "replace")
