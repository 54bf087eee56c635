"""What the ``hato class`` commands and the console's roster pages do on the store: import
a roster, seed, reset and remove the practice accounts. The command line and the web
call the same functions, so an upload and ``hato class import`` behave alike.

Passwords are made here, handed back once in ``Card``s for the caller to show or print,
and kept by the store only as the account's hashed secrets. A re-import finds each
student's account by name, updates the roster's name and address, and leaves the
password alone unless ``reset_passwords`` is asked for.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from hato.accounts import DEFAULT_MAILBOXES, add_user, set_password
from hato.classroom.material import sample_messages
from hato.classroom.passwords import new_password
from hato.classroom.roster import Roster, RosterProblem, Student
from hato.store.base import INBOX, AccountExists, ClassMember, Delivery, Store
from hato.store.meta import message_meta

__all__ = [
    "Card",
    "ImportResult",
    "import_roster",
    "new_passwords",
    "remove_class",
    "reset_accounts",
    "seed_accounts",
]

#: The sender of the seeded messages' envelope, in their Return-Path (RFC 5321 §4.4).
_SENDER = "hato-lab@localhost"


@dataclass(frozen=True, slots=True)
class Card:
    """A login card: what a student needs to log in, the password in clear (only here)."""

    student_id: str
    name: str
    account: str
    password: str


@dataclass(slots=True)
class ImportResult:
    cards: list[Card] = field(default_factory=list)  # new accounts, then reset passwords
    created: int = 0
    kept: list[str] = field(default_factory=list)  # in the class already, password kept
    problems: list[RosterProblem] = field(default_factory=list)


async def import_roster(
    store: Store, roster: Roster, reset_passwords: bool = False
) -> ImportResult:
    """One practice account per good row of ``roster``, seeded with the material."""
    result = ImportResult(problems=list(roster.problems))
    members = {member.account: member for member in await store.class_members()}
    created: list[int] = []
    for student in roster.students:
        member = members.get(student.account)
        if member is None:
            card = await _create(store, student, result, created)
        else:
            card = await _update(store, student, member, reset_passwords, result)
        if card is not None:
            result.cards.append(card)
    await seed_accounts(store, created)
    result.created = len(created)
    result.problems.sort(key=lambda problem: problem.line)
    return result


async def _create(
    store: Store, student: Student, result: ImportResult, created: list[int]
) -> Card | None:
    password = new_password()
    try:
        # APOP is one of the lecture's steps, and needs the secret itself (RFC 1939 §7).
        account = await add_user(store, student.account, password, apop=True)
    except AccountExists:
        text = f"account {student.account} exists and is not in the class: row not imported"
        result.problems.append(RosterProblem(student.line, text))
        return None
    await store.set_class_member(account.id, student.student_id, student.name, student.email)
    created.append(account.id)
    return Card(student.student_id, student.name, account.name, password)


async def _update(
    store: Store, student: Student, member: ClassMember, reset: bool, result: ImportResult
) -> Card | None:
    await store.set_class_member(member.account_id, student.student_id, student.name, student.email)
    if not reset:
        result.kept.append(member.account)
        return None
    password = new_password()
    await set_password(store, member.account, password, apop=True)
    return Card(student.student_id, student.name, member.account, password)


async def seed_accounts(store: Store, account_ids: Sequence[int]) -> None:
    """Put the sample messages into each account's INBOX: one delivery per message for
    all the accounts, so the store keeps each body once."""
    if not account_ids:
        return
    now = int(time.time())
    prefix = f"Return-Path: <{_SENDER}>\r\n".encode()
    deliveries = [Delivery(account_id, INBOX, prefix) for account_id in account_ids]
    for content in sample_messages():
        await store.deliver(content, message_meta(content), now, deliveries)


async def reset_accounts(store: Store, members: Sequence[ClassMember]) -> None:
    """Each account's mailboxes back to how the import left them: INBOX with the sample
    messages, Drafts, Sent and Trash empty, subscribed, and nothing else; and its lab
    begun anew: the checklist and the transcripts of the group before are forgotten."""
    for member in members:
        mailstore = store.mailstore(member.account_id)
        for mailbox in await mailstore.list_mailboxes():
            if mailbox.name == INBOX:
                await mailstore.expunge(
                    mailbox.id, [uid for uid, _ in await mailstore.listing(mailbox.id)]
                )
            else:
                await mailstore.delete_mailbox(mailbox.name)
        for name in await mailstore.subscriptions():
            await mailstore.set_subscribed(name, False)
        for name, special_use in DEFAULT_MAILBOXES:
            if name != INBOX:
                await mailstore.create_mailbox(name, special_use, subscribed=True)
        await mailstore.set_subscribed(INBOX, True)
    await seed_accounts(store, [member.account_id for member in members])
    await store.begin_lab_anew([member.account_id for member in members], time.time())


async def new_passwords(store: Store, members: Sequence[ClassMember]) -> list[Card]:
    """A new password for each member (the old ones stop working), on cards."""
    cards = []
    for member in members:
        password = new_password()
        await set_password(store, member.account, password, apop=True)
        cards.append(Card(member.student_id, member.name, member.account, password))
    return cards


async def remove_class(store: Store) -> list[str]:
    """Delete every account of the class and its mail; their names."""
    return await store.delete_class()
