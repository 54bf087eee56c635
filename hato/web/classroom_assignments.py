"""The teacher's assignments: the form that makes one, the table of students ×
assignments with each submission's manners findings, its CSV for the grade book,
and each submitted message. Administrators only (``page_admin``: 403 for a student).

The CSV is UTF-8 with a byte order mark, so that Excel opens Japanese titles and
subjects right (it reads a CSV without one in the system's code page); RFC 4180's
CRLF line ends. A subject is the student's text: a cell that a spreadsheet would take
for a formula (``=``, ``+``, ``-``, ``@``, a tab or CR first) gets a ``'`` in front
(OWASP's advice on CSV injection), so opening the grade book runs nothing.
"""

from __future__ import annotations

import asyncio
import csv
import datetime
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as DEFAULT_POLICY
from typing import Any

from aiohttp import web

from hato.delivery.assignments import REPLY_MODES
from hato.proto.smtp_syntax import is_mailbox
from hato.store.base import Assignment, ClassMember, Store, Submission
from hato.web.admin import FormRefused, form_field
from hato.web.auth import page_admin
from hato.web.context import WEB
from hato.web.download import attachment_response
from hato.web.render import render

__all__ = ["Cell", "Row", "grade_book", "setup", "table"]

_TITLE_LIMIT = 200
_FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Cell:
    """A student's latest submission to one assignment, as the table shows it."""

    submission: Submission
    late: bool
    findings: tuple[str, ...]  # "rule: text" each

    @property
    def status(self) -> str:
        return "late" if self.late else "on time"


def _findings(submission: Submission) -> tuple[str, ...]:
    try:
        found = json.loads(submission.findings)
    except ValueError:
        return ()
    return tuple(f"{f.get('rule', '')}: {f.get('text', '')}" for f in found if isinstance(f, dict))


@dataclass(slots=True)
class Row:
    """A student: the account, what the roster says (empty for an account outside the
    class), and the latest submission to each assignment by its id."""

    account: str
    student_id: str = ""
    name: str = ""
    cells: dict[int, Cell] = field(default_factory=dict)


def table(
    assignments: Sequence[Assignment],
    submissions: Sequence[Submission],
    members: Sequence[ClassMember] = (),
) -> list[Row]:
    """Every class member and every account that submitted, by account name."""
    due = {a.id: a.due for a in assignments}
    rows = {m.account: Row(m.account, m.student_id, m.name) for m in members}
    for submission in submissions:  # in the order received: a later one replaces
        late = submission.received > due.get(submission.assignment_id, submission.received)
        cell = Cell(submission, late, _findings(submission))
        row = rows.setdefault(submission.account, Row(submission.account))
        row.cells[submission.assignment_id] = cell
    return [rows[account] for account in sorted(rows)]


def grade_book(assignments: Sequence[Assignment], rows: Sequence[Row]) -> bytes:
    """One line per student; per assignment its status, finding count and subject."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    heading = ["account", "id", "name"]
    for a in assignments:
        heading += [a.title, f"{a.title} findings", f"{a.title} subject"]
    writer.writerow([inert(cell) for cell in heading])
    for row in rows:
        line = [row.account, row.student_id, row.name]
        for a in assignments:
            cell = row.cells.get(a.id)
            line += [cell.status, str(len(cell.findings)), cell.submission.subject] if cell else [
                "missing", "", ""]  # fmt: skip
        writer.writerow([inert(cell) for cell in line])
    return out.getvalue().encode("utf-8-sig")


def inert(cell: str) -> str:
    """The cell as text a spreadsheet shows, never a formula it runs."""
    return f"'{cell}" if cell.startswith(_FORMULA_FIRST) else cell


async def _table(store: Store) -> tuple[list[Assignment], list[Row]]:
    assignments = await store.assignments()
    submissions = await store.submissions()
    return assignments, table(assignments, submissions, await store.class_members())


def _local(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds).astimezone().strftime("%Y-%m-%d %H:%M %z")


def due_time(text: str) -> int:
    """``2026-12-04T17:00`` (the server's local time) or with an offset (``+09:00``)."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise FormRefused(f"due: not a date and time: {text[:40]!r}") from None
    return int(moment.timestamp())  # a naive time is taken as local time


def _new_assignment(form: Mapping[str, Any], domains: tuple[str, ...]) -> tuple[str, str, int, str]:
    address = form_field(form, "address").lower()
    if "@" not in address and domains:
        address = f"{address}@{domains[0]}"
    if not is_mailbox(address) or address.rpartition("@")[2] not in domains:
        raise FormRefused(f"address: not an address of a local domain: {address[:100]}")
    title = " ".join(form_field(form, "title").split())
    if len(title) > _TITLE_LIMIT:
        raise FormRefused(f"title: longer than {_TITLE_LIMIT} characters")
    reply = form_field(form, "reply")
    if reply not in REPLY_MODES:
        raise FormRefused(f"reply: one of {', '.join(REPLY_MODES)}")
    return address, title, due_time(form_field(form, "due")), reply


async def assignments_page(
    request: web.Request, error: str | None = None, status: int = 200
) -> web.Response:
    user = await page_admin(request)
    assignments, rows = await _table(request.app[WEB].store)
    return render(
        request, "admin/assignments.html", status, title="Assignments", user=user,
        assignments=assignments, rows=rows, local=_local, modes=REPLY_MODES,
        error=error, section="class/assignments",
    )  # fmt: skip


async def assignment_add(request: web.Request) -> web.StreamResponse:
    await page_admin(request)
    context = request.app[WEB]
    try:
        address, title, due, reply = _new_assignment(
            await request.post(), context.config.local_domains
        )
    except FormRefused as refusal:
        return await assignments_page(request, str(refusal), 400)
    if await context.store.add_assignment(address, title, due, reply) is None:
        return await assignments_page(request, f"{address} is an assignment already", 409)
    raise web.HTTPSeeOther(location="/admin/class/assignments")


def _number(request: web.Request) -> int:
    text = request.match_info["id"]
    if not text.isdigit() or len(text) > 18:
        raise web.HTTPNotFound(text="404: no such assignment")
    return int(text)


async def assignment_delete(request: web.Request) -> web.StreamResponse:
    await page_admin(request)
    if not await request.app[WEB].store.delete_assignment(_number(request)):
        raise web.HTTPNotFound(text="404: no such assignment")
    raise web.HTTPSeeOther(location="/admin/class/assignments")


async def grade_book_csv(request: web.Request) -> web.StreamResponse:
    await page_admin(request)
    data = grade_book(*await _table(request.app[WEB].store))
    return attachment_response(data, "text/csv", "assignments.csv")


def _text(raw: bytes) -> str:
    """The message's text to read (its plain part, else its HTML's source), else the raw."""
    message = message_from_bytes(raw, policy=DEFAULT_POLICY)
    try:
        body = message.get_body(("plain", "html")) if isinstance(message, EmailMessage) else None
        if body is not None and isinstance(body, EmailMessage):
            return str(body.get_content())
    except (LookupError, ValueError, AssertionError):  # an unknown charset, a broken part
        pass
    return raw.decode("utf-8", "replace")


async def submission_page(request: web.Request) -> web.StreamResponse:
    user = await page_admin(request)
    store = request.app[WEB].store
    ident = _number(request)
    raw = await store.submission_content(ident)
    found = [s for s in await store.submissions() if s.id == ident]
    if raw is None or not found:
        raise web.HTTPNotFound(text="404: no such submission")
    if request.query.get("download") == "1":
        return attachment_response(raw, "message/rfc822", f"submission-{ident}.eml")
    assignments = {a.id: a for a in await store.assignments()}
    submission = found[0]
    assignment = assignments[submission.assignment_id]
    cell = table([assignment], [submission])[0].cells[assignment.id]
    return render(
        request, "admin/submission.html", title=submission.subject or "(no subject)",
        user=user, cell=cell, assignment=assignment, local=_local, section="class/assignments",
        text=await asyncio.to_thread(_text, raw),
    )  # fmt: skip


def setup(app: web.Application) -> None:
    add_get, add_post = app.router.add_get, app.router.add_post
    add_get("/admin/class/assignments", assignments_page)
    add_post("/admin/class/assignments", assignment_add)
    add_post("/admin/class/assignments/{id}/delete", assignment_delete)
    add_get("/admin/class/assignments.csv", grade_book_csv)
    add_get("/admin/class/submissions/{id}", submission_page)
