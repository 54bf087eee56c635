"""The manners policy on submission, warn and reject, over real sockets."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from tests.e2e.harness import HatoProcess, inbox_messages

POLITE = (
    "山田様\n\nいつもお世話になっております。情報科学科の鈴木です。\n"
    "来週の演習の資料をお送りします。\n\nよろしくお願いいたします。\n\n鈴木 一郎\n"
)


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _start(tmp_path_factory: pytest.TempPathFactory, policy: str, language: str) -> HatoProcess:
    data = tmp_path_factory.mktemp(policy) / "data"
    extra = f'[manners]\npolicy = "{policy}"\nlanguage = "{language}"\n'
    process = HatoProcess(data, services=("smtp", "submissions"), extra_config=extra)
    for name in ("alice", "bob"):
        process.add_user(name, f"{name}-pw")
    return process.start()


@pytest.fixture(scope="module")
def warn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = _start(tmp_path_factory, "warn", "en")
    yield process
    assert process.stop() == 0


@pytest.fixture(scope="module")
def reject(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = _start(tmp_path_factory, "reject", "ja")
    yield process
    assert process.stop() == 0


def _message(subject: str | None, body: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Alice <alice@example.org>"
    message["To"] = "Bob <bob@example.org>"
    if subject is not None:
        message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def _submit(server: HatoProcess, message: EmailMessage, utf8: bool = False) -> None:
    port = server.ports["submissions"]
    with smtplib.SMTP_SSL("127.0.0.1", port, context=_tls(), timeout=30) as smtp:
        smtp.login("alice", "alice-pw")
        options = ["SMTPUTF8"] if utf8 else []
        smtp.send_message(message, mail_options=options)


def test_warn_delivers_and_reports_to_the_sender(warn: HatoProcess) -> None:
    before = len(inbox_messages(warn.data_dir, "alice"))
    _submit(warn, _message(None, POLITE))
    assert inbox_messages(warn.data_dir, "bob")[-1].endswith(b"\n")
    reports = inbox_messages(warn.data_dir, "alice")[before:]
    assert len(reports) == 1
    assert b"no-subject" in reports[0]
    assert b"Subject: =?utf-8?" in reports[0]


def test_warn_is_quiet_for_a_polite_message(warn: HatoProcess) -> None:
    before = len(inbox_messages(warn.data_dir, "alice"))
    bob_before = len(inbox_messages(warn.data_dir, "bob"))
    _submit(warn, _message("演習の資料", POLITE))
    assert len(inbox_messages(warn.data_dir, "bob")) == bob_before + 1
    assert len(inbox_messages(warn.data_dir, "alice")) == before


def test_reject_refuses_with_the_findings(reject: HatoProcess) -> None:
    before = len(inbox_messages(reject.data_dir, "bob"))
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _submit(reject, _message(None, POLITE))
    assert refused.value.smtp_code == 550
    text = refused.value.smtp_error.decode("utf-8")
    assert text.startswith("5.7.1") and "no-subject" in text
    assert text.isascii()  # no SMTPUTF8 from the client: English, not the configured Japanese
    assert len(inbox_messages(reject.data_dir, "bob")) == before


def test_reject_speaks_the_configured_language_to_smtputf8_clients(reject: HatoProcess) -> None:
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _submit(reject, _message("件名 ①", POLITE), utf8=True)
    text = refused.value.smtp_error.decode("utf-8")
    assert "machine-dependent-chars" in text
    assert not text.isascii()


def test_reject_looks_up_the_quoted_message_in_the_senders_mailboxes(reject: HatoProcess) -> None:
    original = _message(
        "相談", "鈴木様\n\n相談があります。\n\n山田\n", Message_ID="<q1@remote.example>"
    )
    original.replace_header("From", "Yamada <yamada@remote.example>")
    original.replace_header("To", "Alice <alice@example.org>")
    with smtplib.SMTP("127.0.0.1", reject.ports["smtp"]) as mx:
        mx.send_message(original)
    reply = _message(
        "Re: 相談",
        "山田様\n\n鈴木です。お返事します。\n\n> 相談があります。\n\n鈴木\n",
        In_Reply_To="<q1@remote.example>",
    )
    reply.replace_header("To", "Yamada <yamada@remote.example>, Bob <bob@example.org>")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _submit(reject, reply)
    assert "quoted-to-new-recipients" in refused.value.smtp_error.decode()
