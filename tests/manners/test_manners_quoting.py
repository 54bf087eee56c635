"""quoted-to-new-recipients: a quoted message goes only to people who had it."""

from __future__ import annotations

from collections.abc import Callable

from hato.manners import Finding

Lint = Callable[..., list[Finding]]
Build = Callable[..., bytes]

ORIGINAL_BODY = "Hanako,\n\nCould you send me the draft of the slides by Friday?\n\nAlice\n"
REPLY_BODY = (
    "Alice,\n\nHere is the draft.\n\nHanako\n\n"
    "On Monday Alice <alice@example.org> wrote:\n"
    "> Could you send me the draft of the slides by Friday?\n"
)


def original(build: Build) -> bytes:
    return build(
        ORIGINAL_BODY,
        sender="Alice <alice@example.org>",
        to="hanako@example.org",
        cc="carol@example.org",
        message_id="<orig@example.org>",
    )


def quoting_findings(
    lint: Lint, build: Build, body: str = REPLY_BODY, **headers: str
) -> list[Finding]:
    headers.setdefault("in_reply_to", "<orig@example.org>")
    found = lint(body, sender="Hanako <hanako@example.org>", mailbox=[original(build)], **headers)
    return [f for f in found if f.rule == "quoted-to-new-recipients"]


def test_quoting_to_a_new_recipient(lint: Lint, build: Build) -> None:
    [finding] = quoting_findings(lint, build, to="alice@example.org, Dave <dave@example.org>")
    assert "dave@example.org" in finding.text.en and "dave@example.org" in finding.text.ja
    assert "alice@example.org" not in finding.text.en
    assert finding.line == 8


def test_a_new_bcc_recipient_counts(lint: Lint, build: Build) -> None:
    assert quoting_findings(lint, build, to="alice@example.org", bcc="dave@example.org")


def test_replying_to_the_same_people(lint: Lint, build: Build) -> None:
    assert not quoting_findings(lint, build, to="alice@example.org", cc="carol@example.org")


def test_writing_to_oneself_is_no_one_new(lint: Lint, build: Build) -> None:
    assert not quoting_findings(lint, build, to="alice@example.org", cc="hanako@example.org")


def test_addresses_compare_without_case(lint: Lint, build: Build) -> None:
    assert not quoting_findings(lint, build, to="Alice@Example.ORG")


def test_no_quotation_no_finding(lint: Lint, build: Build) -> None:
    body = REPLY_BODY.split("On Monday")[0]
    assert not quoting_findings(lint, build, body, to="dave@example.org")


def test_unmarked_quotation_is_recognised(lint: Lint, build: Build) -> None:
    body = "Dave,\n\nsee below.\n\nHanako\n\nCould you send me the draft of the slides by Friday?\n"
    [finding] = quoting_findings(lint, build, body, to="dave@example.org")
    assert finding.line == 7


def test_outlook_style_original_message(lint: Lint, build: Build) -> None:
    body = (
        "Dave,\n\nFYI.\n\nHanako\n\n-----Original Message-----\nFrom: Alice\n"
        "Sent: Monday\n\nHanako,\n"
    )
    [finding] = quoting_findings(lint, build, body, to="dave@example.org")
    assert finding.line == 7


def test_replied_to_message_found_by_references(lint: Lint, build: Build) -> None:
    found = quoting_findings(
        lint, build, to="dave@example.org", in_reply_to="", references="<a@x> <orig@example.org>"
    )
    assert len(found) == 1


def test_unknown_replied_to_message_is_not_judged(lint: Lint, build: Build) -> None:
    found = quoting_findings(lint, build, to="dave@example.org", in_reply_to="<other@example.org>")
    assert not found


def test_japanese_reply_with_fullwidth_quotes(lint: Lint, build: Build) -> None:
    mailbox = [
        build(
            "鈴木さん\n\n山田です。\nゼミは水曜でよいですか。\n",
            sender="山田 <yamada@example.ac.jp>",
            to="suzuki@example.ac.jp",
            message_id="<ja@example.ac.jp>",
        )
    ]
    body = "山田先生\n\n鈴木です。\n大丈夫です。\n\n＞山田です。\n＞ゼミは水曜でよいですか。\n"
    findings = lint(
        body,
        sender="鈴木 <suzuki@example.ac.jp>",
        to="yamada@example.ac.jp",
        cc="tanaka@example.ac.jp",
        in_reply_to="<ja@example.ac.jp>",
        mailbox=mailbox,
    )
    assert [(f.rule, f.line) for f in findings] == [("quoted-to-new-recipients", 6)]
