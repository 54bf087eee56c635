"""Parsing a message once."""

from __future__ import annotations

from hato.mime._columns import build_columns
from hato.mime._envelope import build_envelope
from hato.mime._model import MessageInfo
from hato.mime._structure import parse_tree


def parse_message(raw: bytes) -> MessageInfo:
    """Parse ``raw`` (RFC 5322 / MIME, CRLF or bare LF) into everything IMAP needs.

    Never raises: any bytes give some result.
    """
    root, pairs = parse_tree(raw)
    envelope = build_envelope(pairs)
    return MessageInfo(len(raw), root, envelope, build_columns(pairs, envelope))
