"""What a submission server may mend in a message (RFC 6409 §8).

- ``Bcc`` is removed from every copy (RFC 5322 §3.6.3 lets the submitter choose;
  hato removes it, so no recipient learns of the blind ones, RFC 6409 §8.1 "may
  be changed"). The Bcc recipients are still in the envelope and still served.
- ``Date`` (§8.2) and ``Message-ID`` (§8.3) are added when missing.

The message is kept byte for byte otherwise: fields are found by their names
only, continuation lines (RFC 5322 §2.2.3) travel with their field.
"""

from __future__ import annotations

import email.utils
import secrets

__all__ = ["fix_up", "split_header"]


def split_header(content: bytes) -> tuple[list[bytes], bytes]:
    """The header's fields (each with its continuation lines and CRLFs) and the rest."""
    end = content.find(b"\r\n\r\n")
    if content.startswith(b"\r\n"):
        return [], content
    head, rest = (content, b"") if end < 0 else (content[: end + 2], content[end + 2 :])
    fields: list[bytes] = []
    for line in head.splitlines(keepends=True):
        if fields and line[:1] in (b" ", b"\t"):
            fields[-1] += line
        else:
            fields.append(line)
    return fields, rest


def _name(field: bytes) -> bytes:
    return field.split(b":", 1)[0].strip().lower()


def fix_up(content: bytes, hostname: str, now: float) -> bytes:
    """``content`` (CRLF line ends) without Bcc, with Date and Message-ID."""
    fields, rest = split_header(content)
    kept = [f for f in fields if _name(f) != b"bcc"]
    names = {_name(f) for f in kept}
    if kept and not kept[-1].endswith(b"\r\n"):
        kept[-1] += b"\r\n"
    if b"date" not in names:
        kept.append(f"Date: {email.utils.formatdate(now, localtime=True)}\r\n".encode())
    if b"message-id" not in names:
        kept.append(f"Message-ID: <{secrets.token_hex(12)}@{hostname}>\r\n".encode())
    if not rest.startswith(b"\r\n"):
        rest = b"\r\n" + rest
    return b"".join(kept) + rest
