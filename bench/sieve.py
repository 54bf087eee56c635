"""``python -m bench.sieve``: what Sieve costs, without a server (hato.sieve is pure).

Rows: parsing and validating a 1 MB script; parsing a message for Sieve (``MimeMessage``);
running a 20-rule script (headers, addresses, envelope, body, :matches, :regex, a
vacation) against it. With ``--delivery N``, also the LMTP delivery rate of a real
``hato serve`` (N generated messages, several connections) with no script active, then
with the 20-rule script active for the account.

``make bench``'s row "LMTP delivery, 4 connections, 20-rule Sieve script active"
(``filtered_delivery``, hato only) sets the same script active through the web console's
rules page, delivers ``FILTERED_COUNT`` more generated messages (fewer if the mailbox is
smaller), then leaves no script active: the row to set beside the table's first one, the
delivery with none.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.hato_server import hato_command, running_hato
from bench.load import deliver
from bench.mailbox import generate
from bench.target import Target
from bench.web_api import _session_cookie
from hato.sieve import Context, Envelope, MimeMessage, compile_script, run

if TYPE_CHECKING:  # bench.measurements lists this module's row
    from bench.measurements import Context as BenchContext

RULES_20 = """require ["fileinto", "envelope", "body", "regex", "variables", "vacation",
                "imap4flags", "subaddress", "relational", "comparator-i;ascii-numeric"];
if header :contains "list-id" "hato-users" { fileinto "Lists.hato"; stop; }
if header :contains "list-id" "python-dev" { fileinto "Lists.python"; stop; }
if address :domain :is "from" "bank.example" { fileinto "Money"; addflag "\\\\Flagged"; }
if address :is "from" ["boss@work.example", "cto@work.example"] { addflag "\\\\Flagged"; }
if header :matches "subject" "*[SPAM]*" { fileinto "Junk"; stop; }
if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "5" { fileinto "Junk"; }
if envelope :detail "to" "shop" { fileinto "Shopping"; }
if header :regex "subject" "^(invoice|receipt) #[0-9]+" { fileinto "Receipts"; }
if body :contains ["unsubscribe", "opt out"] { fileinto "Newsletters"; }
if exists "x-mailing-list" { fileinto "Lists"; }
if size :over 5M { fileinto "Large"; }
if header :contains "subject" "meeting" { addflag "meeting"; }
if address :localpart :is "to" "postmaster" { fileinto "Admin"; }
if header :contains "x-mailer" "bulk-o-matic" { fileinto "Bulk"; }
if header :matches "from" "*@*.example.org" { set "domain" "${2}"; }
if anyof (header :contains "subject" "urgent", header :contains "priority" "high") {
  addflag "\\\\Urgent"; }
if not exists "date" { fileinto "NoDate"; }
if header :contains "cc" "team@acme.example.com" { fileinto "Team"; }
if address :user "to" "roadrunner" { addflag "personal"; }
vacation :days 7 :subject "Away" "I am away until Monday.";
"""

MESSAGE = (
    b"Date: Thu, 03 Dec 2026 23:15:00 -0800\r\n"
    b"From: Coyote <coyote@desert.example.org>\r\n"
    b"To: roadrunner+shop@acme.example.com\r\nCc: team@acme.example.com\r\n"
    b"Subject: Invoice #1234 for the anvil\r\nMessage-ID: <1@desert.example.org>\r\n\r\n"
    + b"Look, I'm sorry about the whole anvil thing.\r\n"
    * 200
)


def _median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    rule = 'if header :contains "subject" "word" { keep; }\n'
    big = rule * ((1 << 20) // len(rule))
    program = compile_script(RULES_20)
    context = Context(Envelope("coyote@desert.example.org", "roadrunner+shop@acme.example.com"),
                      now=datetime.now(UTC))  # fmt: skip
    message = MimeMessage(MESSAGE)
    empty = compile_script("")
    size = f"{len(MESSAGE):,}"
    rows = [
        (
            "parse + validate a 1 MB script (21,845 rules)",
            _median_ms(lambda: compile_script(big), 3),
        ),
        ("parse + validate the 20-rule script", _median_ms(lambda: compile_script(RULES_20), 50)),
        (f"MimeMessage of a {size}-octet message", _median_ms(lambda: MimeMessage(MESSAGE), 200)),
        ("run the 20-rule script on it", _median_ms(lambda: run(program, message, context), 200)),
        ("run an empty script on it", _median_ms(lambda: run(empty, message, context), 200)),
    ]
    print(f"| {'what':<52} | median ms |\n|{'-' * 54}|-----------|")
    for label, value in rows:
        print(f"| {label:<52} | {value:9.3f} |")


def delivery_rates(count: int) -> tuple[float, float]:
    """Messages a second over LMTP into one account: without a script, then with RULES_20."""
    mailbox = generate(count)
    with tempfile.TemporaryDirectory() as tmp, running_hato(Path(tmp) / "run") as target:
        plain = deliver(target, mailbox)
        where = ["--data-dir", str(Path(tmp) / "run" / "hato-data-1")]
        where += ["--config", str(Path(tmp) / "run" / "hato.toml")]
        for action in (
            ["put", "--user", target.user, "bench"],
            ["activate", "--user", target.user, "bench"],
        ):
            subprocess.run(  # noqa: S603 - the command is hato itself, no shell
                [*hato_command(), "sieve", *action, *where], input=RULES_20, text=True, check=True
            )
        filtered = deliver(target, mailbox)
    return plain, filtered


FILTERED_COUNT = 2000
_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def _web_form(target: Target, cookie: str, path: str, form: dict[str, str]) -> None:
    """POST a rules page's form with the session's CSRF token; it answers 303 when done."""
    connection = http.client.HTTPConnection(target.host, target.ports["http"], timeout=120)
    try:
        connection.request("GET", "/rules", headers={"Cookie": cookie})
        found = _CSRF.search(connection.getresponse().read().decode())
        body = urllib.parse.urlencode({**form, "csrf": found.group(1) if found else ""})
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 303:
        raise RuntimeError(f"{target.name}: POST {path} answered {response.status}")


def filtered_delivery(target: Target, context: BenchContext) -> float:
    """Messages a second over LMTP with RULES_20 active (set through the rules page)."""
    cookie = _session_cookie(target)
    _web_form(target, cookie, "/rules/script", {"name": "bench", "text": RULES_20})
    _web_form(target, cookie, "/rules/activate", {"name": "bench"})
    target.settled()  # the rows before's indexing done first, untimed
    try:
        return deliver(target, generate(min(FILTERED_COUNT, context.count), context.seed + 1))
    finally:
        _web_form(target, cookie, "/rules/activate", {"name": ""})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.sieve")
    parser.add_argument("--delivery", type=int, metavar="N", help="also deliver N messages")
    options = parser.parse_args()
    main()
    if options.delivery:
        plain, filtered = delivery_rates(options.delivery)
        print(
            f"\nLMTP delivery, {options.delivery} messages: {plain:,.0f}/s without a script, "
            f"{filtered:,.0f}/s with the 20-rule script ({filtered / plain:.0%})"
        )
