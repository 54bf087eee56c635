"""Pages from Jinja2 templates (hato/web/templates), escaped by default.

``render`` gives every template what the base layout needs: the CSRF token for its
forms, the logged-in user (if the handler passes one) and hato's version.
"""

from __future__ import annotations

import datetime
from typing import Any

import jinja2
from aiohttp import web

from hato import __version__
from hato.web.auth import csrf_token

__all__ = ["TEMPLATES", "human_size", "render", "templates", "utc_time"]

TEMPLATES = web.AppKey("hato.web.templates", jinja2.Environment)


def human_size(size: int) -> str:
    """``1536`` -> ``1.5 KiB``: sizes as people read them."""
    amount = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{int(amount)} {unit}" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


def utc_time(seconds: float) -> str:
    """A time stamp as ``2026-12-04 16:20 UTC``."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def templates() -> jinja2.Environment:
    """The package's templates; autoescape on for every file, and undefined names fail.

    Filters: ``size`` (human_size) and ``utc`` (utc_time)."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("hato.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["size"] = human_size
    environment.filters["utc"] = utc_time
    return environment


def render(
    request: web.Request, template: str, /, status: int = 200, **values: Any
) -> web.Response:
    values.setdefault("user", None)
    values.setdefault("title", "hato")
    values.setdefault("error", None)
    values.setdefault("version", __version__)
    values.setdefault("csrf", csrf_token(request))
    page = request.app[TEMPLATES].get_template(template).render(**values)
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")
