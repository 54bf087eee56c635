"""The mail view's pages over plain HTTP, as a browser without JavaScript sends them.

What the browser tests (test_web_browser.py) cannot see well: response headers, another
account's ids, forms posted without a page's script, and messages built to break the view.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.web import Web

LARGE = "[limits]\nmessage_size = 5000000\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = HatoProcess(
        tmp_path_factory.mktemp("pages") / "data", services=("smtp", "http"), extra_config=LARGE
    )
    process.add_user("alice", "alice-pw")
    process.add_user("bob", "bob-pw")
    process.add_user("carol", "carol-pw")
    process.start()
    yield process
    assert process.stop() == 0


def deliver(server: HatoProcess, to: str, message: str) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30) as smtp:
        smtp.sendmail("sender@remote.example", [f"{to}@example.org"], message.encode())


def logged_in(server: HatoProcess, name: str) -> Web:
    web = Web(server.ports["http"])
    web.login(name, f"{name}-pw")
    return web


def inbox(web: Web) -> tuple[str, str]:
    """The INBOX's list page URL and its HTML."""
    home = web.get("/")
    assert home.status == 303
    location = home.headers["Location"]
    page = web.get(location)
    assert page.status == 200
    return location, page.text


def message_ids(page: str) -> list[str]:
    return re.findall(r'href="/message/([0-9-]+)"', page)


def only_message(server: HatoProcess, name: str, message: str) -> tuple[Web, str, str]:
    """Deliver ``message`` to an emptied INBOX of ``name``: (session, list URL, its id)."""
    web = logged_in(server, name)
    location, page = inbox(web)
    for ident in message_ids(page):
        web.post(f"{location}/messages", {"csrf": web.last.csrf(), "id": ident, "action": "delete"})
    deliver(server, name, message)
    location, page = inbox(web)
    [ident] = message_ids(page)
    return web, location, ident


ATTACHED_SCRIPT = (
    "Subject: a script\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="b"\r\n'
    "\r\n"
    "--b\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>hello</p>\r\n"
    "--b\r\n"
    "Content-Type: application/javascript\r\n"
    'Content-Disposition: attachment; filename="../../etc/\x07run.js"\r\n'
    "\r\n"
    "alert(1)\r\n"
    "--b--\r\n"
)


def test_the_html_part_is_served_under_a_policy_of_its_own(server: HatoProcess) -> None:
    web, _, ident = only_message(server, "alice", ATTACHED_SCRIPT)
    html = web.get(f"/message/{ident}/html")
    assert html.status == 200
    assert "<p>hello</p>" in html.text
    policy = html.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and policy.endswith("sandbox")
    assert "img-src data:;" in policy
    assert "frame-ancestors 'self'" in policy
    assert html.headers["X-Frame-Options"] == "SAMEORIGIN"
    with_images = web.get(f"/message/{ident}/html?images=1")
    assert "img-src data: http: https:;" in with_images.headers["Content-Security-Policy"]
    page = web.get(f"/message/{ident}")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert '<iframe class="html-part" sandbox ' in page.text


def test_a_script_downloads_as_an_attachment_of_no_active_type(server: HatoProcess) -> None:
    web, _, ident = only_message(server, "alice", ATTACHED_SCRIPT)
    part = web.get(f"/message/{ident}/part/2")
    assert part.status == 200
    assert part.body == b"alert(1)"
    assert part.headers["Content-Type"] == "application/octet-stream"
    assert part.headers["Content-Disposition"].startswith('attachment; filename="run.js"')
    assert part.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    source = web.get(f"/message/{ident}/raw?download=1")
    assert source.headers["Content-Disposition"].startswith("attachment;")
    assert source.body.endswith(b"--b--\r\n")


def test_another_accounts_messages_are_not_found(server: HatoProcess) -> None:
    _alice, alices_inbox, ident = only_message(server, "alice", "Subject: mine\r\n\r\nsecret\r\n")
    bob = logged_in(server, "bob")
    inbox(bob)
    csrf = bob.last.csrf()
    for path in ("", "/html", "/raw", "/part/1"):
        reply = bob.get(f"/message/{ident}{path}")
        assert reply.status == 404, path
        assert "secret" not in reply.text
    assert bob.get(alices_inbox).status == 404
    for action in ("read", "delete"):
        refused = bob.post(
            f"{alices_inbox}/messages", {"csrf": csrf, "id": ident, "action": action}
        )
        assert refused.status == 404


def test_the_forms_work_without_javascript_and_need_the_token(server: HatoProcess) -> None:
    web, location, ident = only_message(server, "alice", "Subject: plain\r\n\r\nhi\r\n")
    form = {"id": ident, "action": "flag"}
    assert web.post(f"{location}/messages", form).status == 403  # no CSRF token
    assert 'class="flagged-mark"' not in inbox(web)[1]
    done = web.post(f"{location}/messages", {**form, "csrf": web.last.csrf()})
    assert done.status == 303
    assert done.headers["Location"] == location
    _, page = inbox(web)
    assert 'class="flagged-mark"' in page
    assert 'class="unread"' in page
    assert web.get(f"/message/{ident}").status == 200  # opening it reads it
    assert 'class="unread"' not in inbox(web)[1]


def test_a_search_that_is_no_search_is_said_on_the_page(server: HatoProcess) -> None:
    web = logged_in(server, "alice")
    location, _ = inbox(web)
    page = web.get(f"{location}?q=has:wings")
    assert page.status == 200
    assert "has:wings is not a search" in page.text


def test_a_thousand_nested_parts_and_a_megabyte_header_are_shown(server: HatoProcess) -> None:
    depth = 1000
    opening = "".join(
        f"Content-Type: multipart/mixed; boundary=b{n}\r\n\r\n--b{n}\r\n" for n in range(depth)
    )
    closing = "".join(f"--b{n}--\r\n" for n in reversed(range(depth)))
    deep = f"Subject: deep\r\n{opening}Content-Type: text/plain\r\n\r\nleaf\r\n{closing}"
    web, _, ident = only_message(server, "alice", deep)
    page = web.get(f"/message/{ident}")
    assert page.status == 200
    assert page.text.count("multipart/mixed") > 100  # as deep as hato.mime reads: 100
    folded = ("a" * 76 + "\r\n ") * 13_000
    web, _, ident = only_message(server, "alice", f"Subject: big\r\nX-Big: {folded}x\r\n\r\nhi\r\n")
    page = web.get(f"/message/{ident}")
    assert page.status == 200
    assert len(page.body) < 100_000  # the header is shown cut short


def test_move_takes_a_message_to_the_mailbox_chosen(server: HatoProcess) -> None:
    web, location, ident = only_message(server, "bob", "Subject: to file\r\n\r\nhi\r\n")
    drafts = re.search(r'href="(/mail/[0-9]+)"><span class="name">Drafts<', web.last.text)
    assert drafts is not None
    form = {"csrf": web.last.csrf(), "id": ident, "action": "move", "target": "Drafts"}
    assert web.post(f"{location}/messages", form).status == 303
    assert message_ids(inbox(web)[1]) == []
    assert "to file" in web.get(drafts.group(1)).text


def test_the_list_goes_fifty_a_page_newest_first(server: HatoProcess) -> None:
    web = logged_in(server, "carol")
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30) as smtp:
        for number in range(51):
            message = f"Subject: number {number}\r\n\r\nhi\r\n"
            smtp.sendmail("sender@remote.example", ["carol@example.org"], message.encode())
    location, first = inbox(web)
    assert len(message_ids(first)) == 50
    subjects = re.findall(r">number ([0-9]+)</a>", first)
    assert subjects == [str(number) for number in range(50, 0, -1)]
    assert f'href="{location}?page=2" rel="next"' in first
    second = web.get(f"{location}?page=2").text
    assert re.findall(r">number ([0-9]+)</a>", second) == ["0"]
    assert 'rel="prev"' in second and 'rel="next"' not in second
