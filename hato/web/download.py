"""What the console hands out as a file: a message part or a whole message, always as an
attachment (RFC 6266), never as a page or a script of the console's own origin.

- ``Content-Disposition: attachment`` with the (already sanitised) file name twice: plain
  ASCII for old clients, and ``filename*`` in RFC 8187 UTF-8 (RFC 6266 §4.3).
- A script or a style sheet goes as ``application/octet-stream``: the console's pages allow
  scripts and style sheets from their own origin ('self'), and a sender's file served from
  it with its own type could be loaded by one of them.
- ``Content-Security-Policy: sandbox; default-src 'none'``: opened in the browser after
  all, the file runs nothing and loads nothing.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

__all__ = ["attachment_response", "content_disposition", "served_type"]


def _plain(char: str) -> bool:
    return char.isascii() and char.isprintable() and char not in '"\\;%'


def content_disposition(filename: str) -> str:
    """``attachment`` with the name as plain ASCII and as RFC 8187 UTF-8 (RFC 6266 §4.3)."""
    fallback = "".join(c if _plain(c) else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def served_type(content_type: str) -> str:
    """The type a file goes as: its own, but a script or style sheet as octet-stream."""
    active = content_type.endswith("script") or content_type == "text/css"
    return "application/octet-stream" if active else content_type


def attachment_response(data: bytes, content_type: str, filename: str) -> web.Response:
    headers = {
        "Content-Disposition": content_disposition(filename),
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }
    return web.Response(body=data, content_type=served_type(content_type), headers=headers)
