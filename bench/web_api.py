"""The web console's rows: the message list's first and 1,000th page, and 100 concurrent
JSON API clients reading messages.

Only hato has the ``http`` listener (Dovecot's column says n/a). The clients log in once
through the login form and share that session cookie, so no row pays for a password
hash per request (the POP3 and IMAP login rows show what one costs). A page is
``GET /api/v1/messages?start=S&limit=50``, timed from the request to the last byte of
its JSON, over a kept-alive connection. The 1,000th page starts at message 49,951;
a smaller mailbox's last page stands in for it. The readers: 100 aiohttp clients, each
``GET /api/v1/message/{ID}`` of seeded random messages (already read, so reading
changes no flag), 20 requests each; requests a second over the wall-clock time, and
the 99th percentile of the requests' times.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import math
import random
import time
import urllib.parse
from typing import Any

import aiohttp

from bench.target import Target

__all__ = ["api_p99", "api_rate", "first_page", "thousandth_page"]

PAGE = 50
NTH_PAGE = 1000
CLIENTS = 100
REQUESTS_EACH = 20
_TIMEOUT = 120.0


def _session_cookie(target: Target) -> str:
    form = urllib.parse.urlencode({"name": target.user, "password": target.password})
    connection = http.client.HTTPConnection(target.host, target.ports["http"], timeout=_TIMEOUT)
    try:
        connection.request(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        response = connection.getresponse()
        response.read()
        cookie = response.getheader("Set-Cookie") or ""
    finally:
        connection.close()
    if response.status != 303 or not cookie:
        raise RuntimeError(f"{target.name}: web login answered {response.status}")
    return cookie.split(";", 1)[0]


def _get(connection: http.client.HTTPConnection, path: str, cookie: str) -> Any:
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
    return json.loads(body)


def _page_ms(target: Target, start: int) -> float:
    cookie = _session_cookie(target)
    connection = http.client.HTTPConnection(target.host, target.ports["http"], timeout=_TIMEOUT)
    try:
        path = f"/api/v1/messages?start={start}&limit={PAGE}"
        _get(connection, path, cookie)  # the connection open, the mailbox's index warm
        began = time.perf_counter()
        page = _get(connection, path, cookie)
        elapsed = (time.perf_counter() - began) * 1000
    finally:
        connection.close()
    if not page["messages"]:
        raise RuntimeError(f"{target.name}: page at {start} is empty")
    return elapsed


def first_page(target: Target, context: Any) -> float:
    """The 50 newest messages of INBOX, as the console's list shows them."""
    return _page_ms(target, 0)


def thousandth_page(target: Target, context: Any) -> float:
    """The 1,000th page of 50 (the last one, in a mailbox of fewer than 50,000 messages)."""
    pages = math.ceil(context.count / PAGE)
    return _page_ms(target, (min(NTH_PAGE, pages) - 1) * PAGE)


async def _reader(
    session: aiohttp.ClientSession, base: str, ids: list[str], times: list[float]
) -> None:
    for ident in ids:
        began = time.perf_counter()
        async with session.get(f"{base}/api/v1/message/{ident}") as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"GET message {ident}: {response.status}")
        times.append(time.perf_counter() - began)


async def _readers(target: Target, context: Any) -> dict[str, float]:
    cookie = _session_cookie(target)
    base = f"http://{target.host}:{target.ports['http']}"
    headers = {"Cookie": cookie}
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        async with session.get(f"{base}/api/v1/messages?limit=1000") as response:
            ids = [line["ID"] for line in (await response.json())["messages"]]
        csrf = await _csrf(session, base)
        marked = {"IDs": ids, "Read": True}
        async with session.put(f"{base}/api/v1/messages", json=marked, headers=csrf) as response:
            if response.status != 200:
                raise RuntimeError(f"marking read: {response.status}")
        chooser = random.Random(context.seed)
        work = [[chooser.choice(ids) for _ in range(REQUESTS_EACH)] for _ in range(CLIENTS)]
        times: list[float] = []
        began = time.perf_counter()
        async with asyncio.timeout(_TIMEOUT):
            await asyncio.gather(*(_reader(session, base, part, times) for part in work))
        wall = time.perf_counter() - began
    times.sort()
    p99 = times[min(len(times) - 1, math.ceil(len(times) * 0.99) - 1)]
    return {"rate": len(times) / wall, "p99": p99 * 1000}


async def _csrf(session: aiohttp.ClientSession, base: str) -> dict[str, str]:
    """The session's CSRF token, from the login page's form (a cookie request that
    changes something needs it)."""
    async with session.get(f"{base}/login") as response:
        page = await response.text()
    marker = 'name="csrf" value="'
    at = page.find(marker)
    if at < 0:
        raise RuntimeError("no CSRF token on the login page")
    return {"X-CSRF-Token": page[at + len(marker) : page.index('"', at + len(marker))]}


def _readers_once(target: Target, context: Any) -> dict[str, float]:
    key = f"{target.name} web readers"
    if key not in context.shared:
        context.shared[key] = asyncio.run(_readers(target, context))
    return context.shared[key]


def api_rate(target: Target, context: Any) -> float:
    """Requests a second of 100 concurrent clients reading messages."""
    return _readers_once(target, context)["rate"]


def api_p99(target: Target, context: Any) -> float:
    """The 99th percentile of those requests' times."""
    return _readers_once(target, context)["p99"]
