"""The SORT order (hato.imap.sorting, RFC 5256 §3, RFC 5957 §3) over stored keys,
and the keys delivery stores for it (hato.mime, RFC 5256 §2.1, RFC 5051)."""

from __future__ import annotations

import base64
import functools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hato.imap.sorting import columns_for, order
from hato.mime import parse_message
from hato.proto.imap import SortCriterion

KEYS = ("ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO")
ALL_COLUMNS = columns_for([SortCriterion(key) for key in KEYS])


def crit(*spec: str) -> list[SortCriterion]:
    """crit("SIZE", "-ARRIVAL"): a sort program, "-" meaning REVERSE."""
    return [SortCriterion(s.lstrip("-"), s.startswith("-")) for s in spec]


def row(uid: int, **values: Any) -> tuple[Any, ...]:
    """A header_columns row over ALL_COLUMNS, unset text empty and numbers zero."""
    blank = {"sent_date": None, "size": 0, "internal_date": 0}
    return (uid, *(values.get(name, blank.get(name, "")) for name in ALL_COLUMNS))


def seqs(found: list[tuple[int, int]]) -> list[int]:
    return [seq for seq, _uid in found]


def test_columns_for_reads_each_column_once() -> None:
    assert columns_for(crit("DATE", "-ARRIVAL", "SIZE", "DATE")) == [
        "sent_date",
        "internal_date",
        "size",
    ]
    assert columns_for(crit("DISPLAYFROM", "FROM")) == ["sort_display_from", "sort_from"]


def test_ties_stay_in_mailbox_order_even_reversed() -> None:
    found = [(1, 10), (2, 11), (3, 12), (4, 13)]
    rows = [row(10, internal_date=5), row(11, internal_date=9), row(12, internal_date=9),
            row(13, internal_date=1)]  # fmt: skip
    assert seqs(order(found, rows, ALL_COLUMNS, crit("ARRIVAL"))) == [4, 1, 2, 3]
    assert seqs(order(found, rows, ALL_COLUMNS, crit("-ARRIVAL"))) == [2, 3, 1, 4]


def test_reverse_applies_to_its_own_criterion_only() -> None:
    found = [(1, 1), (2, 2), (3, 3), (4, 4)]
    rows = [row(1, size=10, internal_date=4), row(2, size=20, internal_date=3),
            row(3, size=10, internal_date=2), row(4, size=20, internal_date=1)]  # fmt: skip
    assert seqs(order(found, rows, ALL_COLUMNS, crit("SIZE", "-ARRIVAL"))) == [1, 3, 2, 4]
    assert seqs(order(found, rows, ALL_COLUMNS, crit("-SIZE", "ARRIVAL"))) == [4, 2, 3, 1]


def test_date_falls_back_to_internal_date() -> None:
    """RFC 5256 §2.2: no (parseable) Date field, so INTERNALDATE stands in."""
    found = [(1, 1), (2, 2), (3, 3)]
    rows = [row(1, sent_date=300, internal_date=1), row(2, sent_date=None, internal_date=200),
            row(3, sent_date=100, internal_date=900)]  # fmt: skip
    assert seqs(order(found, rows, ALL_COLUMNS, crit("DATE"))) == [3, 2, 1]


def test_text_keys_compare_by_code_point() -> None:
    found = [(1, 1), (2, 2), (3, 3), (4, 4)]
    rows = [row(1, sort_subject="_"), row(2, sort_subject="[XYZ]"),
            row(3, sort_subject="会議"), row(4, sort_subject="")]  # fmt: skip
    assert seqs(order(found, rows, ALL_COLUMNS, crit("SUBJECT"))) == [4, 2, 1, 3]


def test_message_without_a_row_sorts_as_blank() -> None:
    """Expunged by another session but still in this view: empty text, zero."""
    found = [(1, 1), (2, 2), (3, 3)]
    rows = [row(1, sort_from="B", size=5), row(3, sort_from="A", size=7)]
    assert seqs(order(found, rows, ALL_COLUMNS, crit("FROM"))) == [2, 3, 1]
    assert seqs(order(found, rows, ALL_COLUMNS, crit("-SIZE"))) == [3, 1, 2]


def test_only_matches_are_ordered() -> None:
    rows = [row(uid, size=100 - uid) for uid in range(1, 6)]
    assert order([(2, 2), (4, 4)], rows, ALL_COLUMNS, crit("SIZE")) == [(4, 4), (2, 2)]
    assert order([], rows, ALL_COLUMNS, crit("SIZE")) == []


def _reference(
    found: list[tuple[int, int]], rows: list[tuple[Any, ...]], criteria: list[SortCriterion]
) -> list[tuple[int, int]]:
    """RFC 5256 §3 read literally: compare criterion by criterion, then by sequence."""
    by_uid = {r[0]: dict(zip(ALL_COLUMNS, r[1:], strict=True)) for r in rows}

    def value(uid: int, key: str) -> Any:
        cols = by_uid[uid]
        if key == "DATE":
            return cols["internal_date"] if cols["sent_date"] is None else cols["sent_date"]
        return cols[columns_for([SortCriterion(key)])[0]]

    def compare(a: tuple[int, int], b: tuple[int, int]) -> int:
        for criterion in criteria:
            x, y = value(a[1], criterion.key), value(b[1], criterion.key)
            if x != y:
                return (1 if x > y else -1) * (-1 if criterion.reverse else 1)
        return a[0] - b[0]

    return sorted(found, key=functools.cmp_to_key(compare))


TEXT = st.sampled_from(["", "A", "AB", "B", "会", "Z"])
NUMBER = st.integers(min_value=0, max_value=3)
ROWS = st.lists(
    st.fixed_dictionaries(
        {name: NUMBER for name in ("internal_date", "size")}
        | {"sent_date": st.none() | NUMBER}
        | {name: TEXT for name in ALL_COLUMNS if name.startswith("sort_")}
    ),
    max_size=12,
)
CRITERIA = st.lists(st.builds(SortCriterion, st.sampled_from(KEYS), st.booleans()), min_size=1)


@given(rows=ROWS, criteria=CRITERIA, data=st.data())
def test_order_is_the_criterion_by_criterion_comparison(
    rows: list[dict[str, Any]], criteria: list[SortCriterion], data: st.DataObject
) -> None:
    stored = [row(uid, **values) for uid, values in enumerate(rows, start=7)]
    wanted = data.draw(st.lists(st.sampled_from(stored), unique=True)) if stored else []
    found = sorted((r[0] - 6, r[0]) for r in wanted)
    assert order(found, stored, ALL_COLUMNS, criteria) == _reference(found, stored, criteria)


def _b(text: str, charset: str) -> str:
    encoded = base64.b64encode(text.encode(charset)).decode()
    return f"=?{charset.upper()}?B?{encoded}?="


def _columns(**headers: str) -> Any:
    raw = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in headers.items())
    return parse_message((raw + "\r\nbody\r\n").encode()).columns


def test_subject_key_is_the_casemapped_base_subject() -> None:
    """RFC 5256 §2.1: Re:/Fwd:/[blob] leaders, (fwd) trailers and [fwd: ] go; RFC 5051 case."""
    same = [
        "Quarterly report",
        "Re: quarterly REPORT",
        "Fwd: [ml] Re: Quarterly report (fwd)",
        "[Fwd: re: Quarterly   report]",
        "RE [list]: quarterly\treport",
        _b("Re: Quarterly report", "utf-8"),
    ]
    assert {_columns(Subject=s).sort_subject for s in same} == {"QUARTERLY REPORT"}
    japanese = [_b("Re: 会議の件", "iso-2022-jp"), _b("会議の件", "utf-8"), "Fwd: 会議の件"]
    assert {_columns(Subject=s).sort_subject for s in japanese} == {"会議の件"}
    assert _columns(Subject="[xyz]").sort_subject == "[XYZ]"  # a lone blob stays
    assert _columns(Subject="Review: x").sort_subject == "REVIEW: X"
    assert _columns().sort_subject == ""


def test_address_keys() -> None:
    """RFC 5256 §3 FROM/TO/CC: the first addr-mailbox; RFC 5957 §3: display name first."""
    name = _b("山田 太郎", "iso-2022-jp")
    cols = _columns(From=f"{name} <yamada@example.jp>, b@x", To="Bob@Example.COM",
                    Cc="team: a@x, b@y;")  # fmt: skip
    assert (cols.sort_from, cols.sort_display_from) == ("YAMADA", "山田 太郎")
    assert (cols.sort_to, cols.sort_display_to) == ("BOB", "BOB@EXAMPLE.COM")
    assert cols.sort_cc == "TEAM"
    halfwidth = _columns(From=f"{_b('ｱﾙﾌｧ', 'utf-8')} <a@x>", To=f"{_b('Émile', 'utf-8')} <e@x>")
    assert halfwidth.sort_display_from == "アルファ"  # NFKD: halfwidth kana to fullwidth
    assert halfwidth.sort_display_to == "E\u0301MILE"  # decomposed: sorts among the E's
