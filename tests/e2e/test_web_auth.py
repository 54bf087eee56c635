"""The web console's front door, against a real ``hato serve``: login and logout, the
session cookie, CSRF, the security headers, HTTP Basic and API tokens, JSON errors."""

from __future__ import annotations

import imaplib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import STORE_SERVER_ENV, HatoProcess, hato
from tests.e2e.web import Web, basic

PASSWORD = "correct horse"


def start(tmp_path: Path, extra: str = "") -> HatoProcess:
    server = HatoProcess(tmp_path / "data", services=("http", "imap"), extra_config=extra)
    server.add_user("alice", PASSWORD)
    return server.start()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[HatoProcess]:
    process = start(tmp_path, "[limits]\nlogin_delay_base = 0.001\nlogin_delay_max = 0.001\n")
    yield process
    assert process.stop() == 0


def test_listener_is_announced_and_stops_gracefully(server: HatoProcess) -> None:
    port = server.ports["http"]
    assert f"hato: http listening on 127.0.0.1:{port}" in server.output


def test_login_sets_a_strict_http_only_cookie_and_logout_ends_it(server: HatoProcess) -> None:
    web = Web(server.ports["http"])
    reply = web.login("alice", PASSWORD)
    assert reply.headers["Location"] == "/"
    (cookie,) = reply.cookies()
    assert cookie.startswith("hato_session=")
    flags = {flag.strip().lower() for flag in cookie.split(";")[1:]}
    assert "httponly" in flags and "samesite=strict" in flags
    assert "secure" not in flags  # plain HTTP: a Secure cookie would never come back
    assert web.get("/api/v1/me").json() == {"name": "alice", "admin": False}
    page = web.get("/login")
    assert "logged in as alice" in page.text
    assert web.post("/logout", {"csrf": page.csrf()}).status == 303
    assert web.cookie is None
    assert web.get("/api/v1/me").status == 401


def test_a_password_change_ends_every_session(server: HatoProcess) -> None:
    web = Web(server.ports["http"])
    web.login("alice", PASSWORD)
    assert web.get("/api/v1/me").status == 200
    config = str(server.config_path)
    changed = hato("user", "passwd", "alice", "--password-stdin", "--config", config,
                   data_dir=server.data_dir, stdin="new one\n")  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert web.get("/api/v1/me").status == 401
    web.login("alice", "new one")
    assert web.get("/api/v1/me").status == 200


def test_wrong_password_and_unknown_user_get_no_cookie(server: HatoProcess) -> None:
    web = Web(server.ports["http"])
    for name, password in (("alice", "wrong"), ("nobody", PASSWORD), ("alice", "x" * 5000)):
        reply = web.post("/login", {"name": name, "password": password})
        assert reply.status == 401
        assert "Wrong name or password." in reply.text
        assert reply.cookies() == []


def test_forged_or_foreign_cookie_is_no_session(server: HatoProcess) -> None:
    web = Web(server.ports["http"])
    web.login("alice", PASSWORD)
    assert web.cookie is not None
    payload, signature = web.cookie.split("=", 1)[1].split(".")
    for forged in (f"{payload}.{signature[:-2]}AA", f"{payload[:-4]}.{signature}", "x.y", ""):
        reply = Web(server.ports["http"], cookie=f"hato_session={forged}").get("/api/v1/me")
        assert reply.status == 401, forged


def test_login_redirects_only_within_the_site(server: HatoProcess) -> None:
    web = Web(server.ports["http"])
    for target, expected in (
        ("/admin/accounts", "/admin/accounts"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ):
        reply = web.post("/login", {"name": "alice", "password": PASSWORD, "next": target})
        assert reply.headers["Location"] == expected


def test_state_change_without_the_csrf_token_is_refused(server: HatoProcess) -> None:
    web = Web(server.ports["http"])
    web.login("alice", PASSWORD)
    token = web.get("/login").csrf()
    for form, headers in (({}, {}), ({"csrf": "guess"}, {}), ({}, {"X-CSRF-Token": "guess"})):
        reply = web.post("/logout", form, headers=headers)
        assert reply.status == 403
        assert "CSRF" in reply.text
    assert web.get("/api/v1/me").status == 200  # still logged in
    assert web.request("DELETE", "/api/v1/me").json()["error"].startswith("missing or wrong CSRF")
    assert web.post("/logout", {}, headers={"X-CSRF-Token": token}).status == 303


def test_every_response_carries_the_security_headers(server: HatoProcess) -> None:
    web = Web(server.ports["http"])
    for path in ("/login", "/static/hato.css", "/no/such/page", "/api/v1/me"):
        headers = web.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Server"] == "hato"


def test_api_errors_are_json_with_the_right_status(server: HatoProcess) -> None:
    web = Web(server.ports["http"])
    reply = web.get("/api/v1/me")
    assert reply.status == 401 and "error" in reply.json()
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert web.get("/api/v1/no-such-endpoint").json() == {"error": "Not Found"}
    assert web.get("/api/v1/me", headers={"Authorization": "Digest x"}).status == 401
    assert web.get("/api/v1/me", headers={"Authorization": "Basic ***"}).status == 401
    assert web.request("POST", "/api/v1/me").json() == {"error": "Method Not Allowed"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    big = web.request("POST", "/login", body=b"x" * (2 * 1024 * 1024), headers=form)
    assert big.status == 413
    page = web.get("/no/such/page")
    assert page.status == 404 and page.headers.get_content_type() == "text/html"


def test_basic_and_bearer_token(server: HatoProcess) -> None:
    web = Web(server.ports["http"])
    assert web.get("/api/v1/me", headers=basic("alice", PASSWORD)).json()["name"] == "alice"
    assert web.get("/api/v1/me", headers=basic("alice", "wrong")).status == 401
    made = hato("user", "token", "alice", "--config", str(server.config_path),
                data_dir=server.data_dir)  # fmt: skip
    assert made.returncode == 0, made.stderr
    (token,) = made.stdout.splitlines()
    bearer = {"Authorization": f"Bearer {token}"}
    assert web.get("/api/v1/me", headers=bearer).json() == {"name": "alice", "admin": False}
    again = hato("user", "token", "alice", "--config", str(server.config_path),
                 data_dir=server.data_dir)  # fmt: skip
    assert again.stdout.strip() != token
    assert web.get("/api/v1/me", headers=bearer).status == 401  # replaced: the old one is dead
    assert web.get("/api/v1/me", headers={"Authorization": "Bearer hato_x"}).status == 401
    if STORE_SERVER_ENV not in os.environ:  # the embedded store: look into its file
        stored = (server.data_dir / "hato.sqlite3").read_bytes()
        assert token.encode() not in stored and again.stdout.strip().encode() not in stored


def test_failed_logins_are_throttled_with_imaps(tmp_path: Path) -> None:
    """IMAP's failures slow the web login down, and the other way round: one throttle."""
    server = start(tmp_path, "[limits]\nlogin_delay_base = 0.4\nlogin_delay_max = 30.0\n")
    try:
        client = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=30)
        with pytest.raises(imaplib.IMAP4.error):
            client.login("alice", "wrong")
        client.logout()
        web = Web(server.ports["http"])
        assert web.post("/login", {"name": "alice", "password": "wrong"}).status == 401
        began = time.monotonic()
        reply = web.post("/login", {"name": "alice", "password": "wrong again"})
        waited = time.monotonic() - began
        assert reply.status == 401
        assert waited >= 0.4 * 2 * 0.9  # two failures before it: 0.4 s * 2**(2-1), or more
        client = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=30)
        began = time.monotonic()
        with pytest.raises(imaplib.IMAP4.error):
            client.login("alice", "wrong")
        assert time.monotonic() - began >= 0.4 * 4 * 0.9  # three before it
        client.logout()
    finally:
        assert server.stop() == 0


def test_https_marks_the_cookie_secure_and_allows_basic(tmp_path: Path) -> None:
    server = start(tmp_path, "[http]\ntls = true\n")
    try:
        web = Web(server.ports["http"], tls=True)
        (cookie,) = web.login("alice", PASSWORD).cookies()
        assert "secure" in {flag.strip().lower() for flag in cookie.split(";")}
        assert web.get("/api/v1/me", headers=basic("alice", PASSWORD)).status == 200
    finally:
        assert server.stop() == 0
