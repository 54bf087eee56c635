"""``hato sieve``: an account's Sieve scripts, as ManageSieve keeps them (RFC 5804 §2).

    hato sieve list --user NAME                    every script; the active one marked
    hato sieve put --user NAME SCRIPT [FILE]       store FILE (standard input without it)
    hato sieve get --user NAME SCRIPT              print a script
    hato sieve activate --user NAME [SCRIPT]       make SCRIPT active (none without it)
    hato sieve check [--user NAME] FILE            check a script; the line and column of an error

``put`` checks the script first and stores nothing if it has an error, or if it
is over ``[sieve] max_script_size`` or one script too many.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

from hato.accounts import validate_username
from hato.cli_common import Commands, fail, with_store
from hato.config import Config
from hato.sieve import MAX_SCRIPT_SIZE, SieveError, compile_script
from hato.store import Store, StoreError
from hato.store.scripts import NoSuchScript, SieveScripts

__all__ = ["add_sieve_parsers"]

Parser: TypeAlias = argparse.ArgumentParser


def add_sieve_parsers(commands: Commands, common: Callable[[], argparse.ArgumentParser]) -> None:
    sieve = commands.add_parser("sieve", parents=[common()], help="manage Sieve scripts")
    actions = sieve.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, text: str, run: Callable[[argparse.Namespace, Config], int]) -> Parser:
        parser = actions.add_parser(name, parents=[common()], help=text)
        parser.set_defaults(run=run)
        return parser

    action("list", "list an account's scripts", _list).add_argument("--user", required=True)
    put = action("put", "check and store a script", _put)
    put.add_argument("--user", required=True)
    put.add_argument("script", help="the script's name")
    put.add_argument("file", nargs="?", type=Path, help="the script (default: standard input)")
    get = action("get", "print a script", _get)
    get.add_argument("--user", required=True)
    get.add_argument("script")
    activate = action("activate", "make a script the active one", _activate)
    activate.add_argument("--user", required=True)
    activate.add_argument("script", nargs="?", help="none: no script is active")
    check = action("check", "check a script for errors", _check)
    check.add_argument("--user", help="also check it against this account's quota")
    check.add_argument("file", type=Path)


async def _scripts(store: Store, user: str) -> SieveScripts:
    account = await store.get_account(validate_username(user))
    if account is None:
        raise StoreError(f"no such user: {user}")
    return store.sieve_scripts(account.id)


def _read(file: Path | None) -> str:
    """The script's text; bytes that are not UTF-8 are an error (RFC 5228 §2.2)."""
    try:
        data = sys.stdin.buffer.read() if file is None else file.read_bytes()
        return data.decode()
    except OSError as exc:
        raise StoreError(f"{file}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise StoreError(f"{file or 'standard input'}: not UTF-8 (RFC 5228 §2.2)") from exc


def _checked(text: str, source: str, max_size: int) -> str | None:
    """The error, as ``SOURCE: line L, column C: what``, or None."""
    try:
        compile_script(text, max_size=max_size)
    except SieveError as exc:
        return f"{source}: {exc}"
    return None


def _list(args: argparse.Namespace, config: Config) -> int:
    async def work(store: Store) -> None:
        for script in await (await _scripts(store, args.user)).list():
            print(f"{script.name}  (active)" if script.active else script.name)

    with_store(config, work)
    return 0


def _put(args: argparse.Namespace, config: Config) -> int:
    text = _read(args.file)
    error = _checked(text, str(args.file or args.script), config.sieve.max_script_size)
    if error:
        return fail(f"{error}; script {args.script} not stored")

    async def work(store: Store) -> None:
        await (await _scripts(store, args.user)).put(args.script, text, config.sieve)

    with_store(config, work)
    print(f"hato: script {args.script} of {args.user} stored")
    return 0


def _get(args: argparse.Namespace, config: Config) -> int:
    async def work(store: Store) -> str | None:
        return await (await _scripts(store, args.user)).get(args.script)

    text = with_store(config, work)
    if text is None:
        return fail(f"no such script: {args.script}")
    sys.stdout.write(text)
    return 0


def _activate(args: argparse.Namespace, config: Config) -> int:
    async def work(store: Store) -> None:
        await (await _scripts(store, args.user)).activate(args.script)

    try:
        with_store(config, work)
    except NoSuchScript:
        return fail(f"no such script: {args.script}")
    if args.script is None:
        print(f"hato: no script of {args.user} is active")
    else:
        print(f"hato: script {args.script} of {args.user} is active")
    return 0


def _check(args: argparse.Namespace, config: Config) -> int:
    max_size = MAX_SCRIPT_SIZE
    if args.user is not None:

        async def exists(store: Store) -> None:
            await _scripts(store, args.user)

        with_store(config, exists)
        max_size = config.sieve.max_script_size
    error = _checked(_read(args.file), str(args.file), max_size)
    if error:
        return fail(error)
    print(f"hato: {args.file}: no errors")
    return 0
