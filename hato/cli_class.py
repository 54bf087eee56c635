"""``hato class``: the lab's practice accounts, from a roster.

hato class import ROSTER.csv [--reset-passwords]   prints ID ACCOUNT PASSWORD per account
hato class seed NAME      the sample messages into NAME's INBOX (any account)
hato class reset [NAME]   the class's mailboxes (or NAME's) back to the starting state
hato class remove [--yes] delete the class's accounts and their mail (asks first)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from hato.accounts import validate_username
from hato.classroom.lab import import_roster, remove_class, reset_accounts, seed_accounts
from hato.classroom.roster import read_roster
from hato.cli_common import Commands, fail, with_store
from hato.config import Config
from hato.store import Store

__all__ = ["add_class_parsers"]


def add_class_parsers(commands: Commands, common: Callable[[], argparse.ArgumentParser]) -> None:
    group = commands.add_parser("class", parents=[common()], help="the lab's practice accounts")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    imports = actions.add_parser(
        "import", parents=[common()], help="an account per student of ROSTER.csv (id,name,email)"
    )
    imports.add_argument("roster", metavar="ROSTER.csv", type=Path)
    imports.add_argument(
        "--reset-passwords",
        action="store_true",
        help="also give the students already in the class new passwords",
    )
    imports.set_defaults(run=_import)
    seed = actions.add_parser("seed", parents=[common()], help="the sample messages into NAME")
    seed.add_argument("name")
    seed.set_defaults(run=_seed)
    reset = actions.add_parser(
        "reset", parents=[common()], help="mailboxes back to the starting state (all, or NAME)"
    )
    reset.add_argument("name", nargs="?")
    reset.set_defaults(run=_reset)
    remove = actions.add_parser("remove", parents=[common()], help="delete the class's accounts")
    remove.add_argument("--yes", action="store_true", help="do not ask")
    remove.set_defaults(run=_remove)


def _import(args: argparse.Namespace, config: Config) -> int:
    try:
        data = args.roster.read_bytes()
    except OSError as exc:
        return fail(f"cannot read {args.roster}: {exc.strerror}")
    roster = read_roster(data)
    result = with_store(config, lambda store: import_roster(store, roster, args.reset_passwords))
    for card in result.cards:
        print(f"{card.student_id} {card.account} {card.password}")
    for problem in result.problems:
        print(f"hato: {args.roster}: {problem}", file=sys.stderr)
    kept = f", {len(result.kept)} kept their passwords" if result.kept else ""
    reset = len(result.cards) - result.created
    again = f", {reset} new password(s)" if reset else ""
    print(
        f"hato: {result.created} account(s) created{again}{kept}, "
        f"{len(result.problems)} row(s) not imported",
        file=sys.stderr,
    )
    return 1 if result.problems else 0


def _seed(args: argparse.Namespace, config: Config) -> int:
    name = validate_username(args.name)

    async def work(store: Store) -> bool:
        account = await store.get_account(name)
        if account is None:
            return False
        await seed_accounts(store, [account.id])
        return True

    if not with_store(config, work):
        return fail(f"no such user: {name}")
    print(f"hato: sample messages put into {name}'s INBOX")
    return 0


def _reset(args: argparse.Namespace, config: Config) -> int:
    name = validate_username(args.name) if args.name else None

    async def work(store: Store) -> int | None:
        members = [m for m in await store.class_members() if name in (None, m.account)]
        if name is not None and not members:
            return None
        await reset_accounts(store, members)
        return len(members)

    count = with_store(config, work)
    if count is None:
        return fail(f"{name} is not in the class")
    print(f"hato: {count} account(s) back to the starting state")
    return 0


def _remove(args: argparse.Namespace, config: Config) -> int:
    count = len(with_store(config, lambda store: store.class_members()))
    if not count:
        print("hato: the class has no accounts")
        return 0
    if not args.yes and not _confirmed(f"Delete the class's {count} account(s) and their mail?"):
        return fail("nothing deleted")
    removed = with_store(config, remove_class)
    print(f"hato: {len(removed)} account(s) deleted")
    return 0


def _confirmed(question: str) -> bool:
    """A ``y`` on the terminal (stdin), or a ``y`` line piped in; anything else is no."""
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")
