"""NOTIFY (RFC 5465) against a real `hato serve`, over raw sockets: events of the selected
mailbox between commands, STATUS for other mailboxes, mailbox names and subscriptions
changed by another session, NOTIFY NONE, and what a client may not ask for."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.harness import HatoProcess
from tests.e2e.test_imap import Raw, deliver, logged_in, login


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HatoProcess]:
    process = HatoProcess(tmp_path_factory.mktemp("notify") / "data", services=("smtp", "imap"))
    for user in ("alice", "bob", "carol", "dave", "erin", "frank"):
        process.add_user(user, f"{user}-pw")
    process.start()
    yield process
    assert process.stop() == 0


def until(raw: Raw, pattern: str) -> list[str]:
    """Lines the server sends unasked, up to one that matches ``pattern`` (the socket's
    timeout fails the test if it never comes)."""
    lines: list[str] = []
    while not lines or not re.fullmatch(pattern, lines[-1]):
        got = raw.line()
        assert got, lines
        lines.append(got.rstrip("\r\n"))
    return lines


def _append(mailbox: str) -> str:
    """An APPEND of a small message in one line, with a non-synchronizing literal."""
    body = "Subject: x\r\n\r\nbody"
    return f"a APPEND {mailbox} {{{len(body)}+}}\r\n{body}"


def test_notify_is_advertised(alice: Raw) -> None:
    assert "NOTIFY" in alice.command("c CAPABILITY")[0].split()


def test_new_mail_in_another_mailbox_is_a_status_line_without_a_command(
    server: HatoProcess,
) -> None:
    bob = logged_in(server.ports["imap"], "bob")
    bob.command("c CREATE Lists")
    bob.command("s SELECT Lists")
    events = "(MessageNew MessageExpunge FlagChange)"
    got = bob.command(f"n NOTIFY SET STATUS (selected {events}) (inboxes {events})")
    status = r"\* STATUS INBOX \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ HIGHESTMODSEQ \d+\)"
    assert re.fullmatch(status, got[0])
    assert got[1:] == ["n OK NOTIFY completed."]
    deliver(server, "bob")
    assert until(bob, r"\* STATUS .*") == ["* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UNSEEN 1)"]
    # A flag changed by another session: UNSEEN moves (FlagChange).
    other = login(server, "bob")
    other.select("INBOX")
    other.store("1", "+FLAGS", "(\\Seen)")
    assert until(bob, r"\* STATUS .*") == ["* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UNSEEN 0)"]
    # New mail in the selected mailbox: EXISTS (and RECENT) without a command.
    other.append("Lists", "", None, b"Subject: x\r\n\r\nbody\r\n")
    assert until(bob, r"\* 1 RECENT") == ["* 1 EXISTS", "* 1 RECENT"]
    other.logout()
    assert bob.command("z NOOP")[-1].startswith("z OK")
    bob.close()


def test_mailbox_names_and_subscriptions_changed_elsewhere(server: HatoProcess) -> None:
    carol = logged_in(server.ports["imap"], "carol")
    events = "(MessageNew MessageExpunge MailboxName SubscriptionChange)"
    assert carol.command(f"n NOTIFY SET (personal {events})")[-1] == "n OK NOTIFY completed."
    other = logged_in(server.ports["imap"], "carol")
    other.command("c CREATE Work")
    assert until(carol, r"\* LIST .*") == ['* LIST () "." "Work"']
    other.command("s SUBSCRIBE Work")
    assert until(carol, r"\* LIST .*") == ['* LIST (\\Subscribed) "." "Work"']
    other.command("r RENAME Work Done")
    assert until(carol, r"\* LIST .*") == ['* LIST (\\Subscribed) "." "Done" ("OLDNAME" ("Work"))']
    other.command("u UNSUBSCRIBE Done")
    assert until(carol, r"\* LIST .*") == ['* LIST () "." "Done"']
    # The mailbox created after NOTIFY is watched too (PERSONAL takes it).
    other.command(_append("Done"))
    assert until(carol, r"\* STATUS .*") == ["* STATUS Done (MESSAGES 1 UIDNEXT 2 UNSEEN 1)"]
    other.command("d DELETE Done")
    assert until(carol, r"\* LIST .*") == ['* LIST (\\NonExistent) "." "Done"']
    other.close()
    carol.close()


def test_annotations_set_elsewhere_are_named_in_metadata_lines(server: HatoProcess) -> None:
    erin = logged_in(server.ports["imap"], "erin")
    events = "(MailboxMetadataChange ServerMetadataChange)"
    assert erin.command(f"n NOTIFY SET (inboxes {events})")[-1].startswith("n OK")
    other = logged_in(server.ports["imap"], "erin")
    other.command('s SETMETADATA INBOX (/private/comment "hello" /shared/comment "hi")')
    got = until(erin, r"\* METADATA .*")
    assert got == ['* METADATA "INBOX" /private/comment /shared/comment']
    other.command('s SETMETADATA "" (/private/vendor/x "1")')
    assert until(erin, r"\* METADATA .*") == ['* METADATA "" /private/vendor/x']
    other.command("s SETMETADATA INBOX (/private/comment NIL)")
    assert until(erin, r"\* METADATA .*") == ['* METADATA "INBOX" /private/comment']
    other.close()
    erin.close()


def test_selected_tells_expunges_at_once_selected_delayed_waits(server: HatoProcess) -> None:
    for user, (mailbox_filter, told_unasked) in {
        "dave": ("selected", ["* 1 EXPUNGE"]),
        "erin": ("selected-delayed", []),
    }.items():
        deliver(server, user)
        deliver(server, user)
        raw = logged_in(server.ports["imap"], user)
        raw.command("s SELECT INBOX")
        notify = f"n NOTIFY SET ({mailbox_filter} (MessageNew (UID FLAGS) MessageExpunge))"
        assert raw.command(notify)[-1] == "n OK NOTIFY completed."
        other = login(server, user)
        other.select("INBOX")
        other.store("1", "+FLAGS", "(\\Deleted)")
        other.expunge()
        deliver(server, user)  # then new mail: EXISTS, and the FETCH MessageNew asked for
        lines = until(raw, r"\* \d+ FETCH \(UID 3 .*")
        assert [line for line in lines if "EXPUNGE" in line] == told_unasked
        seq = 3 - len(told_unasked)  # the sequence number of UID 3
        assert f"* {seq} EXISTS" in lines
        assert lines[-1] == f"* {seq} FETCH (UID 3 FLAGS (\\Recent))"
        # A command that allows EXPUNGE tells it now, if it was held back.
        expected = [] if told_unasked else ["* 1 EXPUNGE"]
        assert [line for line in raw.command("z NOOP") if "EXPUNGE" in line] == expected
        other.logout()
        raw.close()


def test_flag_changes_of_the_selected_mailbox_only_with_flagchange(server: HatoProcess) -> None:
    """RFC 5465 §5.1: flag changes are an event of their own; without FlagChange for the
    selected mailbox (or without a SELECTED group, §3.1) another session's STORE is not
    told, not even at NOOP; NOTIFY NONE is plain IMAP again."""
    deliver(server, "frank")
    frank = logged_in(server.ports["imap"], "frank")
    frank.command("s SELECT INBOX")
    other = logged_in(server.ports["imap"], "frank")
    other.command("s SELECT INBOX")
    for events in (
        "(selected (MessageNew MessageExpunge))",
        "(inboxes (MessageNew MessageExpunge))",
    ):
        assert frank.command(f"n NOTIFY SET {events}")[-1] == "n OK NOTIFY completed."
        assert other.command("t STORE 1 +FLAGS.SILENT (\\Flagged)")[-1].startswith("t OK")
        assert frank.command("z NOOP") == ["z OK NOOP completed."]
        assert other.command("t STORE 1 -FLAGS.SILENT (\\Flagged)")[-1].startswith("t OK")
    flag_change = "(selected (MessageNew MessageExpunge FlagChange))"
    assert frank.command(f"n NOTIFY SET {flag_change}")[-1] == "n OK NOTIFY completed."
    assert other.command("t STORE 1 +FLAGS.SILENT (\\Seen)")[-1].startswith("t OK")
    assert until(frank, r"\* 1 FETCH .*") == ["* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))"]
    assert frank.command("n NOTIFY NONE")[-1] == "n OK NOTIFY completed."
    assert other.command("t STORE 1 -FLAGS.SILENT (\\Seen)")[-1].startswith("t OK")
    assert frank.command("z NOOP") == ["* 1 FETCH (FLAGS (\\Recent))", "z OK NOOP completed."]
    other.close()
    frank.close()


def test_notify_none_and_idle(server: HatoProcess) -> None:
    alice = logged_in(server.ports["imap"], "alice")
    events = "(MessageNew MessageExpunge)"
    assert alice.command(f"n NOTIFY SET (inboxes {events})")[-1].startswith("n OK")
    # In IDLE, other mailboxes' events come too.
    alice.send(b"i IDLE\r\n")
    assert alice.line().startswith("+ ")
    deliver(server, "alice")
    assert until(alice, r"\* STATUS .*") == ["* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UNSEEN 1)"]
    alice.send(b"DONE\r\n")
    assert until(alice, r"i .*") == ["i OK Idle completed."]
    assert alice.command("n NOTIFY NONE") == ["n OK NOTIFY completed."]
    deliver(server, "alice")
    assert alice.command("z NOOP") == ["z OK NOOP completed."]  # no STATUS came meanwhile
    alice.close()


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("NOTIFY", "BAD"),
        ("NOTIFY SET", "BAD"),
        ("NOTIFY GET", "BAD"),
        ("NOTIFY SET (nowhere (MessageNew MessageExpunge))", "BAD"),
        ("NOTIFY SET (selected (MessageNew))", "BAD"),  # §5: with MessageExpunge
        ("NOTIFY SET (selected (FlagChange))", "BAD"),
        ("NOTIFY SET (inboxes (MessageNew (UID) MessageExpunge))", "BAD"),  # §5.1
        ("NOTIFY SET (personal (MessageNew MessageExpunge)", "BAD"),
        ("NOTIFY SET STATUSX (personal NONE)", "BAD"),
        ("NOTIFY SET " + " ".join(["(personal NONE)"] * 21), "BAD"),
        ("NOTIFY SET (mailboxes (" + " ".join(f"m{i}" for i in range(101)) + ") NONE)", "BAD"),
        ("NOTIFY SET (personal (MessageNew MessageExpunge Teleport))", "NO [BADEVENT"),
        ("NOTIFY SET (personal (AnnotationChange MessageNew MessageExpunge))", "NO [BADEVENT"),
    ],
)
def test_bad_notify_is_refused_and_the_session_goes_on(
    alice: Raw, command: str, answer: str
) -> None:
    assert alice.command(f"b {command}")[-1].startswith(f"b {answer}")
    assert alice.command("z NOOP")[-1] == "z OK NOOP completed."


def test_names_the_account_does_not_have_are_never_told_of(server: HatoProcess) -> None:
    bob = logged_in(server.ports["imap"], "bob")
    bob.command("c CREATE Secret")
    alice = logged_in(server.ports["imap"], "alice")
    events = "(MessageNew MessageExpunge)"
    got = alice.command(f"n NOTIFY SET STATUS (mailboxes (Secret Nowhere) {events})")
    assert got == ["n OK NOTIFY completed."]
    bob.command(_append("Secret"))
    bob.close()
    assert alice.command("z NOOP") == ["z OK NOOP completed."]
    alice.close()


def test_multisearch_searches_the_mailboxes_the_filters_take(server: HatoProcess) -> None:
    """MULTISEARCH (RFC 7377): ESEARCH IN (...) answers one ESEARCH per mailbox, by UID,
    with its name and UIDVALIDITY; another account's mailboxes are not among them."""
    raw = logged_in(server.ports["imap"], "bob")
    assert "MULTISEARCH" in raw.command("c CAPABILITY")[0].split()
    raw.command("c CREATE Deep")
    raw.command("c CREATE Deep.er")
    raw.command("c CREATE Deep.er.est")
    for mailbox in ("Deep", "Deep.er", "Deep.er.est"):
        raw.command(_append(mailbox))
    got = raw.command("s ESEARCH IN (subtree-one Deep) RETURN (COUNT ALL) SUBJECT x")
    pattern = r'\* ESEARCH \(TAG "s" MAILBOX "{}" UIDVALIDITY \d+\) UID ALL 1 COUNT 1'
    assert len(got) == 3 and got[-1] == "s OK Search completed."
    assert re.fullmatch(pattern.format("Deep"), got[0])
    assert re.fullmatch(pattern.format(r"Deep\.er"), got[1])
    got = raw.command("s ESEARCH IN (mailboxes (Deep Nowhere)) RETURN (COUNT) SUBJECT nothing")
    assert re.fullmatch(
        r'\* ESEARCH \(TAG "s" MAILBOX "Deep" UIDVALIDITY \d+\) UID COUNT 0', got[0]
    )
    assert len(got) == 2
    # Without IN: the selected mailbox; in the authenticated state, BAD.
    assert raw.command("s ESEARCH ALL")[-1].startswith("s BAD")
    raw.command("e EXAMINE Deep.er.est")
    got = raw.command("s ESEARCH RETURN (MIN) ALL")
    assert re.fullmatch(
        r'\* ESEARCH \(TAG "s" MAILBOX "Deep\.er\.est" UIDVALIDITY \d+\) UID MIN 1', got[0]
    )
    # A MODSEQ key: each line says the highest MODSEQ of what it found (RFC 7162 §3.1.5).
    got = raw.command("s ESEARCH IN (subtree-one Deep) RETURN (COUNT) MODSEQ 1")
    with_modseq = r'\* ESEARCH \(TAG "s" MAILBOX "{}" UIDVALIDITY \d+\) UID COUNT 1 MODSEQ [1-9]\d*'
    assert re.fullmatch(with_modseq.format("Deep"), got[-3]), got
    assert re.fullmatch(with_modseq.format(r"Deep\.er"), got[-2]), got
    for wrong in (
        "IN (selected) 1:2",
        "IN (selected) UID $",
        "IN () ALL",
        "IN (personal) RETURN (SAVE) ALL",
        "IN (nowhere) ALL",
    ):
        assert raw.command(f"b ESEARCH {wrong}")[-1].startswith("b BAD")
    assert raw.command("z NOOP")[-1] == "z OK NOOP completed."
    raw.close()
