"""A small HTTP client for the web console's tests: real requests, no redirects followed.

``Web(port)`` keeps the session cookie the server sets (as a browser would, without
its SameSite rules: these tests send what they mean to send) and answers ``Reply``.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import ssl
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

__all__ = ["Reply", "Web", "basic"]

_CSRF_FIELD = re.compile(rb'name="csrf" value="([^"]*)"')


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        assert self.headers.get_content_type() == "application/json", self.headers
        return json.loads(self.body)

    def cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []

    def csrf(self) -> str:
        """The CSRF token of the first form on the page."""
        found = _CSRF_FIELD.search(self.body)
        assert found is not None and found.group(1), self.text
        return found.group(1).decode()


def basic(name: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


@dataclass
class Web:
    port: int
    tls: bool = False
    host: str = "127.0.0.1"
    source: str | None = None  # a loopback address to connect from (127.0.0.2, ...)
    cookie: str | None = None
    timeout: float = 30
    last: Reply | None = field(default=None, repr=False)

    def _connection(self) -> http.client.HTTPConnection:
        source = (self.source, 0) if self.source else None
        if not self.tls:
            return http.client.HTTPConnection(
                self.host, self.port, timeout=self.timeout, source_address=source
            )
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the first-start certificate is self-signed
        return http.client.HTTPSConnection(
            self.host, self.port, timeout=self.timeout, source_address=source, context=context
        )

    def request(
        self, method: str, path: str, body: bytes | None = None,
        headers: dict[str, str] | None = None, form: dict[str, str] | None = None,
    ) -> Reply:  # fmt: skip
        sent = dict(headers or {})
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie and "Cookie" not in sent:
            sent["Cookie"] = self.cookie
        connection = self._connection()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            reply = Reply(response.status, response.msg, response.read())
        finally:
            connection.close()
        for cookie in reply.cookies():
            pair = cookie.split(";", 1)[0]
            self.cookie = None if pair.endswith("=") or "Max-Age=0" in cookie else pair
        self.last = reply
        return reply

    def get(self, path: str, **options: Any) -> Reply:
        return self.request("GET", path, **options)

    def post(self, path: str, form: dict[str, str], **options: Any) -> Reply:
        return self.request("POST", path, form=form, **options)

    def login(self, name: str, password: str) -> Reply:
        reply = self.post("/login", {"name": name, "password": password})
        assert reply.status == 303, (reply.status, reply.text)
        return reply
