"""Assignments at delivery: a student's mail to an assignment's address is kept,
linted with the manners rules and (as the assignment says) answered.

The server wires an ``AssignmentDesk`` in as the delivery paths' observer
(hato.delivery.observer). The student is the authenticated account on
submission; on port 25 it is the class member whose roster e-mail address is
the envelope sender, else the account the sender names (``NAME@`` a local
domain, detail ignored). MAIL FROM alone claims it: a classroom exercise, not
proof of identity. The message is kept twice: where
delivery put it (the address's own account) and with the submission, for the
teacher's table. Its findings are the web mail view's: ``MannersPolicy.findings``.

The automatic reply follows RFC 3834: ``Auto-Submitted: auto-replied`` (§5), the
null reverse-path (§3.3), and none to a null sender, to a list, or to a message
that is itself automatic (§2).

Every delivery asks the store whether a recipient is an assignment's address (one
indexed query); what only a submission needs, the manners policy and the email
package's parser and composer (about 0.8 MB), is imported by the first one.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hato.delivery.dispatch import Targets, commit, route
from hato.delivery.received import Arrival
from hato.delivery.recipients import split_address
from hato.logs import event
from hato.store.base import Assignment, Store
from hato.store.directory import Directory
from hato.store.meta import message_meta

if TYPE_CHECKING:
    from email.message import Message

    from hato.delivery.manners_policy import MannersPolicy
    from hato.manners import Finding, Lang

__all__ = ["REPLY_MODES", "AssignmentDesk", "findings_json", "wants_reply"]

log = logging.getLogger(__name__)

#: How an assignment answers a submission: never, only when the linter found something,
#: or always.
REPLY_MODES = ("off", "findings", "always")
#: Envelope recipients looked up as assignment addresses, of one message.
MAX_ADDRESSES = 100
_LIST_FIELDS = ("list-id", "list-post", "list-unsubscribe", "list-help")
_BULK = frozenset({"list", "bulk", "junk"})
_STATUS: dict[Lang, tuple[str, str]] = {
    "en": ("on time", "late"),
    "ja": ("期限内", "期限後"),
}
_INTROS: dict[Lang, str] = {
    "en": 'Your submission to "{title}" arrived {status} (due {due}).',
    "ja": "「{title}」への提出を受け付けました ({status}、期限 {due})。",
}
_RESULTS: dict[Lang, tuple[str, str]] = {
    "en": ("The mail manners check found nothing to point out.", "The mail manners check found:"),
    "ja": ("メールのマナーの指摘はありません。", "メールのマナーについて次の点が見つかりました:"),
}


def findings_json(findings: Sequence[Finding], lang: Lang) -> str:
    """What the table shows of each finding, kept with the submission."""
    return json.dumps(
        [{"rule": f.rule, "severity": f.severity, "text": f.message(lang)} for f in findings],
        ensure_ascii=False,
    )


def wants_reply(header: Message, sender: str) -> bool:
    """RFC 3834 §2: no reply to a null sender, to automatic mail, or to a list's."""
    if not sender:
        return False
    if str(header.get("auto-submitted", "no")).strip().lower() != "no":
        return False
    if any(name in header for name in _LIST_FIELDS):
        return False
    return str(header.get("precedence", "")).strip().lower() not in _BULK


def _local_time(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M %z", time.localtime(when))


@dataclass(frozen=True, slots=True)
class AssignmentDesk:
    """Records each student's mail to an assignment (``DeliveryObserver``)."""

    store: Store
    manners: Callable[[], MannersPolicy]  # the server's, made when first asked for
    domains: tuple[str, ...]
    hostname: str

    async def delivered(
        self,
        arrival: Arrival,
        recipients: Sequence[str],
        content: bytes,
        directory: Directory | None,
        account_id: int | None,
    ) -> None:
        addresses = list(dict.fromkeys(r.lower() for r in recipients))[:MAX_ADDRESSES]
        if directory is None:
            directory = await self.store.directory()
        assignments = await directory.assignments_at(addresses)
        if not assignments:
            return
        student = account_id if account_id is not None else await self._student(arrival.sender)
        if student is None:
            event(log, logging.INFO, "assignment", result="no_student",
                  **{"from": arrival.sender})  # fmt: skip
            return
        manners = self.manners()
        findings = await manners.findings(self.store.mailstore(student), content)
        header = await asyncio.to_thread(_header, content)
        subject = " ".join(str(header.get("subject", "")).split())
        lang = manners.settings.language
        for assignment in assignments:
            await self.store.add_submission(
                assignment.id, student, int(arrival.when), subject,
                findings_json(findings, lang), content,
            )  # fmt: skip
            late = arrival.when > assignment.due
            event(log, logging.INFO, "assignment", result="kept", address=assignment.address,
                  account_id=student, late=late, findings=len(findings))  # fmt: skip
            if _answers(assignment, findings) and wants_reply(header, arrival.sender):
                text = reply_text(assignment, late, findings, lang)
                await self._reply(assignment, arrival.sender, header, text)

    async def _student(self, sender: str) -> int | None:
        """The account an unauthenticated sender names: a roster's e-mail address, else
        ``NAME[+detail]@`` a local domain."""
        if not sender:
            return None
        for member in await self.store.class_members():
            if member.email and member.email.lower() == sender.lower():
                return member.account_id
        parts = split_address(sender)
        if parts is None or parts[1] not in self.domains:
            return None
        account = await self.store.get_account(parts[0].split("+", 1)[0])
        return account.id if account is not None else None

    async def _reply(self, assignment: Assignment, to: str, header: Message, text: str) -> None:
        """Through hato's own sending path: a local student's INBOX, else the queue."""
        now = time.time()
        try:
            content = reply_message(assignment, to, header, text, self.hostname, now)
        except (ValueError, TypeError) as exc:  # an address the encoder cannot write
            log.warning("assignment: no reply to %r: %s", to[:100], exc)
            return
        lookup, targets = await route(await self.store.directory(), to, self.domains)
        if not len(targets):
            log.warning("assignment: no route to %r (%s)", to[:100], lookup.value)
            return
        arrival = Arrival(
            "localhost", "127.0.0.1", "LOCAL", self.hostname, secrets.token_hex(6).upper(), "", now
        )  # RFC 3834 §3.3: the null reverse-path, so that no reply is answered in turn
        meta = await asyncio.to_thread(message_meta, content)
        onward = Targets(targets.local, targets.remote, directory=targets.directory)
        await commit(self.store, content, meta, arrival, onward)


def _header(content: bytes) -> Message:
    from email.parser import BytesHeaderParser
    from email.policy import default as DEFAULT_POLICY

    return BytesHeaderParser(policy=DEFAULT_POLICY).parsebytes(content.split(b"\r\n\r\n", 1)[0])


def _answers(assignment: Assignment, findings: Sequence[Finding]) -> bool:
    return assignment.reply == "always" or (assignment.reply == "findings" and bool(findings))


def reply_text(assignment: Assignment, late: bool, findings: Sequence[Finding], lang: Lang) -> str:
    from hato.manners import report

    status = _STATUS[lang][late]
    intro = _INTROS[lang].format(title=assignment.title, status=status,
                                 due=_local_time(assignment.due))  # fmt: skip
    none, some = _RESULTS[lang]
    lines = [intro, "", some if findings else none]
    if findings:
        lines += ["", report(findings, lang)]
    return "\n".join(lines) + "\n"


def reply_message(
    assignment: Assignment, to: str, header: Message, text: str, hostname: str, now: float
) -> bytes:
    """The automatic reply (RFC 3834 §3.1: Re: subject, In-Reply-To, References)."""
    from email.message import EmailMessage
    from email.policy import SMTP as SMTP_POLICY

    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = assignment.address
    message["To"] = to
    subject = " ".join(str(header.get("subject", "")).split()) or assignment.title
    message["Subject"] = f"Re: {subject}"[:900]
    message["Date"] = email.utils.formatdate(now, localtime=True)
    message["Message-ID"] = f"<{secrets.token_hex(12)}@{hostname}>"
    original = " ".join(str(header.get("message-id", "")).split())
    if original.startswith("<") and original.endswith(">") and len(original) < 900:
        message["In-Reply-To"] = original
        message["References"] = original
    message["Auto-Submitted"] = "auto-replied"
    message.set_content(text, cte="quoted-printable")
    return message.as_bytes()
