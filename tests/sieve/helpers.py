"""Running a script against a message in tests."""

from __future__ import annotations

from datetime import UTC, datetime

from hato.sieve import Context, Envelope, MimeMessage, Result, compile_script, run

NOW = datetime(2026, 12, 4, 9, 30, 5, tzinfo=UTC)

MESSAGE = (
    b"Return-Path: <sender@example.org>\r\n"
    b"Date: Thu, 03 Dec 2026 23:15:00 -0800\r\n"
    b"From: Coyote <coyote@desert.example.org>\r\n"
    b"To: roadrunner+birds@acme.example.com, Other <other@example.net>\r\n"
    b"Cc: team@acme.example.com\r\n"
    b"Subject: =?UTF-8?Q?caf=C3=A9?= I have a present for you\r\n"
    b"Message-ID: <1234@desert.example.org>\r\n"
    b"X-Caffeine: C8H10N4O2\r\n"
    b"Received: from a by b; Thu, 03 Dec 2026 23:15:01 -0800\r\n"
    b"Received: from c by d; Thu, 03 Dec 2026 23:15:02 -0800\r\n"
    b"\r\n"
    b"Look, I'm sorry about the whole anvil thing, and I really\r\n"
    b"didn't mean to try and drop it on you from the top of the\r\n"
    b"cliff.  I want to make it up to you.\r\n"
)


def envelope(
    mail_from: str = "coyote@desert.example.org", rcpt_to: str = "roadrunner+birds@acme.example.com"
) -> Envelope:
    return Envelope(mail_from, rcpt_to)


def run_script(
    script: str, message: bytes = MESSAGE, context: Context | None = None, **fields: object
) -> Result:
    """Compile and run; ``fields`` go into the Context (envelope, now, callbacks ...)."""
    if context is None:
        values: dict[str, object] = {"envelope": envelope(), "now": NOW}
        values.update(fields)
        context = Context(**values)  # type: ignore[arg-type]
    return run(compile_script(script), MimeMessage(message), context)


def names(result: Result) -> list[str]:
    """Actions in short form: "keep", "fileinto:Box", "redirect:a@b", "reject", ..."""
    out = []
    for action in result.actions:
        kind = type(action).__name__.lower()
        target = getattr(action, "mailbox", None) or getattr(action, "address", None)
        out.append(f"{kind}:{target}" if target else kind)
    return out
