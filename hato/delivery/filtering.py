"""Sieve at final delivery: an account's active script decides where its copy goes.

The interpreter (hato.sieve) is pure; this module gives it what it asks of the
store (the active script, mailbox names, the vacation record) and turns its
result into copies, redirects, a refusal and vacation replies (RFC 5228 §2.10).
Whatever fails here, the copy is kept in INBOX (RFC 5228 §2.10.6, the implicit
keep) and a ``sieve`` line is logged: a script never loses mail.

The interpreter (about 1.5 MB of a server's memory) is imported by the first delivery
that has a script to run, not with this module: a server whose accounts have no
active script, and no global script configured, never holds it. So is the email
package's composer (its policies and header registry, about 0.5 MB), by the first
vacation reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hato.delivery.recipients import Recipient
from hato.logs import event
from hato.store.base import INBOX, MailboxExists, Store, StoreUnavailable
from hato.store.directory import Directory

if TYPE_CHECKING:
    from email.headerregistry import Address

    from hato.sieve import (
        Action,
        Context,
        FileInto,
        Limits,
        Program,
        RepliedWithin,
        Result,
        SieveError,
        Vacation,
    )

__all__ = ["KEEP", "Decision", "SieveFilter", "vacation_reply"]

log = logging.getLogger(__name__)

#: Compiled scripts kept, by the SHA-256 of their text: a changed script is a new key,
#: so the cache is right on every node that shares the store.
CACHE_SIZE = 256
#: Bytes of a reject reason put in a reply line (RFC 5321 §4.5.3.1.5 bounds the line).
_REASON_LENGTH = 200
_MAX_NAME = 255
#: Mailboxes ``:create`` may take an account to; IMAP CREATE stops at the same number.
MAX_MAILBOXES = 10_000


@dataclass(frozen=True, slots=True)
class Decision:
    """What one account's script decided for its copy of one message."""

    copies: tuple[tuple[str, frozenset[str]], ...] = ((INBOX, frozenset()),)
    redirects: tuple[str, ...] = ()
    reject: str | None = None
    replies: tuple[Vacation, ...] = ()
    note: str = ""  # why the copy was kept although a script was to decide: for the account


KEEP = Decision()


def _kept(recipient: Recipient, script: str, error: str) -> Decision:
    """The implicit keep after a failure (RFC 5228 §2.10.6), logged and noted on the copy."""
    _log(recipient, script, "kept", error)
    return Decision(note=_one_line(error))


@dataclass(slots=True)
class SieveFilter:
    """Runs each account's active script; one per process, its cache shared by every path."""

    store: Store
    domains: tuple[str, ...]
    hostname: str
    global_scripts: tuple[str | None, str | None] = (None, None)  # [sieve] before, after
    _limits: Limits | None = None  # the interpreter's, once it is imported
    _programs: OrderedDict[str, Program | SieveError] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def limits(self) -> Limits:
        """Bounds on each run (hato.sieve's), made when first asked: by a script's run."""
        if self._limits is None:
            from hato.sieve import Limits

            self._limits = Limits()
        return self._limits

    async def decide(
        self, recipient: Recipient, sender: str, message: bytes, directory: Directory
    ) -> Decision:
        """The decision for ``recipient``'s copy of ``message`` (its trace fields in front);
        ``directory`` tells the account's active script."""
        try:
            return await self._decide(recipient, sender, message, directory)
        except StoreUnavailable:
            raise  # a temporary failure: the sender retries, and the script runs then
        except Exception as exc:  # a fault of hato's own: keeping is never wrong
            return _kept(recipient, "", f"internal error: {exc!r}"[:300])

    async def _decide(
        self, recipient: Recipient, sender: str, message: bytes, directory: Directory
    ) -> Decision:
        active = await directory.active_script(recipient.account_id)
        before, after = self.global_scripts
        sequence = [
            (name, text)
            for name, text in (
                ("[before]", before),
                *([active] if active else []),
                ("[after]", after),
            )
            if text is not None
        ]
        if not sequence:
            return KEEP
        from hato.sieve import Context, Envelope, SieveError

        label = ",".join(name for name, _ in sequence)
        programs = []
        for name, text in sequence:
            program = self.compiled(text)
            if isinstance(program, SieveError):
                return _kept(recipient, name, str(program))
            programs.append(program)
        requires = frozenset().union(*(program.requires for program in programs))
        scripts = self.store.sieve_scripts(recipient.account_id)
        texts = await scripts.texts() if "include" in requires else {}
        mailboxes = await self._mailbox_names(recipient.account_id)
        replies = await scripts.replies_to(sender.lower()) if "vacation" in requires else {}
        context = Context(
            envelope=Envelope(sender, recipient.address),
            addresses=tuple(f"{recipient.account}@{domain}" for domain in self.domains),
            mailbox_exists=lambda mailbox: _canonical(mailbox) in mailboxes,
            load_script=lambda script, where: texts.get(script) if where == "personal" else None,
            replied_within=_replied_within(replies),
            limits=self.limits,
        )
        result = await asyncio.to_thread(_evaluate, programs, message, context)
        if result.error is not None:
            return _kept(recipient, label, str(result.error))
        decision = await self._carry_out(recipient, result, mailboxes)
        _log(recipient, label, _summary(decision), None, *result.notes)
        return decision

    def compiled(self, text: str) -> Program | SieveError:
        """The script compiled, from the cache when it was seen before."""
        key = hashlib.sha256(text.encode()).hexdigest()
        with self._lock:
            if key in self._programs:
                self._programs.move_to_end(key)
                return self._programs[key]
        from hato.sieve import SieveError, compile_script

        try:
            program: Program | SieveError = compile_script(text, self.limits.max_script_size)
        except SieveError as error:
            program = error
        with self._lock:
            self._programs[key] = program
            while len(self._programs) > CACHE_SIZE:
                self._programs.popitem(last=False)
        return program

    async def _mailbox_names(self, account_id: int) -> set[str]:
        return {m.name for m in await self.store.mailstore(account_id).list_mailboxes()}

    async def _carry_out(
        self, recipient: Recipient, result: Result, mailboxes: set[str]
    ) -> Decision:
        """Actions to a decision; ``fileinto :create`` creates its mailbox here (RFC 5490 §3)."""
        from hato.sieve import FileInto, Keep, Redirect, Reject, Vacation

        copies: dict[str, frozenset[str]] = {}
        redirects: list[str] = []
        replies: list[Vacation] = []
        reject = None
        for action in result.actions:
            if isinstance(action, Keep):
                copies.setdefault(INBOX, frozenset(action.flags))
            elif isinstance(action, FileInto):
                mailbox = await self._target(recipient, action, mailboxes)
                copies.setdefault(mailbox, frozenset(action.flags))
            elif isinstance(action, Redirect):
                redirects.append(action.address)
            elif isinstance(action, Reject):
                reject = _one_line(action.reason) or "rejected"
            elif isinstance(action, Vacation):
                replies.append(action)
        return Decision(tuple(copies.items()), tuple(redirects), reject, tuple(replies))

    async def _target(self, recipient: Recipient, action: FileInto, mailboxes: set[str]) -> str:
        """The mailbox to file into: a name in this account (the account-isolation invariant),
        else INBOX; an invalid name, or a missing mailbox without ``:create``, is INBOX."""
        mailbox = _canonical(action.mailbox)
        if not _valid_name(mailbox):
            _log(recipient, "", "inbox", f"not a mailbox name: {mailbox[:60]!r}")
            return INBOX
        if mailbox in mailboxes:
            return mailbox
        if not action.create:
            _log(recipient, "", "inbox", f"no mailbox {mailbox[:60]!r} (no :create)")
            return INBOX
        if len(mailboxes) >= MAX_MAILBOXES:
            _log(recipient, "", "inbox", f"no mailbox {mailbox[:60]!r}: too many mailboxes")
            return INBOX
        with contextlib.suppress(MailboxExists):  # created meanwhile: file into it all the same
            await self.store.mailstore(recipient.account_id).create_mailbox(mailbox)
        mailboxes.add(mailbox)
        return mailbox


def _evaluate(programs: list[Program], message: bytes, context: Context) -> Result:
    """Parse and run in a worker thread: a run may cost up to its step budget of CPU."""
    from hato.sieve import MimeMessage, run

    parsed = MimeMessage(message)
    results = []
    for program in programs:
        result = run(program, parsed, context)
        if result.error is not None:
            return result
        results.append(result)
    return results[0] if len(results) == 1 else _merged(results, context.limits)


def _merged(results: list[Result], limits: Limits) -> Result:
    """Global scripts and the account's as one sequence, as Pigeonhole's sieve_before and
    sieve_after: the actions of all, and the implicit keep (RFC 5228 §2.10.2) only if no
    script cancelled it; at most ``max_redirects`` redirects in all."""
    from hato.sieve import Keep, Redirect, Result

    kept = [a for r in results for a in r.actions if isinstance(a, Keep) and a.implicit]
    actions: list[Action] = []
    redirects = 0
    for result in results:
        for action in result.actions:
            if isinstance(action, Keep) and action.implicit:
                continue
            if isinstance(action, Redirect):
                redirects += 1
                if redirects > limits.max_redirects:
                    continue
            actions.append(action)
    if len(kept) == len(results):
        flags = tuple(dict.fromkeys(flag for keep in kept for flag in keep.flags))
        actions.append(Keep(flags, implicit=True))
    return Result(tuple(actions), None, tuple(note for r in results for note in r.notes))


def _replied_within(replies: Mapping[str, int]) -> RepliedWithin:
    now = int(time.time())

    def replied(handle: str, sender: str, seconds: int) -> bool:
        return replies.get(handle, -1) >= now - seconds

    return replied


def _canonical(name: str) -> str:
    return INBOX if name.upper() == INBOX else name


def _valid_name(name: str) -> bool:
    """Names only, never paths: no empty level, no control character, no "/" or "~" first."""
    return (
        bool(name)
        and all(name.split("."))
        and name.isprintable()
        and name[0] not in "/~"
        and len(name.encode()) <= _MAX_NAME
    )


def _one_line(text: str) -> str:
    """A reason fit for a reply line: printable ASCII, spaces folded, bounded."""
    words = " ".join(text.split())
    return "".join(c if " " <= c <= "~" else "?" for c in words)[:_REASON_LENGTH]


def _summary(decision: Decision) -> str:
    if decision.reject is not None:
        return "rejected"
    parts = [mailbox for mailbox, _ in decision.copies] or ["discarded"]
    parts += [f"redirect:{address}" for address in decision.redirects]
    parts += ["vacation"] * bool(decision.replies)
    return ",".join(parts)


def _log(recipient: Recipient, script: str, result: str, error: str | None, *notes: str) -> None:
    """One ``sieve`` line per run that did something other than keep, or failed."""
    if error is None and result == INBOX and not notes:
        return
    level = logging.WARNING if error else logging.INFO
    event(
        log, level, "sieve", account=recipient.account, script=script or None,
        result=result, error=error, notes="; ".join(notes) or None,
    )  # fmt: skip


def vacation_reply(reply: Vacation, hostname: str, now: float) -> bytes:
    """The reply message (RFC 5230 §5, RFC 3834 §3): Auto-Submitted: auto-replied."""
    from email.message import EmailMessage
    from email.policy import SMTP as SMTP_POLICY

    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = _address(reply.from_)
    message["To"] = _address(reply.to)
    message["Subject"] = " ".join(reply.subject.split())[:998]
    message["Date"] = email.utils.formatdate(now, localtime=True)
    message["Message-ID"] = f"<{secrets.token_hex(12)}@{hostname}>"
    if reply.in_reply_to:
        message["In-Reply-To"] = " ".join(reply.in_reply_to.split())
    if reply.references:
        message["References"] = " ".join(reply.references.split())
    message["Auto-Submitted"] = "auto-replied (vacation)"
    if reply.mime:  # the reason is a MIME entity of its own (RFC 5230 §4.7)
        head = message.as_bytes().rstrip(b"\r\n") + b"\r\nMIME-Version: 1.0\r\n"
        body = reply.reason.replace("\r\n", "\n").replace("\n", "\r\n").encode()
        return head + body
    message.set_content(reply.reason, cte="quoted-printable")
    return message.as_bytes()


def _address(text: str) -> Address:
    from email.headerregistry import Address

    local, _, domain = text.rpartition("@")
    return Address(addr_spec=text) if local and domain else Address(username=text or "unknown")
