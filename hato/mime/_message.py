"""Parsing a message once, and moving the result behind a trace-header prefix."""

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


def with_prefix(info: MessageInfo, prefix_len: int) -> MessageInfo:
    """The info for ``prefix + raw`` when ``info`` was parsed from ``raw``.

    The prefix (Return-Path, Delivered-To, Received ...) joins the top-level header: it
    still starts at 0 and grows by ``prefix_len``; every other offset moves. The store's
    readers decode a kept structure moved at once (``MessageInfo.from_json``), where the
    rule is written; this is the same for an info parsed here.
    """
    if prefix_len == 0:
        return info
    return MessageInfo.from_json(info.to_json(), prefix_len)
