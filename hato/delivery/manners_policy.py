"""The manners policy on submission: ``[manners] policy = off | warn | reject``.

- ``warn``: the mail goes out as usual, and a short report of what the linter
  found is delivered into the sender's own INBOX, in the configured language.
- ``reject``: the mail is refused with ``550 5.7.1`` and the findings in the
  reply text (a classroom setting). SMTP reply text is ASCII unless the client
  asked for SMTPUTF8 (RFC 6531 §3.7.4), so Japanese findings fall back to
  English for a client that did not.

``quoted-to-new-recipients`` needs the message a reply answers: it is looked up
by In-Reply-To/References among the sender's own mailboxes.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.header import Header

from hato.manners import Finding, Lang, MannersSettings, report
from hato.store.base import INBOX, Delivery, Mailstore, Store
from hato.store.meta import message_meta

__all__ = ["MannersPolicy"]

_MESSAGE_ID = re.compile(rb"<[^<>\s]+>")
_REPLY_FIELDS = re.compile(rb"^(?:in-reply-to|references):(.*(?:\r\n[ \t].*)*)", re.I | re.M)
_SUBJECTS: dict[Lang, str] = {"en": "Mail manners: ", "ja": "メールのマナー: "}
_INTROS: dict[Lang, str] = {
    "en": "hato delivered your message, but it found these points of mail manners:",
    "ja": "メールは配送しましたが、次のマナーの点が見つかりました:",
}


def replied_to_ids(content: bytes) -> list[str]:
    """The msg-ids in In-Reply-To and References of the top-level header."""
    header = content.split(b"\r\n\r\n", 1)[0]
    found = b" ".join(m.group(1) for m in _REPLY_FIELDS.finditer(header))
    return [m.decode("ascii", "replace") for m in _MESSAGE_ID.findall(found)]


@dataclass(frozen=True, slots=True)
class MannersPolicy:
    settings: MannersSettings
    hostname: str

    @property
    def active(self) -> bool:
        return self.settings.policy != "off"

    @property
    def rejects(self) -> bool:
        return self.settings.policy == "reject"

    async def findings(self, mailstore: Mailstore, content: bytes) -> list[Finding]:
        """What the linter finds; nothing when the message cannot be parsed at all."""
        ids = replied_to_ids(content)
        earlier = await mailstore.find_by_message_id(ids) if ids else []
        return await asyncio.to_thread(self._lint, content, earlier)

    def _lint(self, content: bytes, earlier: Sequence[bytes]) -> list[Finding]:
        """Run in a worker thread: the standard library's parser takes about a second of
        CPU on a 160 KB From header of encoded words, which would hold every session.
        The linter is imported by the first message it checks (hato.manners)."""
        from hato.manners import ParseError, lint_message

        try:
            return lint_message(content, self.settings, earlier)
        except ParseError:
            return []

    def rejection(self, findings: Sequence[Finding], utf8: bool) -> str:
        """The multi-line ``550 5.7.1`` reply listing the findings (RFC 5321 §4.2.1)."""
        lang: Lang = self.settings.language if utf8 else "en"
        lines = ["Message refused by the mail manners policy:"]
        lines += report(findings, lang).splitlines()
        return "\r\n".join(
            f"550{'-' if n < len(lines) - 1 else ' '}5.7.1 {line}" for n, line in enumerate(lines)
        )

    async def send_report(
        self, store: Store, account_id: int, findings: Sequence[Finding], subject: str, when: float
    ) -> None:
        """Deliver the report into the sender's INBOX."""
        content = self.report_message(findings, subject, when)
        prefix = b"Return-Path: <>\r\n"
        delivery = Delivery(account_id, INBOX, prefix)
        await store.deliver(content, message_meta(content), int(when), [delivery])

    def report_message(self, findings: Sequence[Finding], subject: str, when: float) -> bytes:
        lang = self.settings.language
        title = Header(_SUBJECTS[lang] + (subject or "(no subject)"), "utf-8").encode()
        headers = [
            f"From: hato <postmaster@{self.hostname}>",
            f"Subject: {title}",
            f"Date: {email.utils.formatdate(when, usegmt=True).replace('GMT', '+0000')}",
            f"Message-ID: {email.utils.make_msgid('manners', self.hostname)}",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        body = "\n".join([_INTROS[lang], "", report(findings, lang), ""])
        text = "\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n")
        return text.encode("utf-8")
