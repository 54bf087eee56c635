"""Helpers for the manners tests: build a message from a body and lint it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from hato.manners import Finding, MannersSettings, lint_message

FIXTURES = Path(__file__).parent / "fixtures"

Build = Callable[..., bytes]
Lint = Callable[..., list[Finding]]


def build_message(
    body: str = "山田様\n\n鈴木です。\n\n鈴木\n",
    *,
    subject: str | None = "連絡",
    sender: str = "鈴木 <suzuki@example.ac.jp>",
    to: str = "yamada@example.ac.jp",
    charset: str = "utf-8",
    subtype: str = "plain",
    **headers: str,
) -> bytes:
    """Return the bytes of a one-part message; extra headers as keyword arguments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if subject is not None:
        message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body, subtype=subtype, charset=charset)
    return message.as_bytes(policy=SMTP)


@pytest.fixture
def build() -> Build:
    """The message builder."""
    return build_message


@pytest.fixture
def lint() -> Lint:
    """Lint a message built from keyword arguments; ``mailbox`` and settings apart."""

    def run(
        body: str = "山田様\n\n鈴木です。\n\n鈴木\n",
        *,
        mailbox: Sequence[bytes] = (),
        settings: MannersSettings | None = None,
        **kwargs: str,
    ) -> list[Finding]:
        raw = build_message(body, **kwargs)
        return lint_message(raw, settings or MannersSettings(), mailbox)

    return run


@pytest.fixture
def lint_ids(lint: Lint) -> Callable[..., list[str]]:
    """Like ``lint``, but return only the rule ids found."""

    def run(*args: object, **kwargs: object) -> list[str]:
        return [finding.rule for finding in lint(*args, **kwargs)]

    return run
