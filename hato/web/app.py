"""``make_app``: the web console's aiohttp application, from its feature modules.

Each feature module has ``setup(app)``, which adds its routes: login, the
administrators' pages, and (beside them) the mail view and the JSON API. Errors
become ``{"error": ...}`` under ``/api/`` and a page elsewhere; nothing raised in a
handler reaches the client as a traceback.
"""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from hato.logs import event
from hato.web import (
    admin,
    api,
    classroom_assignments,
    classroom_checklist,
    classroom_live,
    classroom_roster,
    login,
    pages,
    rules,
)
from hato.web.auth import Handler, csrf_middleware, security_headers
from hato.web.context import WEB, WebContext
from hato.web.render import TEMPLATES, render, templates

__all__ = ["make_app"]

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
REQUEST_LIMIT = 1024 * 1024  # bytes of a request body (aiohttp answers 413 beyond)
_BODY_HEADERS = frozenset({"content-type", "content-length"})


def _api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def _message(error: web.HTTPException) -> str:
    """What an error says, without aiohttp's ``"404: "`` in front."""
    text = error.text or error.reason
    status = f"{error.status}: "
    return text[len(status) :] if text.startswith(status) else text


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Errors as JSON for the API, as a page for people; a failure logs one line."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or error.content_type == "application/json":
            raise
        if _api(request):
            kept = {k: v for k, v in error.headers.items() if k.lower() not in _BODY_HEADERS}
            return web.json_response({"error": _message(error)}, status=error.status, headers=kept)
        return render(
            request, "error.html", error.status, title=error.reason,
            code=error.status, reason=error.reason, message=_message(error),
        )  # fmt: skip
    except Exception as failure:  # one bad request must not reach the client as a traceback
        event(log, logging.ERROR, "http_error", path=request.path, error=repr(failure))
        if _api(request):
            return web.json_response({"error": "internal error"}, status=500)
        return render(
            request, "error.html", 500, title="Error",
            code=500, reason="Internal Server Error", message="Something went wrong.",
        )  # fmt: skip


def make_app(context: WebContext) -> web.Application:
    app = web.Application(middlewares=[error_pages, csrf_middleware], client_max_size=REQUEST_LIMIT)
    app[WEB] = context
    app[TEMPLATES] = templates()
    app.on_response_prepare.append(security_headers)
    app.router.add_static("/static", STATIC)
    login.setup(app)
    pages.setup(app)
    rules.setup(app)
    api.setup(app)
    admin.setup(app)
    classroom_roster.setup(app)
    classroom_assignments.setup(app)
    classroom_live.setup(app)
    classroom_checklist.setup(app)
    return app
