"""What a server that takes mail over LMTP and serves it over POP3 leaves out until
something uses it (hato/server/app.py, docs/architecture.md "Libraries imported where
used"): the class monitor, the assignments' desk with the manners policy, the MX
listener's checks, the email package's composer, html and its parser, the submission
path. The server runs in a child interpreter, whose ``sys.modules`` tells what it
imported: nothing of these after its start, a delivery and a POP3 session; then each
first use imports its part, and the part does its work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.harness import free_port

#: Each part, and modules only it imports (a module of the standard library, too, when
#: nothing else in the server imports it).
PARTS = {
    "vacation": ("email.message", "email.policy"),
    "class": (  # and the lab steps' table, read with importlib.resources (and tempfile)
        "hato.classroom.monitor", "hato.classroom.recorder", "importlib.resources", "tempfile",
    ),
    "assignment": ("hato.delivery.manners_policy", "hato.manners", "email.parser"),
    "mx": (
        "hato.mailauth.spf", "hato.mailauth.dkim_verify", "hato.mailauth.dmarc",
        "hato.mailauth.dkim_sign",
    ),
    "html": ("html", "html.parser"),
    "unused": (
        "hato.delivery.submission", "hato.mailauth.mta_sts", "hato.proto.managesieve",
        "hato.demo",
    ),
}  # fmt: skip

SERVER = """
import asyncio, json, sys, time
from pathlib import Path

from hato.accounts import add_user
from hato.config import SERVICES, config_from_table
from hato.server.app import Server
from hato.store.scripts import ScriptQuota

data_dir, ports, parts = Path(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
VACATION = 'require "vacation";\\nvacation :subject "Away" "Back on Monday.";\\n'


def held():
    return {part: [m for m in modules if m in sys.modules] for part, modules in parts.items()}


def message(sender, to, body="Hello.", kind="plain"):
    return (
        f"From: <{sender}>\\r\\nTo: <{to}>\\r\\nSubject: Lab 1\\r\\n"
        f"Message-ID: <{time.monotonic_ns()}@example.com>\\r\\n"
        f"Content-Type: text/{kind}; charset=utf-8\\r\\n\\r\\n{body}\\r\\n"
    ).encode()


async def reply(reader):
    # an SMTP reply, its lines joined (smtplib and poplib import the email package)
    lines = [await reader.readline()]
    while lines[-1][3:4] == b"-":
        lines.append(await reader.readline())
    return b"".join(lines)


async def send(service, sender, to, source="127.0.0.1", **content):
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", ports[service], local_addr=(source, 0)
    )
    await reply(reader)
    hello = b"LHLO" if service == "lmtp" else b"EHLO"
    for line in (hello + b" client.example", f"MAIL FROM:<{sender}>", f"RCPT TO:<{to}>", "DATA"):
        writer.write((line if isinstance(line, bytes) else line.encode()) + b"\\r\\n")
        assert (await reply(reader))[:1] in b"23", line
    writer.write(message(sender, to, **content) + b".\\r\\nQUIT\\r\\n")
    assert (await reply(reader)).startswith(b"250"), "DATA"
    await reply(reader)
    writer.close()


async def newest(user):
    reader, writer = await asyncio.open_connection("127.0.0.1", ports["pop3"])
    await reader.readline()
    for line in (f"USER {user}", f"PASS {user}-pw", "STAT"):
        writer.write(line.encode() + b"\\r\\n")
        answer = await reader.readline()
        assert answer.startswith(b"+OK"), (line, answer)
    count = int(answer.split()[1])
    writer.write(f"RETR {count}\\r\\nQUIT\\r\\n".encode())
    await reader.readline()
    lines = []
    while (line := await reader.readline()) != b".\\r\\n":
        lines.append(line)
    await reader.readline()
    writer.close()
    return count, b"".join(lines).decode()


async def main():
    table = {
        "hostname": "mail.test",
        "domains": ["example.org"],
        "dns": {"servers": [f"127.0.0.1:{ports['dns']}"], "timeout": 2},  # nobody answers
        "auth": {"dns_failure": "mark"},
    }
    config = config_from_table(table).with_changes(
        data_dir=data_dir, host="127.0.0.1", ports={s: ports.get(s, 0) for s in SERVICES}
    )
    server = Server(config)
    await server.start()
    store = server.store
    found = {}
    try:
        for name in ("ann", "ben", "report"):
            await add_user(store, name, name + "-pw")
        found["started"] = held()
        await send("lmtp", "someone@example.com", "ann@example.org")
        found["ann's mail"] = (await newest("ann"))[0]
        found["served"] = held()

        ben = await store.get_account("ben")
        scripts = store.sieve_scripts(ben.id)
        await scripts.put("away", VACATION, ScriptQuota())
        await scripts.activate("away")
        await send("lmtp", "ann@example.org", "ben@example.org")
        found["vacation"] = (await newest("ann"))[1]
        found["replied"] = held()

        html = "<p>Tom &amp; Jerry</p>"  # its snippet, its text in the index
        await send("lmtp", "someone@example.com", "ann@example.org", body=html, kind="html")
        found["html"] = (await newest("ann"))[1].endswith("<p>Tom &amp; Jerry</p>\\r\\n")
        found["parsed"] = held()

        await store.set_class_member(ben.id, "s001", "Ben", "ben@school.example")
        await server.refresh_class()
        await newest("ben")
        found["class"] = [s.service for s in server.monitor.sessions_of("ben")]
        found["classroom"] = held()

        due = int(time.time()) + 3600
        await store.add_assignment("report+lab1@example.org", "Lab 1", due, "off")
        await send("lmtp", "ben@school.example", "report+lab1@example.org")
        found["submissions"] = [(s.account, s.subject) for s in await store.submissions()]
        found["assigned"] = held()

        await send("smtp", "someone@example.com", "ann@example.org", source="127.0.0.2")
        header = (await newest("ann"))[1].split("\\r\\n\\r\\n")[0]
        fields = header.replace("\\r\\n ", " ").replace("\\r\\n\\t", " ").split("\\r\\n")
        found["checked"] = [f for f in fields if f.startswith("Authentication-")]
        found["mx"] = held()

    finally:
        await server.stop()
    print(json.dumps(found))


asyncio.run(main())
"""


def test_each_part_is_imported_by_its_first_use_and_works(tmp_path: Path) -> None:
    ports = {service: free_port() for service in ("pop3", "lmtp", "smtp", "dns")}
    done = subprocess.run(
        [sys.executable, "-c", SERVER, str(tmp_path / "data"), json.dumps(ports),
         json.dumps(PARTS)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    none = {part: [] for part in PARTS}
    assert found["started"] == found["served"] == none
    assert found["ann's mail"] == 1

    used = {part: list(PARTS[part]) for part in ("vacation",)}
    assert "Auto-Submitted: auto-replied" in found["vacation"]
    assert "Back on Monday." in found["vacation"]
    assert found["replied"] == {**none, **used}

    used["html"] = list(PARTS["html"])
    assert found["html"] is True
    assert found["parsed"] == {**none, **used}

    used["class"] = list(PARTS["class"])
    assert found["class"] == ["pop3"]  # ben's session after the class was there
    assert found["classroom"] == {**none, **used}

    used["assignment"] = list(PARTS["assignment"])
    assert found["submissions"] == [["ben", "Lab 1"]]
    assert found["assigned"] == {**none, **used}

    used["mx"] = list(PARTS["mx"])
    (results,) = found["checked"]  # the DNS server named does not answer
    assert results.startswith("Authentication-Results: mail.test;")
    assert " spf=temperror " in results
    assert found["mx"] == {**none, **used}  # and the submission path never
