"""Modified UTF-7 for mailbox names (RFC 3501 §5.1.3).

    "&" starts a base64 run of UTF-16BE that ends with "-"; "&-" is "&";
    "," replaces "/" of RFC 2045 base64; no "=" padding; printable US-ASCII
    (0x20-0x7e) other than "&" stands for itself and must not be encoded.

Decoding is strict: whatever a conforming encoder would not produce (stray
"&", bad base64, non-zero pad bits, unpaired surrogates, encoded printable
ASCII, adjacent runs, 8-bit bytes) raises `MUTF7Error`.  The test is simply
that re-encoding the decoded name gives back the input.
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["MUTF7Error", "decode_mutf7", "encode_mutf7"]

_RUN = re.compile(r"&([A-Za-z0-9+,]*)-")
_DIRECT = re.compile(r"[\x20-\x25\x27-\x7e]+")


class MUTF7Error(ValueError):
    """The client sent a mailbox name that is not valid modified UTF-7."""


def encode_mutf7(name: str) -> str:
    """Encode a Unicode mailbox name for an IMAP4rev1 client (RFC 3501 §5.1.3)."""
    out: list[str] = []
    pos = 0
    while pos < len(name):
        direct = _DIRECT.match(name, pos)
        if direct:
            out.append(direct.group())
            pos = direct.end()
        elif name[pos] == "&":
            out.append("&-")
            pos += 1
        else:
            end = _run_end(name, pos)
            out.append(_encode_run(name[pos:end]))
            pos = end
    return "".join(out)


def _run_end(name: str, pos: int) -> int:
    while pos < len(name) and not ("\x20" <= name[pos] <= "\x7e"):
        pos += 1
    return pos


def _encode_run(text: str) -> str:
    raw = text.encode("utf-16-be", "surrogatepass")
    b64 = base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",")
    return f"&{b64}-"


def decode_mutf7(name: str | bytes) -> str:
    """Decode a modified UTF-7 mailbox name, strictly; raise MUTF7Error if invalid."""
    if isinstance(name, bytes):
        try:
            name = name.decode("ascii")
        except UnicodeDecodeError:
            raise MUTF7Error("8-bit characters in mailbox name") from None
    decoded = _RUN.sub(_decode_run, name) if "&" in name else name
    if encode_mutf7(decoded) != name:
        raise MUTF7Error("Mailbox name is not valid mUTF-7")
    return decoded


def _decode_run(found: re.Match[str]) -> str:
    b64 = found.group(1)
    if not b64:
        return "&"
    padded = b64.replace(",", "/") + "=" * (-len(b64) % 4)
    try:
        raw = base64.b64decode(padded, validate=True)
        return raw.decode("utf-16-be")
    except (binascii.Error, UnicodeDecodeError):
        # leave the run undecoded: the round-trip check then rejects it
        return "\x00"
