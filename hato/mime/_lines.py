"""Line ends: a message's lines end in CRLF (RFC 5322 §2.1); a bare LF stands for one."""

from __future__ import annotations

import re

__all__ = ["crlf_lines"]

_BARE_LF = re.compile(rb"(?<!\r)\n")


def crlf_lines(content: bytes) -> bytes:
    """``content`` with every bare LF made CRLF, every CRLF kept. Mail that has CRLF
    lines already, nearly all of it, comes back as it is after two counts done in C,
    without the pattern's pass (which cost a delivery of 7 KB about 20 us)."""
    if content.count(b"\n") == content.count(b"\r\n"):
        return content
    return _BARE_LF.sub(b"\r\n", content)
