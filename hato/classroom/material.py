"""The lecture's practice material: the sample messages every practice account starts
with in its INBOX, kept as files beside this module (``material/*.eml``, in name order).

They are written for the exercises (RETR, TOP, FETCH, ``hato lint``): a plain Japanese
message in ISO-2022-JP (RFC 1468), one with an HTML alternative, one with half-width
kana and machine-dependent characters, a reply that quotes the first (In-Reply-To and
References, RFC 5322 §3.6.4), one with a long Cc list, and one with an attachment. The
first and the last are clean; each of the others has a manners finding on purpose.
Every account gets the same bytes, so the store keeps each body once for the class.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from hato.mime import crlf_lines

__all__ = ["sample_messages"]


@cache
def sample_messages() -> tuple[bytes, ...]:
    """The messages as they are delivered: every line ending CRLF (RFC 5322 §2.1)."""
    folder = resources.files(__package__ or "hato.classroom").joinpath("material")
    names = sorted(item.name for item in folder.iterdir() if item.name.endswith(".eml"))
    return tuple(crlf_lines(folder.joinpath(name).read_bytes()) for name in names)
