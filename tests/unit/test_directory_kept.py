"""A Directory keeps its answers (none asked twice), "none" too, within a bound; a new
version starts empty (hato/store/directory.py, hato/bounded.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from hato.bounded import SizedLru
from hato.store.base import Assignment, QuotaLimits
from hato.store.directory import Addressee, Directories


class CountedReads:
    """DirectoryReads that answer from a table and count each question asked."""

    def __init__(self) -> None:
        self.asked: Counter[tuple[str, object]] = Counter()

    async def alias_targets(self, address: str) -> list[str]:
        self.asked["alias", address] += 1
        return ["bob"] if address == "team" else []

    async def addressee(self, name: str) -> Addressee | None:
        self.asked["account", name] += 1
        return Addressee(7, name, QuotaLimits()) if name.startswith("user") else None

    async def active_script(self, account_id: int) -> tuple[str, str] | None:
        self.asked["sieve", account_id] += 1
        return ("main", "keep;" * account_id) if account_id else None

    async def assignments_at(self, addresses: Sequence[str]) -> list[Assignment]:
        self.asked["assignments", tuple(addresses)] += 1
        return []


async def test_each_answer_is_read_once_while_the_version_stays() -> None:
    reads = CountedReads()
    directories = Directories(reads)
    directory = directories.at(1)
    for _ in range(3):
        assert await directory.alias_targets("team") == ["bob"]
        assert await directory.addressee("nobody") is None
        assert await directory.active_script(0) is None
        assert await directory.assignments_at(["hw@example.org"]) == []
        assert directories.at(1) is directory
    assert set(reads.asked.values()) == {1}
    moved_on = directories.at(2)
    assert moved_on is not directory
    assert await moved_on.alias_targets("team") == ["bob"]
    assert reads.asked["alias", "team"] == 2


async def test_an_answer_given_out_cannot_change_the_kept_one() -> None:
    directory = Directories(CountedReads()).at(1)
    (await directory.alias_targets("team")).append("mallory")
    assert await directory.alias_targets("team") == ["bob"]


async def test_the_bound_holds() -> None:
    reads = CountedReads()
    directories = Directories(reads, limit=4000)
    directory = directories.at(1)
    for number in range(200):
        await directory.addressee(f"user{number}")
    await directory.active_script(500)  # 2,500 characters: above a quarter, not kept
    kept = directory._kept
    assert isinstance(kept, SizedLru)
    assert kept.size <= 4000 and 0 < len(kept) < 200
    await directory.active_script(500)
    assert reads.asked["sieve", 500] == 2
    await directory.addressee("user199")  # among the newest: kept
    await directory.addressee("user0")  # the oldest: dropped, read again
    assert reads.asked["account", "user199"] == 1 and reads.asked["account", "user0"] == 2
