"""Our FETCH answers against Dovecot's, from imaptest's scripts and a Dovecot session."""

from __future__ import annotations

import re

import pytest

from hato.mime import (
    MessageInfo,
    bodystructure_sexp,
    envelope_sexp,
    parse_message,
    section_bytes,
)
from tests.mime.imapwire import (
    encode,
    fetch_items,
    load_mbox,
    parse_item,
    read,
    section_cases,
)
from tests.shared_dir import shared_path


def _as_parsed(value: object) -> object:
    return read(encode(value))[0]  # type: ignore[arg-type]


@pytest.mark.parametrize("number", range(1, 7))
def test_envelope_matches_dovecot(number: int) -> None:
    expected = fetch_items("fetch-envelope", "envelope")[number]
    info = parse_message(load_mbox("fetch-envelope")[number - 1])
    assert _as_parsed(envelope_sexp(info.envelope)) == expected


def test_body_matches_dovecot() -> None:
    expected = fetch_items("fetch-bodystructure", "body")[1]
    info = parse_message(load_mbox("fetch-bodystructure")[0])
    assert _as_parsed(bodystructure_sexp(info, extended=False)) == expected


SECTION_SCRIPTS = [
    "fetch-body",
    "fetch-body-mime",
    "fetch-body-message-rfc822",
    "fetch-body-message-rfc822-mime",
    "fetch-body-message-rfc822-x2",
]


@pytest.mark.parametrize("script", SECTION_SCRIPTS)
def test_section_matches_dovecot(script: str) -> None:
    """Every BODY[section] literal the script expects, byte for byte (partial fetches aside)."""
    messages = load_mbox(script)
    expected: dict[str, bytes] = {}
    got: dict[str, bytes] = {}
    for case in section_cases(script):
        parsed = parse_item(case.item)
        if parsed is None:
            continue
        raw = messages[case.message - 1]
        part, spec, names = parsed
        name = f"{case.message}:{case.item}"
        expected[name] = case.expected
        got[name] = section_bytes(raw, parse_message(raw), part, spec, names)
    assert len(expected) >= 4
    assert got == expected


def _session() -> tuple[bytes, bytes]:
    """The 290-byte message of the Dovecot session and its FETCH reply line."""
    text = shared_path("reference/dovecot-2.3.19-imap-session.txt").read_text()
    literal = text.split("BODY[] {290}\n", 1)[1].split("\n)\nS: A4 OK", 1)[0] + "\n"
    raw = literal.replace("\n", "\r\n").encode()
    reply = re.search(r"S: \* 1 FETCH \(RFC822.SIZE.*\)", text)
    assert reply is not None
    return raw, reply.group(0).encode()


def test_session_envelope_and_bodystructure_exact() -> None:
    raw, reply = _session()
    assert len(raw) == 290
    info = parse_message(raw)
    assert b"ENVELOPE " + encode(envelope_sexp(info.envelope)) + b" BODYSTRUCTURE " in reply
    assert reply.endswith(b"BODYSTRUCTURE " + encode(bodystructure_sexp(info, True)) + b")")


def test_session_with_trace_prefix() -> None:
    raw, reply = _session()
    split = raw.index(b"From: ")
    prefix, blob = raw[:split], raw[split:]
    info = MessageInfo.from_json(parse_message(blob).to_json(), len(prefix))
    assert info == parse_message(raw).__class__(
        len(raw), info.root, parse_message(blob).envelope, parse_message(blob).columns
    )
    assert info.root == parse_message(raw).root
    assert section_bytes(raw, info, (), "HEADER") == raw[: raw.index(b"\r\n\r\n") + 4]
    assert section_bytes(raw, info, (1,), None) == b"welcome\r\n"
    assert reply.endswith(b"BODYSTRUCTURE " + encode(bodystructure_sexp(info, True)) + b")")
