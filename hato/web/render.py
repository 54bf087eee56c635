"""Pages from Jinja2 templates (hato/web/templates), escaped by default.

``render`` gives every template what the base layout needs: the CSRF token for its
forms, the logged-in user (if the handler passes one) and hato's version.
"""

from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web

from hato import __version__
from hato.web.auth import csrf_token

__all__ = ["TEMPLATES", "render", "templates"]

TEMPLATES = web.AppKey("hato.web.templates", jinja2.Environment)


def templates() -> jinja2.Environment:
    """The package's templates; autoescape on for every file, and undefined names fail."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("hato.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    values.setdefault("user", None)
    values.setdefault("title", "hato")
    page = (
        request.app[TEMPLATES]
        .get_template(name)
        .render(csrf=csrf_token(request), version=__version__, **values)
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")
