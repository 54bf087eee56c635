"""FETCH from kept answers (hato.imap.fetch_kept) answers exactly as the general item
path (hato.imap.fetch_items) does, for the items it takes, in any order, with \\Recent
and keywords; which items and lists it takes, and under which key a list is kept."""

from __future__ import annotations

import itertools
from dataclasses import replace

from hato.imap.fetch_items import MessageData, item_value, order_items
from hato.imap.fetch_kept import MAX_KEPT, MAX_KEY, fields_key, keepable, kept_answer, kept_plan
from hato.imap.view import MailboxView
from hato.mime import parse_message
from hato.proto.imap import FetchAttr, Literal, Section, encode, fetch_response
from hato.store import Store
from hato.store.base import Mailstore
from tests.imap.test_fetch_quick import views

FIELDS = Section((), "HEADER.FIELDS", ("SUBJECT", "X-100%"))
FIELDS_NOT = Section((), "HEADER.FIELDS.NOT", ("subject",))


def _fields(section: Section = FIELDS, **more: object) -> FetchAttr:
    return FetchAttr("BODY", section, peek=True, **more)  # type: ignore[arg-type]


def test_the_key_of_a_list_of_header_fields() -> None:
    assert fields_key(_fields()) == "subject x-100%"
    assert fields_key(_fields(Section((), "HEADER.FIELDS", ("b", "A", "a")))) == "a b"
    assert fields_key(_fields(FIELDS_NOT)) == "NOT subject"
    assert fields_key(FetchAttr("BODY", FIELDS)) == "subject x-100%"  # \\Seen aside: the same
    for not_kept in (
        _fields(partial=(0, 10)),
        _fields(Section((1,), "HEADER.FIELDS", ("subject",))),  # a part's header
        _fields(Section((), "HEADER")),
        _fields(Section((), "HEADER.FIELDS", ("sub ject",))),
        _fields(Section((), "HEADER.FIELDS", ("sübject",))),
        _fields(Section((), "HEADER.FIELDS", ("x" * MAX_KEY, "y"))),
        FetchAttr("BINARY", Section((1,))),
        FetchAttr("ENVELOPE"),
    ):
        assert fields_key(not_kept) is None, not_kept


def test_the_items_a_plan_takes() -> None:
    taken = [FetchAttr("UID"), FetchAttr("FLAGS"), FetchAttr("ENVELOPE"), _fields()]
    plan = kept_plan(taken)
    assert plan is not None and plan.names == "subject x-100%" and len(plan.quick) == 2
    assert kept_plan([FetchAttr("ENVELOPE"), FetchAttr("BODYSTRUCTURE")]) is not None
    for refused in (
        [FetchAttr("UID"), FetchAttr("FLAGS")],  # nothing kept: hato.imap.fetch_quick's
        [FetchAttr("INTERNALDATE"), FetchAttr("ENVELOPE")],
        [FetchAttr("ENVELOPE"), FetchAttr("BODY")],
        [_fields(), _fields(FIELDS_NOT)],  # two lists
        [_fields(partial=(0, 10))],
        [FetchAttr("BODY", Section((), "TEXT"), peek=True)],
    ):
        assert kept_plan(refused) is None, refused


def test_fields_are_keepable_from_an_ascii_header_only() -> None:
    assert keepable(b"Subject: a\r\n\r\nbody \xe3\x81\x82\r\n", b"Subject: a\r\n\r\n")
    assert not keepable(b"Subject: \xe3\x81\x82\r\n\r\nbody\r\n", b"\r\n")
    assert not keepable(b"Subject: a\x00\r\n\r\n", b"Subject: a\x00\r\n\r\n")
    long = b"To: " + b"a" * MAX_KEPT + b"\r\n\r\n"
    assert keepable(long, long[: MAX_KEPT - 2] + b"\r\n") and not keepable(long, long)


async def _general(
    mailstore: Mailstore, view: MailboxView, items: list[FetchAttr]
) -> tuple[list[bytes], list[tuple[int, str | None, str | None, bytes | None]]]:
    """The general path's lines, and the kept rows they make (every answer kept)."""
    details = {d.summary.uid: d for d in await mailstore.message_details(view.id, view.uids)}
    bodies = await mailstore.read_messages(view.id, view.uids)
    lines, rows = [], []
    for seq, uid in enumerate(view.uids, 1):
        parsed = parse_message(bodies[uid]).to_json()  # appended: the indexer parses later
        data = MessageData(uid, replace(details[uid], structure_json=parsed), bodies[uid])
        values = [(item.response_key(), item_value(item, data, view)) for item in items]
        lines.append(fetch_response(seq, values))
        kept: dict[str, object] = {key: value for key, value in values}
        fields = [value for value in kept.values() if isinstance(value, Literal)]
        rows.append(
            (
                uid,
                encode(item_value(FetchAttr("ENVELOPE"), data, view)).decode(),
                encode(item_value(FetchAttr("BODYSTRUCTURE"), data, view)).decode(),
                fields[0].data if fields else None,
            )
        )
    return lines, rows


async def test_every_order_matches_the_general_path(store: Store) -> None:
    mailstore, writer, reader = await views(store)
    names = ["UID", "FLAGS", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE", "FIELDS"]
    for view in (writer, reader):  # the writer's view has \Recent
        targets = list(enumerate(view.uids, 1))
        for size in range(1, 4):
            for combination in itertools.permutations(names, size):
                asked = [_fields() if name == "FIELDS" else FetchAttr(name) for name in combination]
                items = order_items(tuple(asked), False)
                plan = kept_plan(items)
                if plan is None:
                    assert all(item.name in ("UID", "FLAGS", "RFC822.SIZE") for item in items)
                    continue
                general, rows = await _general(mailstore, view, items)
                assert kept_answer(view, targets, plan, rows) == (general, False), items


async def test_a_message_without_its_answer_or_gone(store: Store) -> None:
    mailstore, _, reader = await views(store)
    items = [FetchAttr("UID"), FetchAttr("ENVELOPE")]
    plan = kept_plan(items)
    assert plan is not None
    general, rows = await _general(mailstore, reader, items)
    targets = list(enumerate(reader.uids, 1))
    assert kept_answer(reader, targets, plan, rows[:3] + rows[4:]) == (
        general[:3] + general[4:],
        True,
    )
    unkept = (rows[2][0], None, rows[2][2], None)
    assert kept_answer(reader, targets, plan, [*rows[:2], unkept, *rows[3:]]) is None
