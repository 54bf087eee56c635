"""The class's members on every backend: joining, a re-import's update, and removal."""

from __future__ import annotations

from hato.store import Store
from tests.store.conftest import make_account


async def test_members_join_update_and_go_with_their_accounts(store: Store) -> None:
    first = await make_account(store, "s01")
    second = await make_account(store, "s02")
    await make_account(store, "teacher")
    await store.set_class_member(second.account_id, "S02", "佐藤 花子", "")
    await store.set_class_member(first.account_id, "S01", "山田 太郎", "")
    await store.set_class_member(first.account_id, "S01", "山田 太郎", "yamada@example.jp")
    members = await store.class_members()
    assert [(m.account, m.student_id, m.name, m.email) for m in members] == [
        ("s01", "S01", "山田 太郎", "yamada@example.jp"),
        ("s02", "S02", "佐藤 花子", ""),
    ]
    assert await store.delete_account("s02")
    assert [m.account for m in await store.class_members()] == ["s01"]
    assert await store.delete_class() == ["s01"]
    assert await store.class_members() == []
    assert [a.name for a in await store.list_accounts()] == ["teacher"]
