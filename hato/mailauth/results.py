"""The Authentication-Results header field (RFC 8601) and the removal of forged ones.

hato adds one field at the top of each message that arrives from outside, with
its own host name as the authserv-id, and first removes every such field that
already claims that name (RFC 8601 §5): only hato may speak for hato.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hato.mailauth.arc import ArcResult
from hato.mailauth.dkim_verify import DkimResult
from hato.mailauth.dmarc import DmarcResult
from hato.mailauth.spf import SpfResult

__all__ = ["results_field", "without_forged_results"]

_NAME = b"authentication-results"
_UNSAFE = re.compile(r"[^\x21-\x7e]|[()\\;\"]")  # RFC 8601 §2.2 values: tokens, no comments
_COMMENT_UNSAFE = re.compile(r"[^\x20-\x7e]|[()\\]")


def results_field(
    hostname: str,
    spf: SpfResult | None,
    dkim: Sequence[DkimResult],
    dmarc: DmarcResult | None = None,
    arc: ArcResult | None = None,
) -> str:
    """``Authentication-Results: HOST; spf=...; dkim=...; arc=...; dmarc=...`` (RFC 8601 §2.2)."""
    parts = [_spf_resinfo(spf)] if spf is not None else []
    parts += [_dkim_resinfo(r) for r in dkim] or ["dkim=none"]
    if arc is not None:  # RFC 8617 §10.1: the "arc" method
        parts.append(_resinfo("arc", arc.result, arc.reason, []))
    if dmarc is not None:
        parts.append(_dmarc_resinfo(dmarc))
    return f"Authentication-Results: {hostname};\r\n\t" + ";\r\n\t".join(parts) + "\r\n"


def _spf_resinfo(spf: SpfResult) -> str:
    """``spf=pass smtp.mailfrom=example.org`` (RFC 8601 §2.7.2)."""
    return _resinfo("spf", spf.result, spf.reason, [(f"smtp.{spf.identity}", spf.domain)])


def _dmarc_resinfo(dmarc: DmarcResult) -> str:
    """``dmarc=fail (p=reject) header.from=example.org`` (RFC 7489 §11.2)."""
    return _resinfo(
        "dmarc", dmarc.result, f"p={dmarc.policy}", [("header.from", dmarc.from_domain)]
    )


def _resinfo(method: str, result: str, reason: str, properties: list[tuple[str, str]]) -> str:
    words = [f"{method}={result}"]
    if reason:
        words.append(f"({_COMMENT_UNSAFE.sub('?', reason)[:80]})")
    for name, value in properties:
        value = _UNSAFE.sub("", value)[:64]
        if value:
            words.append(f"{name}={value}")
    return " ".join(words)


def _dkim_resinfo(result: DkimResult) -> str:
    """One signature: ``dkim=pass header.d=... header.s=... header.a=... header.b=...``."""
    return _resinfo(
        "dkim", result.result, result.reason,
        [
            ("header.d", result.domain),
            ("header.s", result.selector),
            ("header.a", result.algorithm),
            ("header.b", result.signature),  # RFC 6008: tells signatures of one domain apart
        ],
    )  # fmt: skip


def without_forged_results(message: bytes, hostname: str) -> bytes:
    """``message`` without the Authentication-Results fields whose authserv-id is ours."""
    end = message.find(b"\r\n\r\n")
    head, body = (message, b"") if end < 0 else (message[: end + 2], message[end + 2 :])
    fields: list[list[bytes]] = []
    for line in head.splitlines(keepends=True):
        if fields and line[:1] in (b" ", b"\t"):
            fields[-1].append(line)  # a continuation line travels with its field
        else:
            fields.append([line])
    ours = hostname.lower().encode("ascii", "replace")
    kept = [b"".join(f) for f in fields if not _claims(f, ours)]
    return b"".join(kept) + body


def _claims(field: list[bytes], ours: bytes) -> bool:
    name, colon, value = field[0].partition(b":")
    if not colon or name.strip().lower() != _NAME:
        return False
    return _serv_id(b"".join([value, *field[1:]])) == ours


def _serv_id(value: bytes) -> bytes:
    """The authserv-id: the first word before ``;``, comments and whitespace aside."""
    first = value[:1024].split(b";", 1)[0]
    first = re.sub(rb"\([^()]*\)", b" ", first)
    words = first.split()
    return words[0].lower() if words else b""
