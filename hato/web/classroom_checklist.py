"""The lab checklist for administrators: every student × every step of the lecture
(hato/classroom/data/steps.toml: a step added there is a column here), each cell the
time the step was first done, from the class monitor (kept across restarts by
hato/classroom/recorder.py); live like the class page, and as CSV for the grade book
(UTF-8 with a BOM for Excel, formula cells made inert as the assignments' CSV does)."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence

from aiohttp import web

from hato.classroom.checklist import Step
from hato.store.base import ClassMember
from hato.web.auth import page_admin
from hato.web.classroom_assignments import inert
from hato.web.classroom_live import monitor_of
from hato.web.context import WEB
from hato.web.download import attachment_response
from hato.web.render import render

__all__ = ["checklist_csv", "setup"]

PAGE = "/admin/class/checklist"


async def checklist_page(request: web.Request) -> web.Response:
    user = await page_admin(request)
    monitor = monitor_of(request)
    members = await request.app[WEB].store.class_members()
    part = request.query.get("part") == "table"
    return render(
        request, "classroom/checklist_table.html" if part else "classroom/checklist.html",
        title="Lab checklist", user=user, members=members, steps=monitor.steps,
        done=monitor.done(), section="class/checklist", version=monitor.version(),
    )  # fmt: skip


def checklist_csv(
    members: Sequence[ClassMember], steps: Sequence[Step], done: dict[str, dict[str, float]]
) -> bytes:
    """One line per student: id, name, account, then each step's first time (UTC) or ""."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    heading = ["id", "name", "account", *(column(step) for step in steps)]
    writer.writerow([inert(cell) for cell in heading])
    for member in members:
        mine = done.get(member.account, {})
        times = [_stamp(mine[s.id]) if s.id in mine else "" for s in steps]
        writer.writerow(
            [inert(cell) for cell in [member.student_id, member.name, member.account, *times]]
        )
    return out.getvalue().encode("utf-8-sig")


def column(step: Step) -> str:
    """A step's heading: its protocol and label ("POP3 LIST", "IMAP LIST")."""
    return f"{step.protocol.upper()} {step.label}"


def _stamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))


async def checklist_download(request: web.Request) -> web.StreamResponse:
    await page_admin(request)
    monitor = monitor_of(request)
    members = await request.app[WEB].store.class_members()
    data = checklist_csv(members, monitor.steps, monitor.done())
    return attachment_response(data, "text/csv", "checklist.csv")


def setup(app: web.Application) -> None:
    app.router.add_get(PAGE, checklist_page)
    app.router.add_get(f"{PAGE}.csv", checklist_download)
