"""The SORT/THREAD keys kept per mailbox index (hato.imap.sort_cache), on a real store.

The cached columns must always equal what one ``header_columns`` query answers
for the index's snapshot, however the mailbox changed since they were loaded;
SORT over them must answer what the uncached path answers; a session that has
expunges still to report must not use them; a repeated SORT reads nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Sequence
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hato.imap import sort_cache
from hato.imap.commands.search import matching
from hato.imap.mailbox_index import MailboxIndex
from hato.imap.sort_cache import align, keys_of, view_columns
from hato.imap.sorting import columns_for, order, sorted_positions, whole_order
from hato.imap.view import MailboxView, open_view
from hato.proto.imap import SearchAll, SearchKey, SortCriterion
from hato.proto.imap._search import parse_search_keys
from hato.proto.imap._tokens import Cursor
from hato.store import Credentials, Store, open_store
from hato.store.base import Mailstore
from hato.store.meta import message_meta
from tests.imap.session_harness import PASSWORD, run_session

KEYS = ("ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO")
NAMES = columns_for([SortCriterion(key) for key in KEYS])
SUBJECTS = ("", "plan", "Re: PLAN", "Zeta", "=?UTF-8?B?5Lya6K2w?=")
PEOPLE = ("", "a@x.example", "Bee <b@y.example>", "c@z.example")

# (subject, sender, Date: header or none, INTERNALDATE, body length): few values, many ties
Spec = tuple[int, int, int | None, int, int]
SPEC = st.tuples(
    st.integers(0, len(SUBJECTS) - 1),
    st.integers(0, len(PEOPLE) - 1),
    st.none() | st.integers(0, 3),
    st.integers(0, 3),
    st.integers(0, 2),
)
CRITERIA = st.lists(st.builds(SortCriterion, st.sampled_from(KEYS), st.booleans()), min_size=1)


def _message(spec: Spec) -> bytes:
    subject, sender, date, _arrival, body = spec
    lines = []
    if SUBJECTS[subject]:
        lines.append(f"Subject: {SUBJECTS[subject]}")
    if PEOPLE[sender]:
        lines += [f"From: {PEOPLE[sender]}", f"To: {PEOPLE[-sender]}", f"Cc: {PEOPLE[sender - 1]}"]
    if date is not None:
        lines.append(f"Date: {formatdate(1_600_000_000 + date * 3600)}")
    return ("\r\n".join(lines) + "\r\n\r\n" + "body " * body + "\r\n").encode()


async def _append(mailstore: Mailstore, specs: Sequence[Spec]) -> None:
    for spec in specs:
        content = _message(spec)
        await mailstore.append("INBOX", content, message_meta(content), 1_700_000_000 + spec[3])


async def _catch_up(mailstore: Mailstore, index: MailboxIndex) -> None:
    index.subscription.changed.set()
    await index.catch_up(mailstore)


async def _account(store: Store, name: str = "sc") -> Mailstore:
    account = await store.create_account(name, Credentials(password_hash="x"))
    mailstore = store.mailstore(account.id)
    await mailstore.create_mailbox("INBOX")
    return mailstore


def crit(*spec: str) -> tuple[SortCriterion, ...]:
    """crit("SIZE", "-ARRIVAL"): a sort program, "-" meaning REVERSE."""
    return tuple(SortCriterion(s.lstrip("-"), s.startswith("-")) for s in spec)


def _search(text: str) -> SearchKey:
    return parse_search_keys(Cursor(text.encode()))


class Session:
    """What SORT reads of an ImapSession."""

    def __init__(self, mailstore: Mailstore, view: MailboxView) -> None:
        self.mailstore = mailstore
        self.view = view

    def require_view(self) -> MailboxView:
        return self.view


class Counting:
    """A Mailstore that counts (and may hold) its header_columns queries."""

    def __init__(self, inner: Mailstore) -> None:
        self.inner = inner
        self.queries: list[tuple[tuple[str, ...], int]] = []
        self.hold: asyncio.Event | None = None
        self.reading = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def header_columns(
        self, mailbox_id: int, names: Sequence[str], min_uid: int = 0
    ) -> list[tuple[Any, ...]]:
        self.queries.append((tuple(names), min_uid))
        self.reading.set()
        if self.hold is not None:
            await self.hold.wait()
        return await self.inner.header_columns(mailbox_id, names, min_uid)


async def _uncached(
    session: Session, criteria: tuple[SortCriterion, ...], search: SearchKey
) -> list[int]:
    """SORT's answer (0-based positions) the way it was before the cache."""
    found = await matching(session, search)  # type: ignore[arg-type]
    names = columns_for(criteria)
    rows = await session.mailstore.header_columns(session.view.id, names)
    return [seq - 1 for seq, _uid in order(found, rows, names, criteria)]


async def _check_keys(mailstore: Mailstore, index: MailboxIndex, criteria: list[Any]) -> None:
    keys = await keys_of(mailstore, index, NAMES)
    assert keys.uids is index.uids
    rows = await mailstore.header_columns(index.mailbox_id, NAMES)
    assert len(rows) == len(index.uids)
    for name, values in zip(NAMES, align(index.uids, rows, len(NAMES)), strict=True):
        assert list(keys.column(name)) == list(values), name
    everything = list(enumerate(index.uids, 1))
    for program in criteria:
        wanted = [seq - 1 for seq, _uid in order(everything, rows, NAMES, program)]
        assert list(whole_order(keys, tuple(program))) == wanted


STEP = st.tuples(
    st.lists(SPEC, max_size=4),  # appended
    st.lists(st.integers(0, 40), max_size=3),  # positions expunged (modulo the count)
    st.booleans(),  # the cache is asked after this step (else it skips snapshots)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.lists(SPEC, max_size=8), steps=st.lists(STEP, max_size=5), criteria=st.data())
def test_cache_follows_appends_and_expunges(
    first: list[Spec], steps: list[tuple[list[Spec], list[int], bool]], criteria: st.DataObject
) -> None:
    programs = criteria.draw(st.lists(CRITERIA, min_size=1, max_size=3))
    asyncio.run(_follow(first, steps, programs))


async def _follow(
    first: list[Spec], steps: list[tuple[list[Spec], list[int], bool]], programs: list[Any]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "cache.sqlite3")
        try:
            mailstore = await _account(store)
            await _append(mailstore, first)
            view = await open_view(store, mailstore, "INBOX", True)
            await _check_keys(mailstore, view.index, programs)
            for appended, expunged, look in steps:
                await _append(mailstore, appended)
                uids = view.index.uids
                gone = [uids[at % len(uids)] for at in expunged] if uids else []
                await mailstore.expunge(view.id, gone)
                await _catch_up(mailstore, view.index)  # both changes in one catch-up
                if look:
                    await _check_keys(mailstore, view.index, programs)
            await _check_keys(mailstore, view.index, programs)
            view.close()
        finally:
            await store.close()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = open_store(tmp_path / "cache.sqlite3")
    yield opened
    await opened.close()


async def _mailbox(store: Store, count: int) -> tuple[Counting, MailboxView]:
    mailstore = await _account(store)
    await _append(mailstore, [(n % 5, n % 4, n % 3 or None, n % 4, n % 3) for n in range(count)])
    return Counting(mailstore), await open_view(store, mailstore, "INBOX", True)


async def test_new_mail_reads_only_the_new_keys_and_expunges_read_nothing(store: Store) -> None:
    mailstore, view = await _mailbox(store, 6)
    index = view.index
    await keys_of(mailstore, index, ["sort_subject", "sent_date"])  # type: ignore[arg-type]
    assert mailstore.queries == [(("sort_subject", "sent_date"), 0)]
    await _append(mailstore.inner, [(1, 1, 1, 1, 1), (2, 2, 2, 2, 2)])
    await _catch_up(mailstore.inner, index)
    keys = await keys_of(mailstore, index, ["sent_date"])  # type: ignore[arg-type]
    assert mailstore.queries[1] == (("sort_subject", "sent_date"), 7)
    assert list(keys.uids) == [1, 2, 3, 4, 5, 6, 7, 8]
    await mailstore.expunge(view.id, [2, 7])
    await _catch_up(mailstore.inner, index)
    keys = await keys_of(mailstore, index, ["sort_subject"])  # type: ignore[arg-type]
    assert len(mailstore.queries) == 2
    assert keys.column("sort_subject") == ["", "PLAN", "ZETA", "会議", "", "PLAN"]
    view.close()


async def test_keys_stay_with_their_snapshot_when_the_index_moves_during_a_load(
    store: Store,
) -> None:
    mailstore, view = await _mailbox(store, 4)
    index = view.index
    mailstore.hold = asyncio.Event()
    loading = asyncio.create_task(keys_of(mailstore, index, ["sort_from"]))  # type: ignore[arg-type]
    await mailstore.reading.wait()
    before = index.uids
    await _append(mailstore.inner, [(0, 3, None, 0, 0)])
    await mailstore.expunge(view.id, [1])
    await _catch_up(mailstore.inner, index)  # the index moves on while the query waits
    mailstore.hold.set()
    keys = await loading
    assert keys.uids is before and list(keys.uids) == [1, 2, 3, 4]
    assert keys.column("sort_from") == [None, "A", "B", "C"]  # uid 1 was gone when read
    moved = await keys_of(mailstore, index, ["sort_from"])  # type: ignore[arg-type]
    assert moved.uids is index.uids and list(moved.uids) == [2, 3, 4, 5]
    assert moved.column("sort_from") == ["A", "B", "C", "C"]
    assert moved.dates == index.dates and moved.sizes == index.sizes
    view.close()


async def test_sessions_asking_together_share_one_load(store: Store) -> None:
    mailstore, view = await _mailbox(store, 5)
    first, second = await asyncio.gather(
        keys_of(mailstore, view.index, ["sort_to"]),  # type: ignore[arg-type]
        keys_of(mailstore, view.index, ["sort_to"]),  # type: ignore[arg-type]
    )
    assert first is second
    assert len(mailstore.queries) == 1
    view.close()


async def test_repeated_sort_is_served_from_the_cache(store: Store) -> None:
    mailstore, view = await _mailbox(store, 12)
    session = Session(mailstore, view)  # type: ignore[arg-type]
    program = crit("-FROM", "DATE")
    first = await sorted_positions(session, program, SearchAll())  # type: ignore[arg-type]
    queries = len(mailstore.queries)
    again = await sorted_positions(session, program, SearchAll())  # type: ignore[arg-type]
    assert len(mailstore.queries) == queries == 1
    assert again.positions is first.positions
    assert first.whole_of is not None
    expected = await _uncached(session, program, SearchAll())
    assert list(first.positions) == expected
    view.close()


# "2" and "UID 7,19": fewer than 1/8 of the mailbox, sorted alone; the others filter the
# whole order
@pytest.mark.parametrize(
    "program", ["ALL", "2", "UID 7,19", "2:4", "FROM bee", "NOT 1", "UID 3:9 SMALLER 15"]
)
async def test_search_programs_narrow_the_cached_order(store: Store, program: str) -> None:
    mailstore, view = await _mailbox(store, 20)
    session = Session(mailstore, view)  # type: ignore[arg-type]
    for criteria in (crit("SUBJECT", "-SIZE"), crit("-DATE"), crit("DISPLAYTO", "ARRIVAL")):
        search = _search(program)
        found = await sorted_positions(session, criteria, search)  # type: ignore[arg-type]
        assert list(found.positions) == await _uncached(session, criteria, search)
        assert found.uids is view.uids
    view.close()


async def test_a_view_with_expunges_to_report_does_not_use_the_cache(store: Store) -> None:
    mailstore, view = await _mailbox(store, 6)
    session = Session(mailstore, view)  # type: ignore[arg-type]
    await sorted_positions(session, crit("SUBJECT"), SearchAll())  # type: ignore[arg-type]
    await mailstore.expunge(view.id, [2, 5])
    await _catch_up(mailstore.inner, view.index)  # the index moves on, the view waits
    assert view.uids is not view.index.uids and len(view.uids) == 6
    queries = len(mailstore.queries)
    found = await sorted_positions(session, crit("SUBJECT"), SearchAll())  # type: ignore[arg-type]
    assert found.whole_of is None and found.uids is view.uids
    assert mailstore.queries[queries:] == [(("sort_subject",), 0)]  # its own read, uncached
    assert list(found.positions) == await _uncached(session, crit("SUBJECT"), SearchAll())
    view.close()


async def test_view_columns_follow_the_view_numbering(store: Store) -> None:
    """THREAD's entry: columns aligned with view.uids, cached or not."""
    mailstore, view = await _mailbox(store, 5)
    cached = await view_columns(mailstore, view, ["sort_from", "internal_date"])  # type: ignore[arg-type]
    assert cached[0] == ["", "A", "B", "C", ""]
    assert list(cached[1]) == [1_700_000_000 + n % 4 for n in range(5)]
    await mailstore.expunge(view.id, [2])
    await _catch_up(mailstore.inner, view.index)
    behind = await view_columns(mailstore, view, ["sort_from", "internal_date"])  # type: ignore[arg-type]
    assert behind[0] == ["", None, "B", "C", ""]  # uid 2 is gone from the store, not the view
    assert list(behind[1])[2:] == list(cached[1])[2:]
    assert isinstance(view.index.sort_keys, sort_cache.KeyCache)
    view.close()


async def test_sort_command_answers_twice_with_one_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailstore = await _account(store, "imap")
    await _append(mailstore, [(n % 5, n % 4, n % 3 or None, n % 4, n % 3) for n in range(9)])
    reads: list[int] = []
    cls = type(mailstore)
    real = cls.header_columns

    async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(cls, "header_columns", counted)
    out = await run_session(
        store,
        [
            f"a LOGIN imap {PASSWORD}\r\n".encode(),
            b"b EXAMINE INBOX\r\n",
            b"c SORT (REVERSE FROM SUBJECT) UTF-8 ALL\r\n",
            b"d UID SORT (REVERSE FROM SUBJECT) UTF-8 ALL\r\n",
            b"e SORT (REVERSE FROM SUBJECT) UTF-8 ALL\r\n",
            b"f SORT (REVERSE FROM SUBJECT) UTF-8 2:5\r\n",
            b"g LOGOUT\r\n",
        ],
    )
    lines = [line for line in out.split(b"\r\n") if line.startswith(b"* SORT")]
    assert lines[0] == lines[1] == lines[2] == b"* SORT 8 4 3 7 6 2 1 9 5"
    assert lines[3] == b"* SORT 4 3 2 5"
    assert len(reads) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_header_columns_from_a_uid_on(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """``min_uid`` reads the keys of new messages alone, on every backend."""
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    opened = open_store(tmp_path / "min_uid.sqlite3", url)
    try:
        mailstore = await _account(opened)
        await _append(mailstore, [(n % 5, n % 4, None, 0, 0) for n in range(5)])
        mailbox = await mailstore.get_mailbox("INBOX")
        assert mailbox is not None
        rows = await mailstore.header_columns(mailbox.id, ["sort_subject", "size"], 4)
        assert [row[:2] for row in rows] == [(4, "ZETA"), (5, "会議")]
        assert len(await mailstore.header_columns(mailbox.id, ["sort_from"])) == 5
    finally:
        await opened.close()
