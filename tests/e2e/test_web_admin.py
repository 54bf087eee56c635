"""The administrators' pages and /metrics against a real ``hato serve``: every change
made through a form is seen by the mail protocols, and the counters move with real
SMTP, submission and IMAP traffic."""

from __future__ import annotations

import imaplib
import re
import smtplib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.harness import HatoProcess, free_port, hato
from tests.e2e.relay_peer import wait_until
from tests.e2e.test_login_throttle import imap_login as login_from
from tests.e2e.test_relay import submit
from tests.e2e.web import Reply, Web, basic

SERVICES = ("http", "smtp", "imap", "submissions")


def imap_login(server: HatoProcess, name: str, password: str) -> bool:
    return login_from(server, "127.0.0.1", name, password)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[HatoProcess]:
    config = (
        f'[routes]\n"remote.test" = "127.0.0.1:{free_port()}"\n'
        "[queue]\nretry = [3600]\ntimeout = 5\n"
        "[limits]\nlogin_delay_base = 0.001\nlogin_delay_max = 0.001\n"
    )
    process = HatoProcess(tmp_path / "data", services=SERVICES, extra_config=config)
    process.add_user("root", "root-pw", "--admin")
    process.add_user("alice", "alice-pw")
    yield process.start()
    assert process.stop() == 0


def admin(server: HatoProcess) -> Web:
    web = Web(server.ports["http"])
    web.login("root", "root-pw")
    return web


def form_post(web: Web, page: str, action: str, form: dict[str, str]) -> Reply:
    """Post ``form`` to ``action`` with the CSRF token of ``page``, as a browser would."""
    return web.post(action, {"csrf": web.get(page).csrf(), **form})


def row(page: Reply, marker: str) -> str:
    """The table row of ``page`` whose data attribute is ``marker`` (e.g. account="bob")."""
    found = re.search(rf"<tr data-{marker}>(.*?)</tr>", page.text, re.S)
    assert found is not None, page.text
    return found.group(1)


def test_pages_are_for_administrators_only(server: HatoProcess) -> None:
    anonymous = Web(server.ports["http"])
    reply = anonymous.get("/admin/accounts")
    assert reply.status == 303 and reply.headers["Location"] == "/login?next=/admin/accounts"
    user = Web(server.ports["http"])
    user.login("alice", "alice-pw")
    for path in ("/admin", "/admin/accounts", "/admin/aliases", "/admin/queue", "/admin/server"):
        assert user.get(path).status == 403, path
    refused = user.post("/admin/accounts", {"csrf": user.get("/login").csrf(), "name": "x",
                                            "password": "x"})  # fmt: skip
    assert refused.status == 403
    assert admin(server).get("/admin").headers["Location"] == "/admin/accounts"


def test_accounts_add_password_flag_delete(server: HatoProcess) -> None:
    web = admin(server)
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"]) as smtp:
        smtp.sendmail("c@remote.example", ["alice@example.org"], b"Subject: hi\r\n\r\nhello\r\n")
    page = web.get("/admin/accounts")
    assert re.search(r'<td class="number">1</td>\s*<td class="number">\d+ bytes</td>',
                     row(page, 'account="alice"'))  # fmt: skip
    assert "Make administrator" in row(page, 'account="alice"')
    assert "Take the flag" in row(page, 'account="root"')

    added = form_post(web, "/admin/accounts", "/admin/accounts",
                      {"name": "Bob", "password": "bob-pw"})  # fmt: skip
    assert added.status == 303
    assert imap_login(server, "bob", "bob-pw")
    again = form_post(web, "/admin/accounts", "/admin/accounts", {"name": "bob", "password": "x"})
    assert again.status == 409 and "user bob exists already" in again.text
    bad = form_post(web, "/admin/accounts", "/admin/accounts",
                    {"name": "<b>x</b>", "password": "x"})  # fmt: skip
    assert bad.status == 400 and "&lt;b&gt;" in bad.text and "<b>x" not in bad.text

    changed = form_post(web, "/admin/accounts", "/admin/accounts/bob/password",
                        {"password": "new-pw"})  # fmt: skip
    assert changed.status == 303
    assert imap_login(server, "bob", "new-pw") and not imap_login(server, "bob", "bob-pw")

    assert form_post(web, "/admin/accounts", "/admin/accounts/bob/admin",
                     {"admin": "on"}).status == 303  # fmt: skip
    listed = hato("user", "list", "--config", str(server.config_path), data_dir=server.data_dir)
    assert "bob  (admin)" in listed.stdout.splitlines()
    own = form_post(web, "/admin/accounts", "/admin/accounts/root/admin", {"admin": "off"})
    assert own.status == 400 and "your own flag" in own.text

    confirm = web.get("/admin/accounts/bob/delete")
    assert confirm.status == 200 and "Delete the account" in confirm.text
    wrong = form_post(web, "/admin/accounts/bob/delete", "/admin/accounts/bob/delete",
                      {"confirm": "alice"})  # fmt: skip
    assert wrong.status == 400 and imap_login(server, "bob", "new-pw")
    gone = form_post(web, "/admin/accounts/bob/delete", "/admin/accounts/bob/delete",
                     {"confirm": "bob"})  # fmt: skip
    assert gone.status == 303 and not imap_login(server, "bob", "new-pw")
    assert web.get("/admin/accounts/bob/delete").status == 404
    assert 'data-account="bob"' not in web.get("/admin/accounts").text


def test_quota_set_in_the_console_is_the_cli_s_and_is_enforced(server: HatoProcess) -> None:
    web = admin(server)
    assert "none" in row(web.get("/admin/accounts"), 'account="alice"')  # no limit in force
    done = form_post(web, "/admin/accounts", "/admin/accounts/alice/quota",
                     {"storage": "", "messages": "1"})  # fmt: skip
    assert done.status == 303
    shown = hato("user", "quota", "alice", "--config", str(server.config_path),
                 data_dir=server.data_dir).stdout  # fmt: skip
    assert "messages: 0 of 1 (set for the account)" in shown
    assert "storage: 0 octets, no limit (the default)" in shown
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"]) as smtp:
        smtp.sendmail("c@remote.example", ["alice@example.org"], b"Subject: 1\r\n\r\none\r\n")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            smtp.sendmail("c@remote.example", ["alice@example.org"], b"Subject: 2\r\n\r\n2\r\n")
    assert refused.value.recipients["alice@example.org"][0] == 552
    bad = form_post(web, "/admin/accounts", "/admin/accounts/alice/quota", {"storage": "lots"})
    assert bad.status == 400 and "quota of alice: must be a size" in bad.text
    cleared = form_post(web, "/admin/accounts", "/admin/accounts/alice/quota",
                        {"messages": "none"})  # fmt: skip
    assert cleared.status == 303
    assert (
        "messages: 1, no limit (set for the account)"
        in hato(
            "user", "quota", "alice", "--config", str(server.config_path), data_dir=server.data_dir
        ).stdout
    )


def test_a_token_issued_in_the_console_is_shown_once_and_replaces_the_old(
    server: HatoProcess,
) -> None:
    web = admin(server)
    old = hato("user", "token", "alice", "--config", str(server.config_path),
               data_dir=server.data_dir).stdout.strip()  # fmt: skip
    api = Web(server.ports["http"])
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status == 200
    issued = form_post(web, "/admin/accounts", "/admin/accounts/alice/token", {})
    assert issued.status == 200 and issued.headers["Cache-Control"] == "no-store"
    found = re.search(r'<code class="token">([^<]+)</code>', issued.text)
    assert found is not None and "API token of alice" in issued.text
    new = found.group(1)
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"})
    assert me.status == 200 and me.json()["name"] == "alice"
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status == 401
    assert new not in web.get("/admin/accounts").text  # once
    missing = form_post(web, "/admin/accounts", "/admin/accounts/nobody/token", {})
    assert missing.status == 404


def test_an_admin_post_without_the_csrf_token_changes_nothing(
    server: HatoProcess,
) -> None:
    web = admin(server)
    reply = web.post("/admin/accounts", {"name": "mallory", "password": "x"})
    assert reply.status == 403
    assert not imap_login(server, "mallory", "x")


def test_aliases(server: HatoProcess) -> None:
    web = admin(server)
    added = form_post(web, "/admin/aliases", "/admin/aliases",
                      {"address": "Info@example.org", "targets": "alice, root"})  # fmt: skip
    assert added.status == 303
    assert "alice, root" in row(web.get("/admin/aliases"), 'alias="info@example.org"')
    listed = hato("alias", "list", "--config", str(server.config_path), data_dir=server.data_dir)
    assert listed.stdout.splitlines() == ["info@example.org: alice, root"]
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"]) as smtp:
        smtp.sendmail("c@remote.example", ["info@example.org"], b"Subject: a\r\n\r\nx\r\n")
    assert 'data-account="alice">' in web.get("/admin/accounts").text
    dead = form_post(web, "/admin/aliases", "/admin/aliases",
                     {"address": "sales@example.org", "targets": "nobody"})  # fmt: skip
    assert dead.status == 200 and "nobody: no such account or alias" in dead.text
    deleted = form_post(web, "/admin/aliases", "/admin/aliases/delete",
                        {"address": "info@example.org"})  # fmt: skip
    assert deleted.status == 303 and "No aliases." in web.get("/admin/aliases").text
    missing = form_post(web, "/admin/aliases", "/admin/aliases/delete",
                        {"address": "info@example.org"})  # fmt: skip
    assert missing.status == 404


def test_queue_retry_and_delete_with_the_last_error(server: HatoProcess) -> None:
    web = admin(server)
    assert "The queue is empty." in web.get("/admin/queue").text
    submit(server, ["zoe@remote.test", "zed@remote.test"])
    wait_until(lambda: "connection" in web.get("/admin/queue").text)
    page = web.get("/admin/queue")
    ident = re.search(r'<tr data-queued="(\d+)">', page.text).group(1)  # type: ignore[union-attr]
    assert "&lt;zoe@remote.test&gt;" in page.text and "&lt;zed@remote.test&gt;" in page.text
    assert form_post(web, "/admin/queue", f"/admin/queue/{ident}/retry", {}).status == 303
    assert form_post(web, "/admin/queue", "/admin/queue/all/retry", {}).status == 303
    assert form_post(web, "/admin/queue", "/admin/queue/999999/retry", {}).status == 404
    assert form_post(web, "/admin/queue", f"/admin/queue/{ident}/delete", {}).status == 303
    assert "The queue is empty." in web.get("/admin/queue").text
    assert form_post(web, "/admin/queue", f"/admin/queue/{ident}/delete", {}).status == 404
    assert form_post(web, "/admin/queue", "/admin/queue/x1/delete", {}).status == 404


def test_server_page_shows_listeners_and_open_connections(server: HatoProcess) -> None:
    web = admin(server)
    client = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=30)
    try:
        wait_until(lambda: '<td class="number">1</td>' in row(web.get("/admin/server"),
                                                              'service="imap"'))  # fmt: skip
    finally:
        client.logout()
    page = web.get("/admin/server")
    for service in SERVICES:
        assert f"127.0.0.1:{server.ports[service]}" in row(page, f'service="{service}"')
    assert '<td class="number">1</td>' in row(page, 'service="http"')  # this very request
    assert "SQLite" in page.text or "PostgreSQL" in page.text
    assert "hato 0." in page.text
    index = row(page, 'row="index"')
    assert "Full-text index" in index and "0 waiting to be" in index  # hato index stats' figures
    wait_until(lambda: '<td class="number">0</td>' in row(web.get("/admin/server"),
                                                          'service="imap"'))  # fmt: skip


def scrape(web: Web, **options: object) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    reply = web.get("/metrics", **options)
    assert reply.status == 200, reply.text
    assert reply.headers.get_content_type() == "text/plain"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
          **labels: str) -> float:  # fmt: skip
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_move_with_real_traffic(server: HatoProcess) -> None:
    web = Web(server.ports["http"])  # from loopback: no login
    before = scrape(web)
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"]) as smtp:
        smtp.sendmail("c@remote.example", ["alice@example.org"], b"Subject: m\r\n\r\nx\r\n")
    assert imap_login(server, "alice", "alice-pw")
    assert not imap_login(server, "alice", "wrong")
    submit(server, ["zoe@remote.test"])
    wait_until(lambda: value(scrape(web), "hato_messages_total", event="deferred") >= 1)
    after = scrape(web)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("hato_messages_total", event="delivered") >= 1
    assert moved("hato_messages_total", event="submitted") == 1
    assert moved("hato_logins_total", protocol="imap", result="ok") == 1
    assert moved("hato_logins_total", protocol="imap", result="failed") == 1
    assert moved("hato_logins_total", protocol="submission", result="ok") == 1
    assert moved("hato_connections_total", protocol="smtp") == 1
    assert moved("hato_connections_total", protocol="imap") == 2
    assert moved("hato_command_seconds_count", protocol="imap") >= 4  # LOGIN, LOGOUT, ...
    assert moved("hato_command_seconds_count", protocol="smtp") >= 5  # EHLO ... QUIT
    assert value(after, "hato_connections_open", protocol="imap") == 0
    assert value(after, "hato_queue_recipients") == 1
    assert value(after, "hato_store_bytes") > 0


def outside_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


def test_from_outside_metrics_need_an_admin_token_and_basic_needs_tls(tmp_path: Path) -> None:
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no address but loopback")
    server = HatoProcess(tmp_path / "data", services=("http",), args=("--host", address))
    server.add_user("root", "root-pw", "--admin")
    server.add_user("alice", "alice-pw")
    server.start()
    try:
        web = Web(server.ports["http"], host=address)
        assert web.get("/metrics").status == 401
        tokens = {
            name: hato("user", "token", name, "--config", str(server.config_path),
                       data_dir=server.data_dir).stdout.strip()
            for name in ("root", "alice")
        }  # fmt: skip
        assert (
            web.get("/metrics", headers={"Authorization": f"Bearer {tokens['alice']}"}).status
            == 403
        )
        assert scrape(web, headers={"Authorization": f"Bearer {tokens['root']}"})
        refused = web.get("/api/v1/me", headers=basic("root", "root-pw"))
        assert refused.status == 401 and "only over TLS" in refused.json()["error"]
        login = web.post("/login", {"name": "root", "password": "root-pw"})
        assert login.status == 403 and login.cookies() == []
    finally:
        assert server.stop() == 0


def test_demo_administrator_logs_in_with_the_printed_password(tmp_path: Path) -> None:
    server = HatoProcess(tmp_path / "data", services=("http",), args=("--demo",)).start()
    try:
        line = next(line for line in server.output if "administrator admin" in line)
        password = line.rsplit("password ", 1)[1]
        web = Web(server.ports["http"])
        web.login("admin", password)
        assert web.get("/admin/accounts").status == 200
        student = Web(server.ports["http"])
        student.login("is_network", "3is_network")
        assert student.get("/admin/accounts").status == 403
    finally:
        assert server.stop() == 0
