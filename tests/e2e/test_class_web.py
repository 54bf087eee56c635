"""The console's class roster against a real ``hato serve``: an upload makes the accounts
and answers with printable login cards whose passwords log in over POP3, new passwords
on demand, and no class page for anyone but an administrator."""

from __future__ import annotations

import html
import poplib
import re
import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.web import Reply, Web

SERVICES = ("http", "pop3", "pop3s", "imap", "imaps", "smtp", "submission")
ROSTER = (
    "学籍番号,氏名,メール\r\nW01,山田 ﾀﾛｳ,yamada@example.jp\r\nW01,重複,\r\nW02,佐藤 花子 ①,\r\n"
)
PAGES = ("/admin/class/roster", "/admin/class/roster/import", "/admin/class/roster/cards")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = HatoProcess(tmp_path_factory.mktemp("class-web") / "data", services=SERVICES)
    process.add_user("root", "root-pw", "--admin")
    process.add_user("alice", "alice-pw")
    yield process.start()
    assert process.stop() == 0


def upload(web: Web, roster: bytes, **fields: str) -> Reply:
    """The roster form sent as a browser sends it (multipart/form-data, RFC 7578)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in {"csrf": web.get("/admin/class/roster").csrf(), **fields}.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="roster"; filename="r.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + roster
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return web.request("POST", "/admin/class/roster/import", body=body, headers=headers)


def cards(page: Reply) -> dict[str, str]:
    """account -> password, from the cards on the page."""
    found = re.findall(
        r'<article class="card" data-account="([^"]+)">.*?<code class="password">([^<]+)</code>',
        page.text,
        re.S,
    )
    return dict(found)


def pop3_login(server: HatoProcess, name: str, password: str) -> bool:
    pop = poplib.POP3("127.0.0.1", server.ports["pop3"])
    try:
        pop.user(name)
        pop.pass_(password)
        return pop.stat()[0] > 0
    except poplib.error_proto:
        return False
    finally:
        pop.quit()


def admin(server: HatoProcess) -> Web:
    web = Web(server.ports["http"])
    web.login("root", "root-pw")
    return web


def test_upload_answers_with_the_cards(server: HatoProcess) -> None:
    web = admin(server)
    page = upload(web, ROSTER.encode("cp932"), host="lab.example.jp")
    assert page.status == 200 and page.headers["Cache-Control"] == "no-store"
    made = cards(page)
    assert sorted(made) == ["w01", "w02"]
    assert all(pop3_login(server, name, password) for name, password in made.items())
    text = html.unescape(page.text)
    assert (
        "line 3: id &#39;W01&#39; repeats line 2" in page.text
        or "line 3: id 'W01' repeats line 2" in text
    )
    assert "山田 ﾀﾛｳ" in text and "佐藤 花子 ①" in text  # the Shift_JIS roster read right
    ports = server.ports
    for line in (
        f"nc -C lab.example.jp {ports['pop3']}",
        f"telnet lab.example.jp {ports['imap']}",
        f"openssl s_client -crlf -quiet -connect lab.example.jp:{ports['pop3s']}",
        f"openssl s_client -crlf -quiet -connect lab.example.jp:{ports['imaps']}",
        f"nc -C lab.example.jp {ports['smtp']}",
        "openssl s_client -crlf -quiet -starttls smtp -connect "
        f"lab.example.jp:{ports['submission']}",
    ):
        assert line in text, line
    style = web.get("/static/classroom.css").text
    assert "@page { size: A4" in style and "@media print" in style
    again = upload(web, ROSTER.encode("utf-8"))
    assert cards(again) == {} and "2 already in the class kept their passwords" in again.text
    listed = web.get("/admin/class/roster").text
    assert 'data-student="w01"' in listed and 'data-student="w02"' in listed


def test_new_passwords_for_the_chosen(server: HatoProcess) -> None:
    web = admin(server)
    old = cards(upload(web, b"id,name\nw10,Ten\nw11,Eleven\n"))
    refused = web.post(
        "/admin/class/roster/cards", {"csrf": web.get(PAGES[0]).csrf(), "account": "w10"}
    )
    assert refused.status == 400 and pop3_login(server, "w10", old["w10"])
    form = {"csrf": web.get(PAGES[0]).csrf(), "account": "w10", "confirm": "on"}
    page = web.post("/admin/class/roster/cards", form)
    new = cards(page)
    assert list(new) == ["w10"] and new["w10"] != old["w10"]
    assert pop3_login(server, "w10", new["w10"]) and not pop3_login(server, "w10", old["w10"])
    assert pop3_login(server, "w11", old["w11"])  # not chosen, not changed


def test_students_get_403_on_every_class_page(server: HatoProcess) -> None:
    made = cards(upload(admin(server), b"id,name\nw20,Twenty\n"))
    for name, password in (("w20", made["w20"]), ("alice", "alice-pw")):
        web = Web(server.ports["http"])
        web.login(name, password)
        token = web.get("/login").csrf()
        assert web.get(PAGES[0]).status == 403
        for path in PAGES[1:]:
            assert web.post(path, {"csrf": token, "confirm": "on"}).status == 403, path
        assert web.get(PAGES[0]).status == 403
    assert pop3_login(server, "w20", made["w20"])  # the refused requests changed nothing
