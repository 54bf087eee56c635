"""The log (README "Logging"), read from a real server's standard error.

One scenario runs per format: deliveries over SMTP, LMTP and submission (local
and queued), a relay attempt, logins over IMAP, POP3 and submission, good and
bad; the tests then read the lines it wrote.
"""

from __future__ import annotations

import base64
import imaplib
import json
import poplib
import re
import smtplib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import HatoProcess, free_port, hato
from tests.e2e.relay_peer import wait_until
from tests.e2e.test_smtp import tls_client_context

MESSAGE = b"From: alice@example.org\r\nSubject: hi\r\nMessage-ID: <m1@test>\r\n\r\nhello\r\n"
TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) \S+: ")


def scenario(tmp_path: Path, log_format: str, *args: str) -> list[str]:
    """Run the scenario on a fresh server; every line it printed."""
    config = (
        f'[log]\nformat = "{log_format}"\n[queue]\nretry = [600]\ntimeout = 2\n'
        f'[routes]\n"remote.test" = "127.0.0.1:{free_port()}"\n'  # nobody listens there
    )
    process = HatoProcess(
        tmp_path / "data", extra_config=config, args=args,
        services=("smtp", "lmtp", "submissions", "imap", "pop3"),
    )  # fmt: skip
    process.add_user("alice", "alice-pw")
    process.add_user("bob", "bob-pw")
    process.start()
    try:
        deliver(process)
        log_in(process)
        wait_until(lambda: "connection" in hato("queue", "list", data_dir=process.data_dir).stdout)
    finally:
        assert process.stop() == 0
    return process.output


def deliver(process: HatoProcess) -> None:
    with smtplib.SMTP("127.0.0.1", process.ports["smtp"], timeout=10) as smtp:
        smtp.sendmail("someone@else.test", ["bob@example.org"], MESSAGE)
    with smtplib.LMTP("127.0.0.1", process.ports["lmtp"], timeout=10) as lmtp:
        lmtp.sendmail("someone@else.test", ["alice@example.org"], MESSAGE)
    with smtplib.SMTP_SSL(
        "127.0.0.1", process.ports["submissions"], timeout=10, context=tls_client_context()
    ) as smtp:
        smtp.login("alice", "alice-pw")
        smtp.sendmail("alice@example.org", ["bob@example.org", "zoe@remote.test"], MESSAGE)


def log_in(process: HatoProcess) -> None:
    imap = imaplib.IMAP4("127.0.0.1", process.ports["imap"], timeout=10)
    with pytest.raises(imaplib.IMAP4.error):
        imap.login('" Bob"', "wrong")
    imap.login("bob", "bob-pw")
    imap.logout()
    pop = poplib.POP3("127.0.0.1", process.ports["pop3"], timeout=10)
    pop.user("alice")
    pop.pass_("alice-pw")
    pop.quit()
    with smtplib.SMTP_SSL(
        "127.0.0.1", process.ports["submissions"], timeout=10, context=tls_client_context()
    ) as smtp:
        smtp.ehlo()
        code, _ = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0bob\0nope").decode())
        assert code == 535


@pytest.fixture(scope="module")
def json_log(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return scenario(tmp_path_factory.mktemp("json"), "json")


@pytest.fixture(scope="module")
def text_log(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return scenario(tmp_path_factory.mktemp("text"), "text", "--trace")


def records(lines: list[str]) -> list[dict[str, Any]]:
    """The JSON lines: everything but the ``hato: ...`` announcements on stdout."""
    return [json.loads(line) for line in lines if not line.startswith("hato: ")]


def events(lines: list[str], message: str) -> Iterator[dict[str, Any]]:
    return (r for r in records(lines) if r["message"] == message)


def test_json_lines_parse_and_carry_time_and_level(json_log: list[str]) -> None:
    found = records(json_log)
    assert found and all(re.fullmatch(r"\d{4}-.*T.*Z", r["time"]) for r in found)
    assert {r["level"] for r in found} <= {"debug", "info", "warning", "error"}


def test_one_line_per_delivery(json_log: list[str]) -> None:
    deliveries = {
        (r["protocol"], r["result"], tuple(r["to"])): r for r in events(json_log, "delivery")
    }
    size = len(MESSAGE)
    smtp = deliveries["ESMTP", "delivered", ("bob@example.org",)]
    assert smtp["from"] == "someone@else.test" and smtp["size"] == size
    assert smtp["message_id"] == "<m1@test>" and re.fullmatch(r"[0-9A-F]{12}", smtp["id"])
    assert ("LMTP", "delivered", ("alice@example.org",)) in deliveries
    local = deliveries["ESMTPSA", "delivered", ("bob@example.org",)]
    queued = deliveries["ESMTPSA", "queued", ("zoe@remote.test",)]
    assert local["id"] == queued["id"] and local["from"] == "alice@example.org"
    assert isinstance(queued["queue"], int)


def test_a_delivery_refused_by_the_manners_policy_is_logged(tmp_path: Path) -> None:
    config = '[log]\nformat = "json"\n[manners]\npolicy = "reject"\n'
    process = HatoProcess(tmp_path / "data", services=("submissions",), extra_config=config)
    process.add_user("alice", "alice-pw")
    process.start()
    try:
        with smtplib.SMTP_SSL(
            "127.0.0.1", process.ports["submissions"], timeout=10, context=tls_client_context()
        ) as smtp:
            smtp.login("alice", "alice-pw")
            with pytest.raises(smtplib.SMTPDataError):
                smtp.sendmail("alice@example.org", ["alice@example.org"], b"\r\nhi\r\n")
    finally:
        assert process.stop() == 0
    (refused,) = events(process.output, "delivery")
    assert refused["result"] == "rejected" and refused["reason"] == "manners"
    assert refused["to"] == ["alice@example.org"] and refused["from"] == "alice@example.org"


def test_one_line_per_relay_attempt(json_log: list[str]) -> None:
    (relay,) = events(json_log, "relay")
    assert relay["to"] == "zoe@remote.test" and relay["result"] == "deferred"
    assert relay["level"] == "warning" and "connection" in relay["reply"]


def test_one_line_per_login(json_log: list[str]) -> None:
    logins = [
        (r["protocol"], r["account"], r["address"], r["method"], r["result"])
        for r in events(json_log, "login")
    ]
    assert logins == [
        ("submission", "alice", "127.0.0.1", "PLAIN", "ok"),
        ("imap", "bob", "127.0.0.1", "LOGIN", "failed"),
        ("imap", "bob", "127.0.0.1", "LOGIN", "ok"),
        ("pop3", "alice", "127.0.0.1", "USER", "ok"),
        ("submission", "bob", "127.0.0.1", "PLAIN", "failed"),
    ]


def test_auth_warns_of_nothing_deprecated(json_log: list[str]) -> None:
    """aiosmtpd's own ``login_data is deprecated`` warning after every AUTH is gone."""
    assert not [line for line in json_log if "deprecated" in line]


def test_text_lines_have_time_level_and_fields(text_log: list[str]) -> None:
    lines = [line for line in text_log if not line.startswith("hato: ")]
    assert lines and all(TEXT_LINE.match(line) for line in lines)
    login = next(line for line in lines if " login " in line and "result=failed" in line)
    assert "protocol=imap account=bob address=127.0.0.1 method=LOGIN result=failed" in login
    assert any(" delivery " in line and "to=bob@example.org" in line for line in lines)


def test_trace_lines_have_time_stamps(text_log: list[str]) -> None:
    traced = [line for line in text_log if " hato.trace: " in line]
    assert any(line.endswith(" C: QUIT") for line in traced)
    assert all(TEXT_LINE.match(line) for line in traced)
