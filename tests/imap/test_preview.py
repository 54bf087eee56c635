"""FETCH PREVIEW (RFC 8970) on every backend: the snippet kept at delivery, worked out
and kept for a body stored before snippets were, and NIL for that body under LAZY; and
the drafts' SNIPPET=FUZZY and PREVIEW=FUZZY forms Dovecot 2.3 answers."""

from __future__ import annotations

from hato.store import Delivery, Store
from hato.store.meta import message_meta
from hato.store.sql.tx import Tx
from tests.imap.session_harness import selected_lines
from tests.store.conftest import make_account, store  # noqa: F401 - the fixture
from tests.web.messages import plain


async def _forget_snippets(tx: Tx) -> None:
    """Every body as stored before snippets were kept."""
    await tx.run("UPDATE blob_meta SET snippet = NULL, attachments = NULL")


async def test_preview_is_the_snippet_kept_at_delivery(store: Store) -> None:  # noqa: F811
    alice = await make_account(store, "alice")
    raw = plain("hello", "A preview\n\nof   the text.\n" + "long " * 100)
    await store.deliver(raw, message_meta(raw), 1_700_000_000, [Delivery(alice.account_id)])
    lines = await selected_lines(
        store, "alice", "f FETCH 1 (PREVIEW (LAZY) FLAGS)", "g FETCH 1 PREVIEW"
    )
    preview = "A preview of the text. " + "long " * 45 + "lo"
    assert f'* 1 FETCH (FLAGS (\\Recent) PREVIEW "{preview[:250]}")' in lines
    assert f'* 1 FETCH (PREVIEW "{preview[:250]}")' in lines
    assert "* 1 FETCH (FLAGS (\\Recent \\Seen))" not in lines  # PREVIEW sets no \Seen


async def test_old_bodies_are_nil_under_lazy_then_worked_out(store: Store) -> None:  # noqa: F811
    alice = await make_account(store, "alice")
    raw = plain("old", "stored before snippets")
    await store.deliver(raw, message_meta(raw), 1_700_000_000, [Delivery(alice.account_id)])
    await store._db.write(_forget_snippets)  # type: ignore[attr-defined]
    lines = await selected_lines(
        store,
        "alice",
        "a FETCH 1 (PREVIEW (LAZY))",
        "b FETCH 1 (PREVIEW)",
        "c FETCH 1 (PREVIEW (lazy))",
    )
    answers = [line for line in lines if line.startswith("* 1 FETCH")]
    assert answers == [
        "* 1 FETCH (PREVIEW NIL)",
        '* 1 FETCH (PREVIEW "stored before snippets")',
        '* 1 FETCH (PREVIEW "stored before snippets")',  # kept by the FETCH before
    ]


async def test_malformed_preview_modifiers(store: Store) -> None:  # noqa: F811
    alice = await make_account(store, "alice")
    raw = plain("x", "y")
    await store.deliver(raw, message_meta(raw), 1_700_000_000, [Delivery(alice.account_id)])
    lines = await selected_lines(
        store,
        "alice",
        "a FETCH 1 (PREVIEW (LAZY FOO))",
        "b FETCH 1 (PREVIEW (LAZY)",
        "c FETCH 1 PREVIEW (CHANGEDSINCE 1)",
    )
    assert "a BAD Error in IMAP command FETCH: 'FOO' is not a supported PREVIEW modifier" in lines
    assert "b BAD Error in IMAP command FETCH: Missing ')'" in lines
    # a list after PREVIEW that is no preview-mod is FETCH's modifiers (RFC 4466)
    assert '* 1 FETCH (MODSEQ (2) PREVIEW "y")' in lines
    assert "c OK Fetch completed." in lines


async def test_the_drafts_fuzzy_forms_as_dovecot_answers_them(store: Store) -> None:  # noqa: F811
    """Dovecot 2.3.19's answers, asked of it on this machine: SNIPPET in every form and
    PREVIEW with FUZZY or LAZY=FUZZY are ``(FUZZY text)``; PREVIEW and PREVIEW (LAZY),
    RFC 8970's plain string; LAZY=FUZZY of a body without a kept snippet, ``(FUZZY NIL)``."""
    alice = await make_account(store, "alice")
    for text in ("Hello there, this is the text.", "stored before snippets"):
        raw = plain("s", text)
        await store.deliver(raw, message_meta(raw), 1_700_000_000, [Delivery(alice.account_id)])
        if text.startswith("stored"):
            await store._db.write(_forget_snippets)  # type: ignore[attr-defined]
    lines = await selected_lines(
        store,
        "alice",
        "a FETCH 1 SNIPPET",
        "b FETCH 1 (SNIPPET (FUZZY))",
        "c FETCH 1 (PREVIEW (fuzzy))",
        "d FETCH 1 (PREVIEW (LAZY))",
        "e FETCH 2 (PREVIEW (LAZY=FUZZY) FLAGS)",
        "f FETCH 2 (SNIPPET (LAZY=FUZZY))",
        "g FETCH 2 (SNIPPET)",
    )
    fuzzy = '(FUZZY "Hello there, this is the text.")'
    answers = [line for line in lines if " FETCH (" in line]
    assert answers == [
        f"* 1 FETCH (SNIPPET {fuzzy})",
        f"* 1 FETCH (SNIPPET {fuzzy})",
        f"* 1 FETCH (PREVIEW {fuzzy})",
        '* 1 FETCH (PREVIEW "Hello there, this is the text.")',
        "* 2 FETCH (FLAGS (\\Recent) PREVIEW (FUZZY NIL))",
        "* 2 FETCH (SNIPPET (FUZZY NIL))",
        '* 2 FETCH (SNIPPET (FUZZY "stored before snippets"))',
    ]
