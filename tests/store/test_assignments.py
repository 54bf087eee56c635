"""Assignments and submissions: both backends, through the Store Protocol only."""

from __future__ import annotations

from hato.store import Assignment, Store
from tests.store.conftest import make_account


async def test_assignments_by_due_time_and_address(store: Store) -> None:
    second = await store.add_assignment("report+b@example.org", "Second", 2000, "off")
    first = await store.add_assignment("report+a@example.org", "First", 1000, "always")
    assert first is not None and second is not None
    assert first == Assignment(first.id, "report+a@example.org", "First", 1000, "always")
    assert await store.add_assignment("report+a@example.org", "Again", 5, "off") is None
    assert [a.title for a in await store.assignments()] == ["First", "Second"]
    found = await store.assignments_at(["x@example.org", "report+b@example.org"])
    assert found == [second]
    assert await store.assignments_at([]) == []
    assert await store.delete_assignment(first.id)
    assert not await store.delete_assignment(first.id)
    assert await store.assignments() == [second]


async def test_submissions_keep_the_message_and_go_with_their_assignment(store: Store) -> None:
    ann = await make_account(store, "ann")
    assignment = await store.add_assignment("hw@example.org", "Homework", 1000, "findings")
    assert assignment is not None
    content = "Subject: 課題\r\n\r\n本文\r\n".encode()
    ident = await store.add_submission(assignment.id, ann.account_id, 999, "課題", "[]", content)
    [submission] = await store.submissions()
    assert (submission.id, submission.account, submission.subject) == (ident, "ann", "課題")
    assert (submission.received, submission.findings) == (999, "[]")
    assert await store.submission_content(ident) == content
    assert await store.submission_content(ident + 1) is None
    await store.delete_assignment(assignment.id)
    assert await store.submissions() == []
    assert await store.submission_content(ident) is None
