"""``hato lint [--format text|json] [--lang ja|en] FILE...``: the manners linter.

Exit status: 0 when no file has a finding, 1 when any has, 2 when a file could not be read
or parsed (the other files are still checked). Files given together are one mailbox, in
which ``quoted-to-new-recipients`` finds the replied-to message.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

from hato.manners._findings import Lang
from hato.manners._lint import index_mailbox, lint_mail
from hato.manners._mail import Mail, ParseError, parse_mail
from hato.manners._output import FileResult, text_lines, to_json
from hato.manners._rule import Context
from hato.manners._settings import MannersSettings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the lint command's options and arguments to *parser*."""
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--lang",
        choices=("ja", "en"),
        default=None,
        help="language of the messages (default: from LC_ALL, LC_MESSAGES or LANG)",
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="RFC 5322 message (.eml); - for stdin"
    )


def locale_language(environ: Mapping[str, str]) -> Lang:
    """Return "ja" when the effective message locale is Japanese, else "en"."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := environ.get(variable):
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def _read(name: str) -> bytes:
    """Read a file's bytes; "-" is standard input."""
    if name == "-":
        return sys.stdin.buffer.read()
    with open(name, "rb") as file:
        return file.read()


def _load(name: str) -> Mail | str:
    """Parse the file *name*; return the error message when it cannot be."""
    try:
        return parse_mail(_read(name))
    except OSError as error:
        return f"cannot read: {error.strerror or error}"
    except ParseError as error:
        return f"cannot parse: {error}"


def check_files(names: list[str], settings: MannersSettings) -> list[FileResult]:
    """Lint the files *names* as one mailbox."""
    loaded = {name: _load(name) for name in dict.fromkeys(names)}
    mails = [mail for mail in loaded.values() if isinstance(mail, Mail)]
    context = Context(settings, index_mailbox(mails))
    return [
        FileResult(name, tuple(lint_mail(mail, context)))
        if isinstance(mail, Mail)
        else FileResult(name, error=mail)
        for name, mail in loaded.items()
    ]


def exit_status(results: list[FileResult]) -> int:
    """Return 2 if any file failed, else 1 if any has findings, else 0."""
    if any(result.error is not None for result in results):
        return EXIT_UNREADABLE
    return EXIT_FINDINGS if any(result.findings for result in results) else EXIT_CLEAN


def run(args: argparse.Namespace, settings: MannersSettings) -> int:
    """Run ``hato lint`` with parsed *args*; return the exit status."""
    lang: Lang = args.lang or locale_language(os.environ)
    results = check_files(list(args.files), settings)
    for result in results:
        if result.error is not None:
            print(f"hato lint: {result.file}: {result.error}", file=sys.stderr)
    if args.format == "json":
        print(to_json(results, lang))
    else:
        for line in text_lines(results, lang):
            print(line)
    return exit_status(results)
