"""``hato alias``, ``hato queue`` and ``hato user quota``: aliases, the outbound queue, quotas.

    hato alias add ADDRESS TARGET...   (replaces ADDRESS's targets; both are checked)
    hato alias del ADDRESS
    hato alias list
    hato queue list
    hato queue retry [ID]
    hato queue delete ID
    hato user quota NAME [--storage SIZE] [--messages N]

These work on the store directly, also while ``hato serve`` runs: the queue
runner sees a retry within seconds.
"""

from __future__ import annotations

import argparse
import datetime
import time
from collections.abc import Callable
from typing import Any, TypeVar

from hato.cli_common import Commands, fail, with_store
from hato.config import Config, own_quota
from hato.delivery.alias_check import add_alias
from hato.delivery.aliases import alias_key
from hato.store import QuotaState, Store

__all__ = ["add_admin_parsers", "add_quota_parser"]

T = TypeVar("T")


def _action(
    actions: Commands, common: argparse.ArgumentParser, name: str, text: str, run: Any
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, parents=[common], help=text)
    parser.set_defaults(run=run)
    return parser


def add_admin_parsers(commands: Commands, common: Callable[[], argparse.ArgumentParser]) -> None:
    alias = commands.add_parser("alias", parents=[common()], help="manage aliases")
    actions = alias.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = _action(actions, common(), "add", "make ADDRESS deliver to TARGETs", _alias_add)
    add.add_argument("address", help="user@domain, or a bare name for every local domain")
    add.add_argument("targets", nargs="+", metavar="TARGET", help="account name or address")
    _action(actions, common(), "del", "delete an alias", _alias_del).add_argument("address")
    _action(actions, common(), "list", "list aliases", _alias_list)
    queue = commands.add_parser("queue", parents=[common()], help="inspect the outbound queue")
    actions = queue.add_subparsers(dest="action", required=True, metavar="ACTION")
    _action(actions, common(), "list", "list queued messages", _queue_list)
    retry = _action(actions, common(), "retry", "retry now (all, or message ID)", _queue_retry)
    retry.add_argument("id", nargs="?", type=int)
    _action(actions, common(), "delete", "drop message ID", _queue_delete).add_argument(
        "id", type=int
    )


def _alias_add(args: argparse.Namespace, config: Config) -> int:
    change = with_store(
        config, lambda store: add_alias(store, args.address, args.targets, config.local_domains)
    )
    if change.problems:
        return fail(f"alias {change.address} not added: " + "; ".join(change.problems))
    print(f"hato: alias {change.address} -> {', '.join(change.targets)}")
    return 0


def _alias_del(args: argparse.Namespace, config: Config) -> int:
    address = alias_key(args.address)
    if not with_store(config, lambda store: store.delete_alias(address)):
        return fail(f"no such alias: {address}")
    print(f"hato: alias {address} deleted")
    return 0


def _alias_list(args: argparse.Namespace, config: Config) -> int:
    for address, targets in with_store(config, lambda store: store.aliases()).items():
        print(f"{address}: {', '.join(targets)}")
    return 0


def _when(seconds: int) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _queue_list(args: argparse.Namespace, config: Config) -> int:
    entries = with_store(config, lambda store: store.queue_entries())
    last = None
    for e in entries:
        if e.message_id != last:
            last = e.message_id
            print(f"{e.message_id}  {e.size} bytes  queued {_when(e.created)}  from <{e.sender}>")
        error = f"  {e.last_error}" if e.last_error else ""
        print(f"    <{e.recipient}>  attempts {e.attempts}  next {_when(e.next_attempt)}{error}")
    if not entries:
        print("hato: the queue is empty")
    return 0


def _queue_retry(args: argparse.Namespace, config: Config) -> int:
    count = with_store(config, lambda store: store.queue_retry(args.id, int(time.time())))
    if args.id is not None and not count:
        return fail(f"no such queued message: {args.id}")
    print(f"hato: {count} recipient(s) due now")
    return 0


def _queue_delete(args: argparse.Namespace, config: Config) -> int:
    if not with_store(config, lambda store: store.queue_delete(args.id)):
        return fail(f"no such queued message: {args.id}")
    print(f"hato: message {args.id} deleted from the queue")
    return 0


def add_quota_parser(actions: Commands, common: argparse.ArgumentParser) -> None:
    """``hato user quota NAME [--storage SIZE] [--messages N]`` (RFC 9208's two resources)."""
    quota = _action(actions, common, "quota", "show or set NAME's quota", _user_quota)
    quota.add_argument("name")
    quota.add_argument(
        "--storage",
        metavar="SIZE",
        help="octets, or with K, M, G, T (1G); 'none' for no limit, 'default' for [quota]'s",
    )
    quota.add_argument(
        "--messages",
        metavar="N",
        help="a number of messages; 'none' for no limit, 'default' for [quota]'s",
    )


def _user_quota(args: argparse.Namespace, config: Config) -> int:
    async def work(store: Store) -> QuotaState | None:
        account = await store.get_account(args.name)
        if account is None:
            return None
        mailstore = store.mailstore(account.id)
        if args.storage is not None or args.messages is not None:
            own = own_quota((await mailstore.quota()).own, args.storage, args.messages)
            await store.set_quota(account.name, own)
        return await mailstore.quota()

    try:
        state = with_store(config, work)
    except ValueError as exc:
        return fail(f"quota: {exc}")
    if state is None:
        return fail(f"no such user: {args.name}")
    print(_quota_line("storage", state.storage, state.limits.storage, state.own.storage, "octets"))
    print(_quota_line("messages", state.messages, state.limits.messages, state.own.messages, ""))
    return 0


def _quota_line(resource: str, used: int, limit: int | None, own: int | None, unit: str) -> str:
    """``storage: 2046 octets of 1073741824 (set for the account)``, or ``..., no limit``."""
    whose = "the default" if own is None else "set for the account"
    amount = f"{used} {unit}" if unit else f"{used}"
    bound = ", no limit" if limit is None else f" of {limit}"
    return f"{resource}: {amount}{bound} ({whose})"
