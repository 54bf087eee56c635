"""The lab, live, for administrators: the class page (who is online, over what, typing
what) and a student's page (each session's transcript, a line each way, with a hint
under every refused command), both from the class monitor (hato/classroom/monitor.py)
and both kept current with server-sent events (HTML Living Standard §9.2).

A page reload shows the current state without any script. With the page's script, the
class page's stream sends ``changed`` when a student's session opened, logged in,
started TLS, typed or closed (at most every ``EVENT_INTERVAL``), and the page loads its
table again; a student's stream sends each new line as a ``line`` event (JSON: session,
time, direction, text, hint) and ``changed`` when a session opened or closed. A viewer
that fell behind is sent ``changed`` and reloads, and so is one whose page was made
before news its stream did not get (the page carries the monitor's ``version``). Hints
come in the console's language: ``[http] language``, or the viewer's own choice (a
cookie the language form sets).
Students never see these pages: every route is an administrator's.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from hato.classroom.hints import Hint, hint_for, load_hints
from hato.classroom.monitor import (
    ClassMonitor,
    LineNews,
    LiveSession,
    News,
    Resync,
    ShownLine,
)
from hato.config import LANGUAGES
from hato.store.base import ClassMember
from hato.web.auth import page_admin
from hato.web.context import WEB
from hato.web.events import (
    EVENT_INTERVAL,
    KEEPALIVE,
    KEEPALIVE_LINE,
    LOOK_AGAIN,
    RETRY_LINE,
    encode_event,
    send_within,
)
from hato.web.pages import event_stream, gone
from hato.web.render import TEMPLATES, render

__all__ = ["LANGUAGE_COOKIE", "clock", "language", "monitor_of", "setup"]

LIVE_PAGE = "/admin/class/live"
LANGUAGE_COOKIE = "hato_lang"
HINTS = web.AppKey("hato.web.hints", tuple[Hint, ...])


def monitor_of(request: web.Request) -> ClassMonitor:
    monitor = request.app[WEB].monitor
    if monitor is None:
        raise web.HTTPNotFound(text="404: the class monitor is not running")
    return monitor


def language(request: web.Request) -> str:
    """The viewer's language: the cookie's, else ``[http] language``."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in LANGUAGES else request.app[WEB].config.http.language


def _hint(request: web.Request, session: LiveSession, shown: ShownLine) -> str | None:
    if shown.refused is None:
        return None
    return hint_for(request.app[HINTS], session.protocol, shown.refused, language(request))


@dataclass(frozen=True, slots=True)
class _Row:
    """A student on the class page."""

    member: ClassMember
    sessions: list[LiveSession]
    last: str  # the last command typed in an open session
    since: str  # how long ago
    done: int  # lab steps done


def _rows(monitor: ClassMonitor, members: list[ClassMember]) -> list[_Row]:
    now, online, done = time.time(), monitor.open_sessions(), monitor.done()
    rows = []
    for member in members:
        sessions = sorted(online.get(member.account, []), key=lambda s: s.opened_at)
        typed = [s for s in sessions if s.last_command_at is not None]
        latest = max(typed, key=lambda s: s.last_command_at or 0.0, default=None)
        last, since = "", ""
        if latest is not None and latest.last_command_at is not None:
            last, since = latest.last_command, _ago(now - latest.last_command_at)
        rows.append(_Row(member, sessions, last, since, len(done.get(member.account, {}))))
    return rows


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60} s"


async def class_page(request: web.Request) -> web.Response:
    """Every student, online or not: their open sessions, protocol, TLS, last command."""
    user = await page_admin(request)
    monitor = monitor_of(request)
    rows = _rows(monitor, await request.app[WEB].store.class_members())
    part = request.query.get("part") == "table"
    return render(
        request, "classroom/live_table.html" if part else "classroom/live.html",
        title="The lab, live", user=user, rows=rows, steps=monitor.steps,
        section="class/live", lang=language(request), back=LIVE_PAGE,
        version=monitor.version(),
    )  # fmt: skip


async def student_page(request: web.Request) -> web.Response:
    """One student's sessions of the day, open ones first, each with its transcript."""
    user = await page_admin(request)
    monitor = monitor_of(request)
    account = request.match_info["account"]
    members = {m.account: m for m in await request.app[WEB].store.class_members()}
    member = members.get(account)
    if member is None:
        raise web.HTTPNotFound(text="404: no such student in the class")
    transcripts = [
        (session, [(shown, _hint(request, session, shown)) for shown in session.lines])
        for session in monitor.sessions_of(account)
    ]
    return render(
        request, "classroom/student.html", title=f"{member.name} ({account})", user=user,
        member=member, transcripts=transcripts, done=monitor.done().get(account, {}),
        steps=monitor.steps, section="class/live", lang=language(request),
        back=f"/admin/class/student/{account}", version=monitor.version(account),
    )  # fmt: skip


async def set_language(request: web.Request) -> web.StreamResponse:
    """The viewer's language for hints, kept in a cookie."""
    await page_admin(request)
    form = await request.post()  # its CSRF token checked by the middleware
    chosen = form.get("lang")
    back = form.get("back")
    location = back if isinstance(back, str) and back.startswith("/admin/class/") else LIVE_PAGE
    response = web.HTTPSeeOther(location=location)
    if chosen in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, str(chosen), max_age=365 * 86400, httponly=True, samesite="Strict"
        )
    return response


async def class_events(request: web.Request) -> web.StreamResponse:
    return await _stream(request, None)


async def student_events(request: web.Request) -> web.StreamResponse:
    return await _stream(request, request.match_info["account"])


async def _stream(request: web.Request, account: str | None) -> web.StreamResponse:
    """The news of ``account``'s sessions (None: everyone's) as server-sent events."""
    user = await page_admin(request)
    monitor = monitor_of(request)
    async with event_stream(request, user.account_id) as (response, streams):
        queue = monitor.subscribe(account)
        if request.query.get("seen") != str(monitor.version(account)):
            queue.put_nowait(Resync())  # news between the page and this stream: reload
        try:
            send = _line_event(request) if account is not None else None
            await _relay(response, queue, send, streams.closing, lambda: not gone(request))
        except (TimeoutError, ConnectionError):
            pass  # a slow or vanished viewer: its stream ends
        finally:
            monitor.unsubscribe(queue)
    return response


def _line_event(request: web.Request) -> Callable[[LineNews], bytes]:
    def event(news: LineNews) -> bytes:
        line = news.shown.line
        data = {
            "session": news.session.label,
            "at": clock(line.at),
            "direction": line.direction,
            "text": line.text,
            "hint": _hint(request, news.session, news.shown),
        }
        return encode_event("line", json.dumps(data, ensure_ascii=False))

    return event


async def _relay(
    response: web.StreamResponse,
    queue: asyncio.Queue[News],
    line_event: Callable[[LineNews], bytes] | None,
    closing: asyncio.Event,
    connected: Callable[[], bool],
) -> None:
    """Send what ``queue`` brings until the viewer or the server goes: a ``line`` event
    for each line (a student's page), else ``changed`` at most every ``EVENT_INTERVAL``."""
    await send_within(response, RETRY_LINE)
    quiet = 0.0
    while connected() and not closing.is_set():
        try:
            news = await asyncio.wait_for(queue.get(), LOOK_AGAIN)
        except TimeoutError:
            quiet += LOOK_AGAIN
            if quiet >= KEEPALIVE:
                await send_within(response, KEEPALIVE_LINE)
                quiet = 0.0
            continue
        quiet = 0.0
        if line_event is not None and isinstance(news, LineNews):
            await send_within(response, line_event(news))
            continue
        if isinstance(news, Resync) or line_event is None or not isinstance(news, LineNews):
            await send_within(response, encode_event("changed", ""))
            await asyncio.sleep(EVENT_INTERVAL)
            while not queue.empty() and line_event is None:
                queue.get_nowait()  # the reload shows them all


def clock(seconds: float) -> str:
    """A time of the day as ``16:20:05``, in the server's time zone."""
    return time.strftime("%H:%M:%S", time.localtime(seconds))


def setup(app: web.Application) -> None:
    app[HINTS] = load_hints()
    app[TEMPLATES].filters["clock"] = clock
    add_get, add_post = app.router.add_get, app.router.add_post
    add_get(LIVE_PAGE, class_page)
    add_get(f"{LIVE_PAGE}/events", class_events)
    add_get("/admin/class/student/{account}", student_page)
    add_get("/admin/class/student/{account}/events", student_events)
    add_post("/admin/class/language", set_language)
