"""The JSON API against a real ``hato serve``: mail delivered over SMTP (smtplib),
read, searched, flagged, waited for, deleted and sent over HTTP; Mailpit's shapes;
every error status; another account's ids; hostile messages."""

from __future__ import annotations

import base64
import json
import smtplib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.harness import HatoProcess, hato, inbox_messages
from tests.e2e.web import Reply, Web
from tests.web.messages import deep_mime, japanese, plain, with_attachment

PASSWORD = "correct horse"
USERS = ("alice", "bob", "carol", "dave")
SUMMARY_KEYS = {
    "ID", "MessageID", "Read", "From", "To", "Cc", "Bcc", "ReplyTo", "Subject", "Created",
    "Tags", "Size", "Attachments", "Snippet",
}  # fmt: skip
PAGE_KEYS = {"total", "unread", "count", "messages_count", "start", "tags", "messages"}


class Api:
    """One account's API client: a Bearer token from ``hato user token``."""

    def __init__(self, server: HatoProcess, name: str) -> None:
        made = hato("user", "token", name, "--config", str(server.config_path),
                    data_dir=server.data_dir)  # fmt: skip
        assert made.returncode == 0, made.stderr
        self.auth = {"Authorization": f"Bearer {made.stdout.strip()}"}
        self.web = Web(server.ports["http"])
        self.name = name

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None) -> Reply:
        headers = dict(self.auth)
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return self.web.request(method, "/api/v1" + path, body=data, headers=headers)

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        reply = self.call(method, path, body)
        assert reply.status == 200, (reply.status, reply.text)
        return reply.json() if reply.headers.get_content_type() == "application/json" else reply

    def messages(self, query: str = "") -> Any:
        return self.ok("GET", "/messages" + query)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("web-api") / "data"
    process = HatoProcess(data, services=("smtp", "http"))
    for name in USERS:
        process.add_user(name, PASSWORD)
    process.start()
    yield process
    assert process.stop() == 0


@pytest.fixture(scope="module")
def apis(server: HatoProcess) -> dict[str, Api]:
    return {name: Api(server, name) for name in USERS}


def deliver(server: HatoProcess, to: str, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30) as smtp:
        smtp.sendmail("sender@elsewhere.test", [to], raw)


def test_list_read_raw_and_part_in_mailpits_shapes(
    server: HatoProcess, apis: dict[str, Api]
) -> None:
    alice = apis["alice"]
    deliver(server, "alice@example.org", with_attachment("report", "../../r.pdf", b"%PDF-1.4"))
    page = alice.messages()
    assert set(page) == PAGE_KEYS
    assert page["total"] == page["messages_count"] == page["count"] == 1 and page["start"] == 0
    [line] = page["messages"]
    assert set(line) >= SUMMARY_KEYS
    assert line["From"] == {"Name": "Carol", "Address": "carol@example.org"}
    assert line["To"] == [{"Name": "", "Address": "bob@example.org"}]
    assert (line["Subject"], line["Read"], line["Attachments"]) == ("report", False, 1)
    assert line["Snippet"] == "see the attachment"
    assert line["Created"].endswith("Z")
    message = alice.ok("GET", f"/message/{line['ID']}")
    assert message["Text"].rstrip() == "see the attachment" and message["HTML"] == ""
    [attached] = message["Attachments"]
    assert attached["FileName"] == "r.pdf" and attached["ContentType"] == "application/pdf"
    assert alice.messages()["messages"][0]["Read"] is True  # Mailpit marks it read
    part = alice.call("GET", f"/message/{line['ID']}/part/{attached['PartID']}")
    assert part.status == 200 and part.body == b"%PDF-1.4"
    assert part.headers.get_content_type() == "application/pdf"
    assert part.headers["Content-Disposition"].startswith('attachment; filename="r.pdf"')
    raw = alice.call("GET", f"/message/{line['ID']}/raw")
    assert raw.status == 200 and raw.body.startswith(b"Return-Path: <sender@elsewhere.test>")
    headers = alice.ok("GET", f"/message/{line['ID']}/headers")
    assert headers["Subject"] == ["report"]
    assert alice.ok("GET", "/message/latest")["ID"] == line["ID"]
    assert alice.ok("DELETE", "/messages").text == "ok"


def test_paging_and_search(server: HatoProcess, apis: dict[str, Api]) -> None:
    bob = apis["bob"]
    for n in range(7):
        deliver(server, "bob@example.org", plain(f"note {n}", f"word{n} lunch"))
    deliver(
        server, "bob@example.org", japanese("iso-2022-jp", "会議", "電子メールの仕組み", "資料.pdf")
    )
    page = bob.messages("?start=2&limit=3")
    assert (page["total"], page["count"], page["start"]) == (8, 3, 2)
    assert [m["Subject"] for m in page["messages"]] == ["note 5", "note 4", "note 3"]
    found = bob.ok("GET", "/search?query=" + "subject%3A%22note%203%22")
    assert [m["Subject"] for m in found["messages"]] == ["note 3"]
    assert bob.ok("GET", "/search?query=word6")["total"] == 1
    assert bob.ok("GET", "/search?query=lunch&limit=2")["total"] == 7
    japanese_hits = bob.ok("GET", "/search?query=%E9%9B%BB%E5%AD%90%E3%83%A1%E3%83%BC%E3%83%AB")
    [hit] = japanese_hits["messages"]
    assert hit["Subject"] == "会議" and hit["From"]["Name"] == "山田太郎"
    attached = bob.ok("GET", "/search?query=has%3Aattachment")["messages"]
    assert [m["Subject"] for m in attached] == ["会議"]
    message = bob.ok("GET", f"/message/{hit['ID']}")
    assert message["Attachments"][0]["FileName"] == "資料.pdf"
    assert "電子メールの仕組み" in message["Text"]
    bad = bob.call("GET", "/search?query=%22open")
    assert bad.status == 400 and "not closed" in bad.json()["error"]
    assert bob.ok("DELETE", "/messages").text == "ok"


def test_flags_and_delete(server: HatoProcess, apis: dict[str, Api]) -> None:
    carol = apis["carol"]
    for n in range(4):
        deliver(server, "carol@example.org", plain(f"m{n}", "x"))
    ids = [m["ID"] for m in carol.messages()["messages"]]
    boxes = {box["Name"]: box for box in carol.ok("GET", "/mailboxes")}
    assert set(boxes) == {"INBOX", "Drafts", "Sent", "Trash"}
    assert (boxes["INBOX"]["Messages"], boxes["INBOX"]["Unread"]) == (4, 4)
    assert carol.ok("PUT", "/messages", {"IDs": ids[:2], "Read": True}).text == "ok"
    assert [m["Read"] for m in carol.messages()["messages"]] == [True, True, False, False]
    flagged = carol.ok("PUT", f"/message/{ids[3]}/flags", {"add": ["\\Flagged", "$Work"]})
    assert flagged["Flagged"] is True and "$Work" in flagged["Flags"]
    assert carol.call("PUT", f"/message/{ids[3]}/flags", {"add": ["\\Recent"]}).status == 400
    assert carol.ok("PUT", "/messages", {"Read": False}).text == "ok"  # no IDs: all
    assert carol.messages()["unread"] == 4
    assert carol.ok("DELETE", "/messages", {"IDs": ids[:1]}).text == "ok"
    assert carol.ok("DELETE", f"/message/{ids[1]}").text == "ok"
    assert [m["ID"] for m in carol.messages()["messages"]] == ids[2:]
    assert carol.call("GET", f"/message/{ids[0]}").status == 404
    assert carol.ok("DELETE", "/messages").text == "ok"
    assert carol.messages()["total"] == 0


def test_wait_already_there_arriving_later_and_timing_out(
    server: HatoProcess, apis: dict[str, Api]
) -> None:
    dave = apis["dave"]
    deliver(server, "dave@example.org", plain("welcome aboard", "x", to="dave@example.org"))
    there = dave.ok("GET", "/wait?to=dave%40example.org&subject=welcome&timeout=10")
    assert there["Subject"] == "welcome aboard" and set(there) >= SUMMARY_KEYS
    later = threading.Timer(
        1.0,
        deliver,
        (server, "dave@example.org", plain("reset code 42", "x", to="dave@example.org")),
    )
    later.start()
    began = time.monotonic()
    arrived = dave.ok("GET", "/wait?to=dave%40example.org&subject=reset%20code&timeout=60")
    later.join()
    assert arrived["Subject"] == "reset code 42"
    assert time.monotonic() - began < 30  # woken by the delivery, not by the 60 s time-out
    gone = dave.call("GET", "/wait?to=dave&subject=never&timeout=0.5")
    assert gone.status == 408 and "error" in gone.json()
    for bad in ("-1", "301", "nan", "x"):
        assert dave.call("GET", f"/wait?subject=x&timeout={bad}").status == 400


def test_too_many_waits_of_one_account_are_429(server: HatoProcess, apis: dict[str, Api]) -> None:
    dave = apis["dave"]
    results: list[int] = []

    def waiting() -> None:
        results.append(dave.call("GET", "/wait?subject=nothing-like-it&timeout=3").status)

    threads = [threading.Thread(target=waiting) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    refused = dave.call("GET", "/wait?subject=nothing-like-it&timeout=1")
    for thread in threads:
        thread.join()
    assert refused.status == 429 and refused.headers["Retry-After"] == "1"
    assert "error" in refused.json()
    assert results == [408] * 8


def test_another_accounts_ids_are_404(server: HatoProcess, apis: dict[str, Api]) -> None:
    alice, bob = apis["alice"], apis["bob"]
    deliver(server, "bob@example.org", with_attachment("for bob only", "b.pdf", b"secret"))
    [line] = [m for m in bob.messages()["messages"] if m["Subject"] == "for bob only"]
    ident = line["ID"]
    for method, path, body in (
        ("GET", f"/message/{ident}", None),
        ("GET", f"/message/{ident}/raw", None),
        ("GET", f"/message/{ident}/headers", None),
        ("GET", f"/message/{ident}/part/2", None),
        ("PUT", f"/message/{ident}/flags", {"add": ["\\Seen"]}),
        ("DELETE", f"/message/{ident}", None),
        ("DELETE", "/messages", {"IDs": [ident]}),
        ("PUT", "/messages", {"IDs": [ident], "Read": True}),
    ):
        reply = alice.call(method, path, body)
        assert reply.status == 404, (method, path, reply.status)
        assert "secret" not in reply.text and "error" in reply.json()
    assert bob.ok("GET", f"/message/{ident}")["Subject"] == "for bob only"
    assert bob.ok("DELETE", "/messages").text == "ok"


def test_error_statuses(server: HatoProcess, apis: dict[str, Api]) -> None:
    alice = apis["alice"]
    web = Web(server.ports["http"])
    anonymous = web.get("/api/v1/messages")
    assert anonymous.status == 401 and "error" in anonymous.json()
    assert web.get("/api/v1/messages", headers={"Authorization": "Bearer nope"}).status == 401
    web.login("alice", PASSWORD)  # a cookie session: changes need the CSRF token
    forged = web.request("DELETE", "/api/v1/messages")
    assert forged.status == 403 and "CSRF" in forged.json()["error"]
    assert web.get("/api/v1/messages").status == 200  # reading with the cookie is fine
    for path in ("/message/1-2-3", "/message/../../etc/passwd", "/message/latest/part/1"):
        reply = alice.call("GET", path)
        assert reply.status == 404 and "error" in reply.json(), path
    for query in ("?start=-1", "?limit=0", "?limit=100000", "?start=x", "?mailbox=Nowhere"):
        reply = alice.call("GET", "/messages" + query)
        assert reply.status in (400, 404) and "error" in reply.json(), query
    for broken in (b"{not json", b"[" * 100_000, b'{"IDs": ["\xff\xfe"]}', b"\xff\xfe{"):
        reply = alice.call("PUT", "/messages", raw=broken)
        assert reply.status == 400 and "error" in reply.json(), broken[:20]
    for number in ("%C2%B2", "%D9%A1", "1" * 20):  # a superscript two, an Arabic-Indic one
        assert alice.call("GET", f"/messages?start={number}").status == 400
    assert alice.call("PUT", "/messages", body=[1, 2]).status == 400
    assert alice.call("DELETE", "/messages", {"IDs": "all"}).status == 400
    big = alice.call("PUT", "/messages", raw=b" " * (2 * 1024 * 1024))
    assert big.status == 413 and "error" in big.json()
    spec = web.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/api/v1/wait" in spec["paths"]
    assert "/api/v1/messages" in spec["paths"] and "/api/v1/send" in spec["paths"]


def test_hostile_messages_stay_data(server: HatoProcess, apis: dict[str, Api]) -> None:
    alice = apis["alice"]
    html = (
        b"From: x@example.org\r\nTo: alice@example.org\r\nSubject: <script>alert(1)</script>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n"
        b'<script>alert(1)</script><a href="javascript:alert(2)">x</a>\r\n'
    )
    folded = b"X-Long: " + b"\r\n ".join([b"A" * 900] * 1200) + b"\r\n"  # a header of 1 MB
    huge = b"From: x@example.org\r\nTo: alice@example.org\r\nSubject: huge\r\n" + folded
    huge += b"\r\nsmall body\r\n"
    for raw in (html, huge, deep_mime(1000), with_attachment("evil", "../\x07\u202eexe.txt", b"x")):
        deliver(server, "alice@example.org", raw)
    lines = {m["Subject"]: m for m in alice.messages()["messages"]}
    assert set(lines) == {"<script>alert(1)</script>", "huge", "deep", "evil"}
    page = alice.ok("GET", f"/message/{lines['<script>alert(1)</script>']['ID']}")
    assert page["HTML"].startswith("<script>")  # data, as JSON; the pages sandbox it
    assert alice.ok("GET", f"/message/{lines['huge']['ID']}")["Text"] == "small body\r\n"
    deep = alice.ok("GET", f"/message/{lines['deep']['ID']}")
    assert deep["Text"] == "bottom\r\n" or deep["Parts"]
    [evil] = alice.ok("GET", f"/message/{lines['evil']['ID']}")["Attachments"]
    assert evil["FileName"] == "exe.txt"
    assert alice.ok("DELETE", "/messages").text == "ok"


def test_send_goes_through_submission(server: HatoProcess, apis: dict[str, Api]) -> None:
    alice = apis["alice"]
    sent = alice.ok("POST", "/send", {
        "From": {"Email": "alice@example.org", "Name": "Alice"},
        "To": [{"Email": "bob@example.org", "Name": "Bob"}],
        "Bcc": ["carol@example.org"],
        "Subject": "sent over the API",
        "Text": "hello",
        "Attachments": [{"Filename": "a.txt", "Content": base64.b64encode(b"hi").decode()}],
    })  # fmt: skip
    assert sent["ID"] and sent["MessageID"]
    got = apis["carol"].ok("GET", "/wait?subject=sent%20over%20the%20API&timeout=10")
    message = apis["carol"].ok("GET", f"/message/{got['ID']}")
    assert message["Text"].rstrip() == "hello" and message["Attachments"][0]["FileName"] == "a.txt"
    [to_bob] = [raw for raw in inbox_messages(server.data_dir, "bob") if b"over the API" in raw]
    assert b"carol" not in to_bob and b"\r\nBcc:" not in to_bob  # Bcc: envelope only
    not_hers = alice.call("POST", "/send", {"From": {"Email": "bob@example.org"},
                                            "To": [{"Email": "bob@example.org"}]})  # fmt: skip
    assert not_hers.status == 403 and "not owned" in not_hers.json()["error"]
    me = {"Email": "alice@example.org"}
    for bad in ({}, {"From": me}, {"From": me, "To": [{"Email": "a\r\nb@x"}]}):
        assert alice.call("POST", "/send", bad).status == 400
    unknown = alice.call("POST", "/send", {"From": {"Email": "alice@example.org"},
                                           "To": [{"Email": "nobody@example.org"}]})  # fmt: skip
    assert unknown.status == 400 and "User unknown" in unknown.json()["error"]
    for name in ("bob", "carol"):
        assert apis[name].ok("DELETE", "/messages").text == "ok"
