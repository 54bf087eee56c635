"""Header columns: SORT orders from imaptest's scripts, base subjects, dates and ids."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from hato.mime import HeaderColumns, MessageInfo, base_subject, decode_words, parse_message
from tests.mime.imapwire import imaptest_file, load_mbox


def _expected_sorts(script: str) -> dict[str, list[int]]:
    """``ok sort (KEYS) ...`` followed by ``* sort N N ...`` -> {KEYS: [N, ...]}."""
    text = imaptest_file(script).read_text()
    pairs = re.findall(r"ok sort \(([^)]*)\) us-ascii all\n\* sort ([\d ]+)", text)
    return {keys: [int(n) for n in numbers.split()] for keys, numbers in pairs}


def _sort(columns: list[HeaderColumns], keys: str, sizes: list[int]) -> list[int]:
    """SORT by our columns (RFC 5256 §3); ties by sequence number, as arrival here."""
    order = list(range(1, len(columns) + 1))
    words = keys.lower().split()
    criteria: list[tuple[str, bool]] = []
    reverse = False
    for word in words:
        if word == "reverse":
            reverse = True
            continue
        criteria.append((word, reverse))
        reverse = False
    for key, backwards in reversed(criteria):
        order.sort(key=lambda n: _key(columns[n - 1], key, sizes[n - 1], n), reverse=backwards)
    return order


def _key(columns: HeaderColumns, key: str, size: int, number: int) -> str | int:
    if key == "arrival":
        return number
    if key == "size":
        return size
    name = {"displayfrom": "sort_display_from", "displayto": "sort_display_to"}.get(key)
    return str(getattr(columns, name or f"sort_{key}"))


SORT_SCRIPTS = ["sort-subject", "sort-display-from", "sort-display-to", "sort-addresses"]


@pytest.mark.parametrize("script", SORT_SCRIPTS)
def test_sort_matches_dovecot(script: str) -> None:
    """Every ``sort (KEYS)`` of the script orders its mailbox as Dovecot did."""
    cases = _expected_sorts(script)
    messages = load_mbox(script)
    columns = [parse_message(raw).columns for raw in messages]
    sizes = [len(raw) for raw in messages]
    assert len(cases) >= 2
    assert {keys: _sort(columns, keys, sizes) for keys in cases} == cases


@pytest.mark.parametrize(
    ("subject", "base"),
    [
        ("Re: hello", "hello"),
        ("RE: Re: re:hello", "hello"),
        ("Fwd: [list] Re: x (fwd)", "x"),
        ("[list] hello", "hello"),
        ("[list]", "[list]"),
        ("[fwd: [list] topic]", "topic"),
        ("re: [fwd: [fwd: re: [fwd: babylon]]]", "babylon"),
        ("Re : spaced leader", "spaced leader"),
        ("Rex: not a leader", "Rex: not a leader"),
        ("  spaced \t  out  ", "spaced out"),
        ("fw: fwd: FW[tag]: x", "x"),
        ("Ad: Re: x", "Ad: Re: x"),
        ("", ""),
    ],
)
def test_base_subject(subject: str, base: str) -> None:
    assert base_subject(subject) == base


def test_decode_words() -> None:
    assert decode_words("=?utf-8?q?caf=C3=A9?= =?utf-8?b?w6k=?= x") == "café\u00e9 x"
    assert decode_words("a =?iso-8859-1?q?=E9?=") == "a é"
    assert decode_words("=?x-unknown?q?abc?=") == "abc"
    assert decode_words("=?utf-8?b?!!!?=") in ("=?utf-8?b?!!!?=", "!!!", "")
    assert decode_words("8bit \udce9") == "8bit é"


def test_columns_of_a_message() -> None:
    raw = (
        b"Subject: =?utf-8?q?Re=3A_caf=C3=A9?=\r\n"
        b"From: =?utf-8?q?J=C3=B6rg?= <Joerg@Example.org>\r\n"
        b"To: undisclosed:;\r\nCc: b@c, d@e\r\n"
        b"Date: Thu, 15 Feb 2007 01:02:03 +0200\r\n"
        b"Message-ID: <a@b>\r\nIn-Reply-To: <x@y> (comment)\r\n"
        b"References: <1@x>\r\n <2@x>  <3\r\n @x>\r\n\r\nbody\r\n"
    )
    columns = parse_message(raw).columns
    assert columns.subject == "Re: café"
    assert columns.base_subject == "café"
    assert columns.sort_subject == "CAFE\u0301"
    assert columns.from_ == "Jörg <Joerg@Example.org>"
    assert columns.sort_from == "JOERG"
    assert columns.sort_display_from == "JO\u0308RG"
    assert columns.sort_to == "UNDISCLOSED"
    assert columns.sort_cc == "B"
    assert columns.cc == "b@c, d@e"
    assert columns.sent_date == 1171494123
    assert columns.message_id == "<a@b>"
    assert columns.in_reply_to == "<x@y>"
    assert columns.references == "<1@x> <2@x> <3@x>"


def test_columns_without_headers() -> None:
    columns = parse_message(b"Date: not a date\r\n\r\n").columns
    assert columns == HeaderColumns()


def test_columns_stored_before_the_record_was_one_read_as_the_record() -> None:
    """Bodies stored earlier kept absent ids as null and References as a list."""
    info = parse_message(b"Subject: old\r\n\r\nbody\r\n")
    data = json.loads(info.to_json())
    data[3][-3:] = [None, None, ["<1@x>", "<2@x>"]]
    columns = MessageInfo.from_json(json.dumps(data)).columns
    assert columns == replace(info.columns, references="<1@x> <2@x>")
    assert MessageInfo.from_json(info.to_json()) == info
