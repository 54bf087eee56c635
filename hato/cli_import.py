"""``hato import``: bringing users (and, later, mail) over from Dovecot.

    hato import dovecot-users FILE     accounts from a Dovecot passwd-file

Each line that cannot be imported is reported as ``hato: FILE: line N: ...``;
the others are imported, and the exit status is 1 if any line was reported.
Accounts that exist already are left as they are, so a second run adds nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

from hato.cli_admin import _run
from hato.config import Config
from hato.migrate.dovecot_users import UsersImport, import_users, read_passwd_file
from hato.store import Store

__all__ = ["add_import_parsers"]

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_import_parsers(commands: Commands, common: Callable[[], argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("import", parents=[common()], help="import users from Dovecot")
    sources = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
    users = sources.add_parser(
        "dovecot-users", parents=[common()], help="accounts from a Dovecot passwd-file"
    )
    users.add_argument("file", type=Path, metavar="FILE")
    users.set_defaults(run=_dovecot_users)


def _dovecot_users(args: argparse.Namespace, config: Config) -> int:
    path: Path = args.file

    async def work(store: Store) -> UsersImport:
        with path.open("rb") as lines:
            return await import_users(store, read_passwd_file(lines))

    try:
        result = _run(config, work)
    except OSError as exc:
        print(f"hato: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    for rejected in result.rejected:
        print(f"hato: {path}: {rejected}", file=sys.stderr)
    print(
        f"hato: {len(result.imported)} user(s) imported, {len(result.present)} already "
        f"present, {len(result.rejected)} line(s) not imported"
    )
    return 1 if result.rejected else 0
