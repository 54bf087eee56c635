"""The ``hato`` command (the command-line contract README.md documents).

    hato serve [--host ADDR] [--demo] [--trace] [--standard-ports] [--smtp P] ...
    hato user add NAME [--password-stdin] [--apop] [--admin]
    hato user passwd NAME [--password-stdin] [--apop]
    hato user admin NAME [--off]
    hato user token NAME
    hato user quota NAME [--storage SIZE] [--messages N]
    hato user del NAME
    hato user list
    hato lint [--format text|json] [--lang ja|en] FILE...
    hato sieve list|put|get|activate --user NAME [SCRIPT], hato sieve check [--user NAME] FILE
    hato import dovecot-users FILE
    hato import mbox FILE --user NAME [--mailbox NAME]
    hato export mbox --user NAME FILE [--mailbox NAME]
    hato class import ROSTER.csv [--reset-passwords], hato class seed NAME,
    hato class reset [NAME], hato class remove [--yes]
    hato --version

Every command takes ``--data-dir DIR`` and ``--config FILE``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from hato import __version__
from hato.accounts import InvalidUsername, add_user, issue_token, set_password, validate_username
from hato.auth.passwords import use_argon2
from hato.cli_common import Commands, with_store
from hato.config import SERVICES, STANDARD_PORTS, Config, ConfigError, load_config
from hato.logs import configure_logging
from hato.store import AccountExists, StoreError

__all__ = ["main"]

T = TypeVar("T")


class CommandError(Exception):
    """A user-facing error: printed as ``hato: ...``, exit status 1."""


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, as wide as the terminal, its width read without shutil:
    argparse makes a formatter for each argument it is given, not only for ``--help``,
    and the one it makes imports shutil (with bz2 and lzma, about 0.4 MB) into the
    running server."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        width = _columns() - 2 if width is None else width  # as argparse's own
        super().__init__(prog, indent_increment, max_help_position, width)


def _columns() -> int:
    """``shutil.get_terminal_size().columns``: $COLUMNS, else the terminal's, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0 and sys.__stdout__ is not None:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (ValueError, OSError):
            columns = 0
    return columns or 80


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False, formatter_class=_Formatter)
    common.add_argument(
        "--data-dir", type=Path, default=argparse.SUPPRESS, help="data directory (./hato-data)"
    )
    common.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, help="TOML configuration file"
    )
    common.add_argument(
        "--store", default=argparse.SUPPRESS, metavar="URL", help="store url (postgresql://...)"
    )
    return common


def _serve_parser(commands: Commands) -> None:
    serve = commands.add_parser(
        "serve", parents=[_common()], help="run the mail server", formatter_class=_Formatter
    )
    serve.add_argument("--host", help="address to listen on (127.0.0.1)")
    serve.add_argument("--demo", action="store_true", help="classroom account and classroom mode")
    serve.add_argument("--trace", action="store_true", help="log every session's exchange")
    serve.add_argument("--standard-ports", action="store_true", help="use ports 25, 110, 143, ...")
    for service in SERVICES:
        serve.add_argument(f"--{service}", type=int, metavar="P", help=f"{service} port (0: off)")
    serve.set_defaults(run=_cmd_serve)


def _user_parser(commands: Commands) -> None:
    user = commands.add_parser("user", parents=[_common()], help="manage accounts")
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, helptext, run in (
        ("add", "create an account", _cmd_user_add),
        ("passwd", "change an account's password", _cmd_user_passwd),
    ):
        action = actions.add_parser(name, parents=[_common()], help=helptext)
        action.add_argument("name")
        action.add_argument("--password-stdin", action="store_true", help="read it from stdin")
        action.add_argument("--apop", action="store_true", help="also keep the APOP secret")
        action.set_defaults(run=run)
        if name == "add":
            action.add_argument("--admin", action="store_true", help="an administrator")
    admin = actions.add_parser("admin", parents=[_common()], help="make NAME an administrator")
    admin.add_argument("name")
    admin.add_argument("--off", action="store_true", help="take the flag away instead")
    admin.set_defaults(run=_cmd_user_admin)
    token = actions.add_parser(
        "token", parents=[_common()], help="a new API token for NAME (the old one stops working)"
    )
    token.add_argument("name")
    token.set_defaults(run=_cmd_user_token)
    delete = actions.add_parser("del", parents=[_common()], help="delete an account and its mail")
    delete.add_argument("name")
    delete.set_defaults(run=_cmd_user_del)
    listing = actions.add_parser("list", parents=[_common()], help="list accounts")
    listing.set_defaults(run=_cmd_user_list)
    from hato.cli_admin import add_quota_parser

    add_quota_parser(actions, _common())


def _lint_parser(commands: Commands) -> None:
    from hato.manners.cli import configure_parser

    lint = commands.add_parser("lint", parents=[_common()], help="check mail manners")
    configure_parser(lint)
    lint.set_defaults(run=_cmd_lint)


def _command(argv: Sequence[str] | None) -> str | None:
    """The command ``argv`` names, as far as the options common to all tell."""
    peek = argparse.ArgumentParser(add_help=False, parents=[_common()], formatter_class=_Formatter)
    peek.add_argument("command", nargs="?")
    peek.add_argument("rest", nargs=argparse.REMAINDER)
    command: str | None = peek.parse_known_args(argv)[0].command
    return command


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of ``command`` and the commands of its group (``_GROUPS``): the other
    groups' modules and what they import stay out of the process (about 1.5 MB and a
    tenth of a second for ``serve``, whose own parser is the only one it builds; Sieve's
    interpreter and the manners checker for the others). Every group's when ``command``
    is None or not one of them: ``hato --help``, or an unknown command's error."""
    parser = argparse.ArgumentParser(
        prog="hato",
        description="hato: a complete mail server",
        parents=[_common()],
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"hato {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    named = [add for names, add in _GROUPS if command in names]
    for add in named or [add for _, add in _GROUPS]:
        add(commands)
    return parser


def _admin_parsers(commands: Commands) -> None:
    from hato.cli_admin import add_admin_parsers

    add_admin_parsers(commands, _common)


def _store_parsers(commands: Commands) -> None:
    from hato.cli_store import add_store_parsers

    add_store_parsers(commands, _common)


def _sieve_parsers(commands: Commands) -> None:
    from hato.cli_sieve import add_sieve_parsers

    add_sieve_parsers(commands, _common)


def _import_parsers(commands: Commands) -> None:
    from hato.cli_import import add_import_parsers

    add_import_parsers(commands, _common)


def _dkim_parsers(commands: Commands) -> None:
    from hato.cli_dkim import add_dkim_parsers

    add_dkim_parsers(commands, _common)


def _index_parsers(commands: Commands) -> None:
    from hato.cli_index import add_index_parsers

    add_index_parsers(commands, _common)


def _class_parsers(commands: Commands) -> None:
    from hato.cli_class import add_class_parsers

    add_class_parsers(commands, _common)


#: The command groups, in the order ``hato --help`` lists them: the top-level commands each
#: adds, and what adds them (tests/e2e/test_cli.py checks that every command's parser
#: built alone is the one built with all).
_GROUPS: tuple[tuple[tuple[str, ...], Callable[[Commands], None]], ...] = (
    (("serve",), _serve_parser),
    (("user",), _user_parser),
    (("lint",), _lint_parser),
    (("alias", "queue"), _admin_parsers),
    (("migrate", "store"), _store_parsers),
    (("sieve",), _sieve_parsers),
    (("import", "export"), _import_parsers),
    (("dkim",), _dkim_parsers),
    (("index",), _index_parsers),
    (("class",), _class_parsers),
)


def _config(args: argparse.Namespace) -> Config:
    config = load_config(getattr(args, "config", None))
    if "data_dir" in args:
        config = config.with_changes(data_dir=args.data_dir)
    if "store" in args:
        config = config.with_changes(store_url=args.store)
    return config


def _cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from hato.server.app import run

    ports = dict(STANDARD_PORTS if args.standard_ports else config.ports)
    for service in SERVICES:
        port = getattr(args, service)
        if port is not None:
            if not 0 <= port <= 65535:
                raise CommandError(f"--{service}: not a port number: {port}")
            ports[service] = port
    config = config.with_changes(
        ports=ports,
        host=args.host or config.host,
        trace=args.trace,
        classroom=config.classroom or args.demo,
    )
    return run(config, demo=args.demo)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise CommandError("the passwords do not match")
    if not password:
        raise CommandError("the password must not be empty")
    return password


def _cmd_user_add(args: argparse.Namespace, config: Config) -> int:
    name = validate_username(args.name)
    password = _read_password(args.password_stdin)
    try:
        with_store(config, lambda store: add_user(store, name, password, args.apop, args.admin))
    except AccountExists as exc:
        raise CommandError(f"user {name} exists already") from exc
    print(f"hato: {'administrator' if args.admin else 'user'} {name} added")
    return 0


def _cmd_user_admin(args: argparse.Namespace, config: Config) -> int:
    name = validate_username(args.name)
    if not with_store(config, lambda store: store.set_admin(name, not args.off)):
        raise CommandError(f"no such user: {name}")
    print(f"hato: {name} is {'no longer ' if args.off else ''}an administrator")
    return 0


def _cmd_user_token(args: argparse.Namespace, config: Config) -> int:
    name = validate_username(args.name)
    token = with_store(config, lambda store: issue_token(store, name))
    if token is None:
        raise CommandError(f"no such user: {name}")
    print(token)  # alone on its line, for scripts: TOKEN=$(hato user token NAME)
    return 0


def _cmd_user_passwd(args: argparse.Namespace, config: Config) -> int:
    name = validate_username(args.name)
    password = _read_password(args.password_stdin)
    if not with_store(config, lambda store: set_password(store, name, password, args.apop)):
        raise CommandError(f"no such user: {name}")
    print(f"hato: password of {name} changed")
    return 0


def _cmd_user_del(args: argparse.Namespace, config: Config) -> int:
    name = validate_username(args.name)
    if not with_store(config, lambda store: store.delete_account(name)):
        raise CommandError(f"no such user: {name}")
    print(f"hato: user {name} deleted")
    return 0


def _cmd_user_list(args: argparse.Namespace, config: Config) -> int:
    for account in with_store(config, lambda store: store.list_accounts()):
        apop = "  (apop)" if account.credentials.apop_secret is not None else ""
        admin = "  (admin)" if account.admin else ""
        print(f"{account.name}{apop}{admin}")
    return 0


def _cmd_lint(args: argparse.Namespace, config: Config) -> int:
    from hato.manners import MannersSettings
    from hato.manners.cli import run

    try:
        settings = MannersSettings.from_mapping(config.manners)
    except ValueError as exc:
        raise CommandError(f"[manners]: {exc}") from exc
    return run(args, settings)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(_command(argv)).parse_args(argv)
    try:
        config = _config(args)
        configure_logging(config.log)
        use_argon2(config.passwords)
        result: int = args.run(args, config)
    except (CommandError, ConfigError, InvalidUsername, StoreError) as exc:
        print(f"hato: {exc}", file=sys.stderr)
        return 1 if args.command != "lint" else 2
    except KeyboardInterrupt:
        return 130
    return result
