"""HELP on hato's SMTP-family listeners (RFC 5321 §4.1.1.8) names the commands each one
answers: aiosmtpd reads a command's syntax from the method that answers it, so hato's
overrides (EHLO, HELO, LHLO, submission's DATA and BURL) must carry it too."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("help") / "data"
    process = HatoProcess(data, services=("smtp", "lmtp", "submission")).add_users("alice")
    process.start()
    yield process
    assert process.stop() == 0


def _help(client: smtplib.SMTP, *command: str) -> tuple[int, str]:
    code, text = client.docmd("HELP", " ".join(command))
    return code, text.decode()


def _supported(text: str) -> set[str]:
    assert "Supported commands:" in text, text
    return set(text.split("Supported commands:")[1].split())


def test_smtp_names_ehlo_helo_and_data(server: HatoProcess) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30) as client:
        client.ehlo("client.test")
        assert {"EHLO", "HELO", "DATA", "MAIL", "RCPT"} <= _supported(_help(client)[1])
        assert _help(client, "EHLO") == (250, "2.0.0 Syntax: EHLO hostname")
        assert _help(client, "DATA") == (250, "2.0.0 Syntax: DATA")


def test_lmtp_names_lhlo_and_not_ehlo_or_helo(server: HatoProcess) -> None:
    with smtplib.LMTP("127.0.0.1", server.ports["lmtp"], timeout=30) as client:
        client.ehlo("client.test")  # LHLO
        supported = _supported(_help(client)[1])
        assert "LHLO" in supported and "DATA" in supported
        assert not supported & {"EHLO", "HELO"}  # not LMTP commands (RFC 2033 §4.1)
        assert _help(client, "LHLO") == (250, "2.0.0 Syntax: LHLO hostname")


def test_submission_names_data_and_burl(server: HatoProcess) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["submission"], timeout=30) as client:
        client.starttls(context=ssl._create_unverified_context())  # submission's first step
        client.ehlo("client.test")
        client.login("alice", "alice-pw")  # and HELP waits for AUTH there
        code, text = _help(client, "DATA")
        assert (code, text) == (250, "2.0.0 Syntax: DATA"), text
        assert {"DATA", "BURL", "EHLO"} <= _supported(_help(client)[1])
