"""Charset labels (RFC 2045 §5.1, RFC 2047 §2) to Python codecs, text encodings only.

A label comes from a message, that is from anyone.  Python's codec registry
holds more than charsets: bytes-to-bytes transforms (``base64_codec``,
``zlib_codec``, ``rot13``: not text encodings, and ``zlib`` inflates without
bound) and text codecs that are not charsets (``punycode`` and ``idna``,
quadratic in their input; ``unicode_escape``, which parses Python escapes and
warns; ``undefined``, which always fails).  Only a text encoding that is a
charset is accepted; any other label is unknown, and each caller falls back
as Dovecot does for an unknown charset (decoded as UTF-8, bad bytes
replaced).  Every codec left decodes in time linear in its input.
"""

from __future__ import annotations

import codecs
import functools

__all__ = ["MAX_LABEL", "text_codec"]

# IANA's charset registry (RFC 2978 §2.3): names of at most 40 characters
MAX_LABEL = 40
_NOT_CHARSETS = frozenset(
    {"punycode", "idna", "unicode-escape", "raw-unicode-escape", "undefined", "charmap"}
)  # codecs' own names


def text_codec(label: str) -> str | None:
    """Python's name for the charset ``label`` names (quotes and case do not
    matter), or None when it names no charset."""
    name = label.strip().strip('"').lower()
    if not name or len(name) > MAX_LABEL:
        return None
    return _lookup(name)


@functools.lru_cache(maxsize=256)
def _lookup(name: str) -> str | None:
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name
