"""The server's modules do not import the mail-authentication libraries or cryptography
at their top: a `hato serve` that never checks, signs or looks anything up does not
hold them (docs/architecture.md, "Libraries imported where used")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

LAZY = ("dns", "dkim", "spf", "cryptography", "nacl", "tqdm", "passlib")


def _loaded(modules: str, packages: tuple[str, ...]) -> str:
    """Which of ``packages`` a fresh interpreter holds once it imported ``modules``."""
    program = (
        f"import sys, {modules}; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({packages!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


@pytest.mark.parametrize("module", ["hato.server.app", "hato.web.app", "hato.cli"])
def test_importing_the_server_leaves_them_out(module: str) -> None:
    assert _loaded(module, LAZY) == "[]"


#: the web console's libraries, which the relay's MTA-STS fetch uses too
WEB = ("aiohttp", "jinja2", "markupsafe", "yarl", "multidict")


def test_serving_mail_leaves_the_web_libraries_out() -> None:
    """The web console is loaded by its first connection (hato.server.on_demand), and an
    MTA-STS policy's fetch imports aiohttp then (hato.mailauth.sts_fetch)."""
    modules = "hato.server.app, hato.delivery.queue, hato.delivery.relay, hato.web.session"
    assert _loaded(modules, WEB) == "[]"


def test_they_are_imported_when_first_used() -> None:
    """A query for what cannot be a DNS name (an empty label) is answered by dnspython's
    name parser, imported by that first query, without a packet."""
    program = (
        "import sys, asyncio; from hato.mailauth.resolver import Resolver; "
        "answer = asyncio.run(Resolver([('127.0.0.1', 9)], timeout=0.2).query('a..b', 'A')); "
        "print(answer.exists, 'dns' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.stdout.strip() == "False True", done.stderr


#: the other commands' modules, and what only they import
COMMANDS = ("hato.cli_admin", "hato.cli_import", "hato.cli_sieve", "hato.migrate")


def _modules_loaded(program: str, modules: tuple[str, ...]) -> str:
    """Which of ``modules`` a fresh interpreter holds once it ran ``program``."""
    program += f"; import sys; print(sorted(set(sys.modules) & set({modules!r})))"
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


def test_a_command_leaves_the_other_commands_out() -> None:
    """``hato serve`` builds its own parser only (hato.cli.build_parser), another command
    its group's; ``hato --help`` (no command) all of them."""
    serve = "from hato.cli import build_parser, _command; import hato.server.app; "
    serving = serve + "build_parser(_command(['--data-dir', 'd', 'serve', '--smtp', '0']))"
    assert _modules_loaded(serving, COMMANDS) == "[]"
    listing = serve + "build_parser(_command(['user', 'list']))"  # its quota action's module
    assert _modules_loaded(listing, COMMANDS) == "['hato.cli_admin']"
    importing = serve + "build_parser(_command(['import', 'maildir', 'M', '--user', 'a']))"
    assert _modules_loaded(importing, COMMANDS) == "['hato.cli_import', 'hato.migrate']"
    helping = serve + "build_parser(_command(['--help']))"
    assert _modules_loaded(helping, COMMANDS) == str(sorted(COMMANDS))


def test_serve_reads_its_command_line_without_shutil() -> None:
    """argparse's own help formatter imports shutil (with bz2 and lzma) for the terminal's
    width, at every argument added; serve's parsers read it themselves (hato.cli)."""
    argv = ["--data-dir", "d", "serve", "--smtp", "0"]
    serving = f"from hato.cli import build_parser, _command; build_parser(_command({argv}))"
    assert _modules_loaded(serving, ("shutil", "bz2", "lzma")) == "[]"


@pytest.mark.parametrize("columns", [50, 120])
def test_serve_help_is_as_wide_as_the_terminal(columns: int) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hato", "serve", "--help"],
        env={**os.environ, "COLUMNS": str(columns)}, capture_output=True, text=True,
        check=True, timeout=120,
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert lines[0].startswith("usage: hato serve")
    assert columns - 10 <= max(map(len, lines)) <= columns - 2


#: what a server loads by the first use of each, not at start
ON_FIRST_USE = (
    "hato.imap.session",  # the first IMAP connection (hato.server.on_demand)
    "hato.proto.imap",  # with the IMAP sessions, Sieve's interpreter, the first BURL
    "hato.server.managesieve",  # the first ManageSieve connection
    "hato.sieve",  # the first delivery with a script to run
    "hato.manners._lint",  # the first message the linter checks
    "hato.delivery.relay",  # the first message the queue has due
    "aiosmtplib",
    "prometheus_client",  # the first /metrics page
)


def test_the_serving_modules_leave_out_what_is_loaded_on_first_use() -> None:
    """What ``Server.start`` imports, with a message counted and one delivered to an account
    without a script (hato.delivery.filtering decides KEEP before importing hato.sieve)."""
    program = (
        "import hato.server.app, hato.server.pop3, hato.server.smtp, hato.delivery.queue; "
        "import hato.delivery.submission, hato.delivery.manners_policy, hato.manners; "
        "from hato import metrics; metrics.opened('pop3'); metrics.login('pop3', True); "
        "hato.manners.MannersSettings.from_mapping({})"
    )
    assert _modules_loaded(program, ON_FIRST_USE) == "[]"


def test_the_first_use_loads_it() -> None:
    """The names that import on first use: the linter's (PEP 562), the metrics page's."""
    program = (
        "import hato.manners; hato.manners.lint_message; "
        "from hato import metrics; metrics.exposition(); "
        "from hato.delivery.filtering import SieveFilter; "
        "SieveFilter(None, (), 'h').compiled('keep;')"
    )
    assert _modules_loaded(program, ON_FIRST_USE) == str(
        sorted({"hato.manners._lint", "prometheus_client", "hato.sieve", "hato.proto.imap"})
    )


def test_a_manners_name_that_is_not_there_is_an_attribute_error() -> None:
    import hato.manners

    with pytest.raises(AttributeError, match="no_such_rule"):
        hato.manners.no_such_rule  # noqa: B018 - the lookup is the test
