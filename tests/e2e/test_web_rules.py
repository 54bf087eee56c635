"""The rules pages over HTTP against a real ``hato serve``: scripts made in the forms,
mail delivered over SMTP (and sent through the JSON API), results read from the store."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from hato.store import Store
from tests.e2e.harness import HatoProcess, inbox_messages, read_store
from tests.e2e.test_sieve_delivery import mailbox, queued
from tests.e2e.test_web_api import Api
from tests.e2e.web import Web

USERS = ("alice", "bob", "carol")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    data = tmp_path_factory.mktemp("rules") / "data"
    # Mail to other domains (vacation replies) stays in the queue: nobody listens on 9.
    process = HatoProcess(
        data, services=("smtp", "http"), extra_config='[routes]\n"*" = "127.0.0.1:9"\n'
    )
    for name in USERS:
        process.add_user(name, f"{name}-pw")
    process.start()
    yield process
    assert process.stop() == 0


@pytest.fixture(autouse=True)
def no_scripts(server: HatoProcess) -> None:
    """Each test starts with no script of any account."""

    async def work(store: Store) -> None:
        for account in await store.list_accounts():
            scripts = store.sieve_scripts(account.id)
            await scripts.activate(None)
            for script in await scripts.list():
                await scripts.delete(script.name)

    read_store(server.data_dir, work)


def logged_in(server: HatoProcess, name: str) -> Web:
    web = Web(server.ports["http"])
    web.login(name, f"{name}-pw")
    return web


def send(server: HatoProcess, to: str, subject: str, sender: str = "x@remote.example") -> None:
    content = f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nhello\r\n"
    with smtplib.SMTP("127.0.0.1", server.ports["smtp"], timeout=30) as smtp:
        smtp.sendmail(sender, [to], content.encode())


def subjects(messages: list[bytes]) -> list[str]:
    out = []
    for raw in messages:
        for line in raw.split(b"\r\n"):
            if line.startswith(b"Subject: "):
                out.append(line[9:].decode())
    return out


def save_rules(web: Web, *rules: tuple[str, str, str, str]) -> None:
    page = web.get("/rules/form")
    assert page.status == 200
    form = {"csrf": page.csrf()}
    for number, (field, contains, action, box) in enumerate(rules):
        form |= {f"field-{number}": field, f"contains-{number}": contains,
                 f"action-{number}": action, f"mailbox-{number}": box}  # fmt: skip
    saved = web.post("/rules/form", form)
    assert saved.status == 303, saved.text


def test_a_rule_from_the_form_files_mail_over_smtp(server: HatoProcess) -> None:
    alice = logged_in(server, "alice")
    save_rules(alice, ("subject", "[lists]", "fileinto", "Lists"), ("from", "noise@", "read", ""))
    assert "fileinto :create &#34;Lists&#34;" in alice.get("/rules/form").text
    listing = alice.get("/rules")
    assert 'data-script="rules"' in listing.text and "active" in listing.text
    send(server, "alice@example.org", "[lists] weekly")
    send(server, "alice@example.org", "plain", "noise@remote.example")
    assert subjects([raw for raw, _ in mailbox(server, "alice", "Lists")]) == ["[lists] weekly"]
    [(_, flags)] = [(r, f) for r, f in mailbox(server, "alice", "INBOX") if b"plain" in r]
    assert "\\Seen" in flags


HOSTILE = ['"; discard; "', 'a"b\\c', "${hex:41}", "} discard; {", "x" * 5000]


@pytest.mark.parametrize("number", range(len(HOSTILE)))
def test_hostile_words_in_the_form_do_what_the_form_said(server: HatoProcess, number: int) -> None:
    word, box = HOSTILE[number], f'Caught "{number}" \\ here'
    bob = logged_in(server, "bob")
    save_rules(bob, ("subject", word, "fileinto", box),
               ("subject", "marker", "discard", ""))  # fmt: skip
    send(server, "bob@example.org", f"<{word}>")
    send(server, "bob@example.org", "no match")
    send(server, "bob@example.org", "a marker")
    caught = subjects([raw for raw, _ in mailbox(server, "bob", box)])
    assert caught == [f"<{word}>"]
    inbox = subjects(inbox_messages(server.data_dir, "bob"))
    assert "no match" in inbox and "a marker" not in inbox
    # the form reads the script back as it was written
    page = bob.get("/rules/form").text
    assert "edited by hand" not in page


def test_a_newline_in_the_form_stays_in_its_string(server: HatoProcess) -> None:
    carol = logged_in(server, "carol")
    save_rules(carol, ("subject", 'one\r\n"; discard; "\r\ntwo', "discard", ""))
    send(server, "carol@example.org", 'one "; discard; " two')
    assert 'one "; discard; " two' in subjects(inbox_messages(server.data_dir, "carol"))


def test_vacation_from_the_form_replies(server: HatoProcess) -> None:
    alice = logged_in(server, "alice")
    page = alice.get("/rules/vacation")
    saved = alice.post("/rules/vacation", {
        "csrf": page.csrf(), "on": "1", "subject": 'Away "now"', "days": "2",
        "text": "Back on Monday.\r\n\"Really.\"", "addresses": "alice@example.org",
    })  # fmt: skip
    assert saved.status == 303, saved.text
    send(server, "alice@example.org", "are you there", "friend@remote.example")
    replies = [c for s, r, c in queued(server) if r == "friend@remote.example"]
    assert len(replies) == 1
    assert b'Subject: Away "now"' in replies[0] and b"Back on Monday." in replies[0]
    off = alice.post("/rules/vacation", {"csrf": page.csrf(), "days": "7", "text": "",
                                         "subject": "", "addresses": ""})  # fmt: skip
    assert (
        off.status == 303
        and "vacation" not in alice.get("/rules/vacation").text.split("<pre", 1)[1]
    )


def test_a_script_with_an_error_shows_line_and_column(server: HatoProcess) -> None:
    bob = logged_in(server, "bob")
    page = bob.get("/rules/script")
    saved = bob.post("/rules/script", {
        "csrf": page.csrf(), "name": "mine", "text": 'require "fileinto";\r\nfileinto 42;\r\n',
    })  # fmt: skip
    assert saved.status == 400
    assert "line 2, column 10" in saved.text and "not saved" in saved.text
    assert "fileinto 42;" in saved.text  # the text stays in the textarea
    assert 'data-script="mine"' not in bob.get("/rules").text
    good = bob.post("/rules/script", {"csrf": page.csrf(), "name": "mine", "text": "keep;\r\n"})
    assert good.status == 303
    assert bob.get("/rules/script?name=mine").text.count("keep;") == 1
    assert bob.post("/rules/activate", {"csrf": page.csrf(), "name": "mine"}).status == 303
    assert "Deactivate" in bob.get("/rules").text
    assert bob.post("/rules/activate", {"csrf": page.csrf(), "name": ""}).status == 303
    assert bob.post("/rules/delete", {"csrf": page.csrf(), "name": "mine"}).status == 303
    assert 'data-script="mine"' not in bob.get("/rules").text


def test_another_accounts_scripts_are_never_reachable(server: HatoProcess) -> None:
    alice = logged_in(server, "alice")
    token = alice.get("/rules/script").csrf()
    made = alice.post("/rules/script", {"csrf": token, "name": "secret", "text": "discard;\n"})
    assert made.status == 303
    bob = logged_in(server, "bob")
    bobs = bob.get("/rules").csrf()
    assert bob.get("/rules/script?name=secret").status == 404
    assert bob.post("/rules/delete", {"csrf": bobs, "name": "secret"}).status == 404
    assert bob.post("/rules/activate", {"csrf": bobs, "name": "secret"}).status == 404
    assert 'data-script="secret"' not in bob.get("/rules").text
    assert "discard;" in alice.get("/rules/script?name=secret").text
    assert Web(server.ports["http"]).get("/rules").status == 303  # to the login page


def test_changes_without_the_csrf_token_are_refused(server: HatoProcess) -> None:
    alice = logged_in(server, "alice")
    for path, form in [
        ("/rules/script", {"name": "x", "text": "discard;"}),
        ("/rules/form", {"contains-0": "a", "field-0": "subject", "action-0": "discard"}),
        ("/rules/vacation", {"on": "1", "text": "away", "days": "1"}),
        ("/rules/activate", {"name": ""}),
        ("/rules/delete", {"name": "x"}),
    ]:
        assert alice.post(path, form).status == 403
        assert alice.post(path, {**form, "csrf": "wrong"}).status == 403
    assert alice.get("/rules").text.count("data-script=") == 0


def test_the_apis_send_runs_the_recipients_script(server: HatoProcess) -> None:
    bob = logged_in(server, "bob")
    save_rules(bob, ("from", "alice@example.org", "fileinto", "From Alice"))
    sent = Api(server, "alice").ok("POST", "/send", {
        "From": {"Email": "alice@example.org"}, "To": [{"Email": "bob@example.org"}],
        "Subject": "sent with the API", "Text": "hello",
    })  # fmt: skip
    assert sent["ID"]
    filed = subjects([raw for raw, _ in mailbox(server, "bob", "From Alice")])
    assert filed == ["sent with the API"]


def test_too_many_rules_are_said_and_nothing_is_stored(server: HatoProcess) -> None:
    carol = logged_in(server, "carol")
    form = {"csrf": carol.get("/rules/form").csrf()}
    for number in range(150):
        form |= {f"field-{number}": "subject", f"contains-{number}": f"w{number}",
                 f"action-{number}": "discard", f"mailbox-{number}": ""}  # fmt: skip
    refused = carol.post("/rules/form", form)
    assert refused.status == 400 and "at most 100 rules" in refused.text
    assert 'data-script="rules"' not in carol.get("/rules").text
