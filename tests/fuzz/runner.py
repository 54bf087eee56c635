"""One ``hato serve`` under fuzz, and one fuzz case run against it with every check.

A case fails on: a command left unanswered (``Unanswered``), an answer that
shows an internal error (``[SERVERBUG]``, aiosmtpd's ``Error: (SomeException)``),
a traceback or unhandled-exception text in hato's output, the process gone,
a fresh connection that is not greeted and answered, or the resident memory
grown past ``RSS_GROWTH_MIB`` over what it was after start-up.

Adding a protocol (ManageSieve, when it has a listener) is one ``Driver``: its
service name, a ``Dialogue`` subclass for its framing (ManageSieve's literals
are IMAP's: tests/fuzz/imap.py shows how) and a corpus in tests/fuzz/corpus.py.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness import HatoProcess
from tests.fuzz import corpus
from tests.fuzz.dialogue import Dialogue, Limits
from tests.fuzz.imap import ImapDialogue
from tests.fuzz.mutate import Case
from tests.fuzz.pop3 import Pop3Dialogue
from tests.fuzz.smtp import LmtpDialogue, SmtpDialogue
from tests.fuzz.wire import Wire

__all__ = ["DRIVERS", "Driver", "FuzzServer"]

LIMITS = Limits(line=65536, literal=100_000)
CONFIG = f"""\
[limits]
message_size = {LIMITS.literal}
line_length = {LIMITS.line}
login_delay_base = 0.001
login_delay_max = 0.01
"""
ANSWER_TIMEOUT = float(os.environ.get("HATO_FUZZ_TIMEOUT", "10"))
RSS_GROWTH_MIB = int(os.environ.get("HATO_FUZZ_RSS_MIB", "200"))
#: Text in hato's output that means an exception escaped (logging's and asyncio's words).
LOG_ALARMS = (
    "Traceback", "Internal error", "nhandled exception", "exception was never retrieved",
    "Exception in callback", "Error: (",
)  # fmt: skip
#: Text in an answer that means the same, told to the client.
ANSWER_ALARMS = (
    b"SERVERBUG", b"Internal error", b"internal server error", b"Error: (", b"Traceback",
)  # fmt: skip
STOCK_EVERY = 25  # cases; POP3 DELE and IMAP EXPUNGE empty the INBOX otherwise


@dataclass(frozen=True)
class Driver:
    """One listener to fuzz: its framing, and its states and seeds (tests/fuzz/corpus.py)."""

    name: str
    dialogue: type[Dialogue]
    protocol: Mapping[str, Mapping[str, Sequence[bytes]]]
    tls: bool = False

    @property
    def states(self) -> Mapping[str, Sequence[bytes]]:
        return self.protocol["states"]

    @property
    def corpus(self) -> Mapping[str, Sequence[bytes]]:
        return self.protocol["corpus"]


DRIVERS = (
    Driver("imap", ImapDialogue, corpus.IMAP),
    Driver("pop3", Pop3Dialogue, corpus.POP3),
    Driver("smtp", SmtpDialogue, corpus.SMTP),
    Driver("lmtp", LmtpDialogue, corpus.LMTP),
    Driver("submission", SmtpDialogue, corpus.SUBMISSION),
    Driver("submissions", SmtpDialogue, corpus.SUBMISSIONS, tls=True),
)


class FuzzServer:
    def __init__(self, data_dir: Path) -> None:
        services = tuple(driver.name for driver in DRIVERS)
        self.hato = HatoProcess(data_dir, services=services, extra_config=CONFIG)
        self.hato.add_user(corpus.USER, corpus.PASSWORD)
        self.hato.add_user("bob", "bob-pw")
        self.hato.start()
        self.cases = 0
        self.stock()
        self.rss_limit = self.hato.rss_kib() + RSS_GROWTH_MIB * 1024

    def stop(self) -> int:
        return self.hato.stop()

    def stock(self) -> None:
        """Three small messages for alice, so that RETR 1 and FETCH 1 find something."""
        with smtplib.LMTP("127.0.0.1", self.hato.ports["lmtp"], timeout=ANSWER_TIMEOUT) as lmtp:
            for _ in range(3):
                lmtp.sendmail("bob@example.org", ["alice@example.org"], corpus.MESSAGE)

    def run(self, driver: Driver, case: Case) -> None:
        self.cases += 1
        if self.cases % STOCK_EVERY == 0:
            self.stock()
        wire = self.connect(driver)
        dialogue = driver.dialogue(wire, LIMITS, tls_garbage=case.tls_garbage)
        try:
            dialogue.greet()
            for line in driver.states[case.state]:
                dialogue.feed(line + b"\r\n")
                assert dialogue.answers and dialogue.positive(dialogue.answers[-1]), line
            dialogue.feed(case.payload)
            if case.finish:
                dialogue.finish()
        except AssertionError as error:
            raise AssertionError(f"{error}\n{wire.tail()}") from error
        finally:
            wire.hang_up()
        self.check(driver, wire)

    def connect(self, driver: Driver) -> Wire:
        return Wire(self.hato.ports[driver.name], tls=driver.tls, timeout=ANSWER_TIMEOUT)

    def check(self, driver: Driver, wire: Wire) -> None:
        """The server is alive, answers a new client, and said nothing alarming."""
        assert self.hato.process is not None
        assert self.hato.process.poll() is None, f"hato died: {self.hato.new_output()[-40:]}"
        told = b"".join(data for who, data in wire.transcript if who == "S")
        assert not any(alarm in told for alarm in ANSWER_ALARMS), wire.tail()
        self.probe(driver)
        printed = self.hato.new_output()
        assert not any(alarm in line for line in printed for alarm in LOG_ALARMS), printed
        rss = self.hato.rss_kib()
        assert rss <= self.rss_limit, f"hato grew to {rss} KiB (limit {self.rss_limit} KiB)"

    def probe(self, driver: Driver) -> None:
        wire = self.connect(driver)
        try:
            dialogue = driver.dialogue(wire, LIMITS)
            dialogue.greet()
            dialogue.feed(dialogue.probe)
            assert dialogue.answers, f"a new {driver.name} client was not answered"
        finally:
            wire.hang_up()
