"""Valid commands per protocol and state: the seeds the fuzzer mutates.

Each protocol has the set-up lines that lead to a state (sent verbatim, each
must be accepted) and, per state, commands that are valid there.  Seeds are
written without their final line end (the mutator picks one); a seed may span
lines, as an APPEND with its literal does.  The account is alice/alice-pw;
INBOX holds a few small messages (tests/fuzz/runner.py keeps it stocked).
"""

from __future__ import annotations

import base64

__all__ = ["IMAP", "LMTP", "POP3", "SMTP", "SUBMISSION", "SUBMISSIONS"]

USER, PASSWORD = "alice", "alice-pw"
PLAIN = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode())
MESSAGE = (
    b"From: Bob <bob@example.org>\r\nTo: alice@example.org\r\n"
    b"Subject: fuzz =?utf-8?q?t=C3=A9st?=\r\n"
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"
    b"--b\r\nContent-Type: text/html; charset=iso-2022-jp\r\n\r\n<p>x</p>\r\n--b--\r\n"
)


def _literal(data: bytes, plus: bool = False) -> bytes:
    return b"{%d%s}\r\n" % (len(data), b"+" if plus else b"") + data


def _lines(*lines: str | bytes) -> tuple[bytes, ...]:
    return tuple(line.encode() if isinstance(line, str) else line for line in lines)


_IMAP_ANY = _lines("c CAPABILITY", "n NOOP", 'i ID ("name" "fuzz" "version" "1")', "i ID NIL")
_IMAP_LOGIN = _lines(
    f"l LOGIN {USER} {PASSWORD}",
    f'l LOGIN "{USER}" "{PASSWORD}"',
    b"l LOGIN " + _literal(USER.encode()) + b" " + _literal(PASSWORD.encode(), plus=True),
    b"a AUTHENTICATE PLAIN " + PLAIN,
    "a AUTHENTICATE PLAIN",
    "a AUTHENTICATE LOGIN",
    "a AUTHENTICATE SCRAM-SHA-256",
    "s STARTTLS",
    "o LOGOUT",
)
_IMAP_AUTHENTICATED = _lines(
    "s SELECT INBOX",
    "s SELECT INBOX (CONDSTORE)",
    "s SELECT INBOX (QRESYNC (1 1 1:5))",
    "e EXAMINE INBOX",
    "c CREATE fuzz/box",
    'c CREATE "a b"',
    "d DELETE fuzz/box",
    "r RENAME fuzz/box fuzz/moved",
    "u SUBSCRIBE INBOX",
    "u UNSUBSCRIBE INBOX",
    'l LIST "" *',
    'l LIST "" %',
    'l LIST (SUBSCRIBED) "" "*" RETURN (CHILDREN STATUS (MESSAGES UNSEEN))',
    'l LSUB "" *',
    'l LIST "" "f*o%"',
    "t STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE)",
    "n NAMESPACE",
    "e ENABLE CONDSTORE QRESYNC",
    b'a APPEND INBOX (\\Seen $Fuzz) "01-Jan-2024 10:00:00 +0000" ' + _literal(MESSAGE),
    b"a APPEND INBOX " + _literal(MESSAGE, plus=True),
    b"a APPEND INBOX " + _literal(MESSAGE, plus=True) + b" (\\Flagged) " + _literal(MESSAGE),
    "i IDLE",
)
_IMAP_SELECTED = _lines(
    "f FETCH 1:* (FLAGS UID RFC822.SIZE INTERNALDATE)",
    "f FETCH 1 BODY[]",
    "f FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] BODYSTRUCTURE ENVELOPE)",
    "f FETCH 1 (BODY[1.MIME] BODY.PEEK[2]<0.10> BODY[TEXT] RFC822.HEADER)",
    "f UID FETCH 1:* (FLAGS MODSEQ) (CHANGEDSINCE 1 VANISHED)",
    "f FETCH 2,3:4 FAST",
    "s STORE 1 +FLAGS (\\Seen $Fuzz)",
    "s STORE 1:* FLAGS.SILENT (\\Answered)",
    "s UID STORE 1:* -FLAGS (\\Flagged) (UNCHANGEDSINCE 5)",
    "s SEARCH ALL",
    's SEARCH CHARSET UTF-8 OR SUBJECT "tést" NOT FROM bob SINCE 1-Jan-2020',
    "s UID SEARCH RETURN (MIN MAX COUNT ALL) 1:* UNSEEN",
    "s SEARCH MODSEQ 1 LARGER 10 SMALLER 100000 HEADER X-Y z BODY hello",
    "s SEARCH (OR (SEEN FLAGGED) (NOT (DELETED))) UID 1:3 $",
    "o SORT (REVERSE SUBJECT ARRIVAL) UTF-8 ALL",
    "o SORT RETURN (COUNT) (DISPLAYFROM) UTF-8 TEXT fuzz",
    "t THREAD REFERENCES UTF-8 ALL",
    "t THREAD ORDEREDSUBJECT US-ASCII SUBJECT fuzz",
    "c COPY 1 INBOX",
    "c UID COPY 1:* fuzz/box",
    "m MOVE 1 fuzz/box",
    "x EXPUNGE",
    "x UID EXPUNGE 1:2",
    "k CHECK",
    "u UNSELECT",
    "c CLOSE",
    "i IDLE",
)
_IMAP_IDLE = _lines("DONE", "done", "DONE ")
_IMAP_AUTHENTICATE = _lines(PLAIN, "*", "=", base64.b64encode(b"\0alice\0\xff\xfe"))

IMAP = {
    "states": {
        "not authenticated": (),
        "authenticated": _lines(f"l LOGIN {USER} {PASSWORD}"),
        "selected": _lines(f"l LOGIN {USER} {PASSWORD}", "s SELECT INBOX"),
        "idle": _lines(f"l LOGIN {USER} {PASSWORD}", "s SELECT INBOX", "i IDLE"),
        "authenticate": _lines("a AUTHENTICATE PLAIN"),
    },
    "corpus": {
        "not authenticated": _IMAP_ANY + _IMAP_LOGIN,
        "authenticated": _IMAP_ANY + _IMAP_AUTHENTICATED,
        "selected": _IMAP_ANY + _IMAP_AUTHENTICATED + _IMAP_SELECTED,
        "idle": _IMAP_IDLE,
        "authenticate": _IMAP_AUTHENTICATE,
    },
}

_POP3_AUTHORIZATION = _lines(
    "CAPA",
    f"USER {USER}",
    f"PASS {PASSWORD}",
    "APOP alice c4c9334bac560ecc979e58001b3e22fb",
    "AUTH",
    b"AUTH PLAIN " + PLAIN,
    "AUTH PLAIN",
    "AUTH LOGIN",
    "AUTH SCRAM-SHA-256",
    "STLS",
    "QUIT",
)
_POP3_TRANSACTION = _lines(
    "STAT", "LIST", "LIST 1", "UIDL", "UIDL 2", "RETR 1", "TOP 1 0", "TOP 2 3", "DELE 1",
    "RSET", "NOOP", "CAPA", "QUIT",
)  # fmt: skip
POP3 = {
    "states": {
        "authorization": (),
        "user given": _lines(f"USER {USER}"),
        "transaction": _lines(f"USER {USER}", f"PASS {PASSWORD}"),
        "auth": _lines("AUTH PLAIN"),
    },
    "corpus": {
        "authorization": _POP3_AUTHORIZATION,
        "user given": _POP3_AUTHORIZATION,
        "transaction": _POP3_TRANSACTION,
        "auth": _lines(PLAIN, "*", "=", base64.b64encode("\0alice\0パス".encode())),
    },
}

_SMTP_ENVELOPE = _lines(
    "MAIL FROM:<bob@example.org>",
    "MAIL FROM:<> SIZE=100 BODY=8BITMIME",
    "MAIL FROM:<bob@example.org> SMTPUTF8",
    "MAIL FROM:<@relay.test:bob@example.org>",
    "RCPT TO:<alice@example.org>",
    "RCPT TO:<Alice@Example.ORG> NOTIFY=NEVER",
    "RCPT TO:<postmaster>",
    'RCPT TO:<"a b"@example.org>',
    "RCPT TO:<alice@[127.0.0.1]>",
    "RCPT TO:<アリス@example.org>",
    "DATA",
    "RSET",
    "NOOP",
    "VRFY alice",
    "EXPN staff",
    "HELP",
    "QUIT",
    "STARTTLS",
    b"AUTH PLAIN " + PLAIN,
    "AUTH LOGIN",
)
_DATA = _lines(
    "Subject: fuzz", "From: <bob@example.org>", "", "body", "..leading dot", ".", "\x00\xff",
    "Content-Type: text/plain; charset=punycode",
)  # fmt: skip


def _smtp(hello: str, envelope: tuple[bytes, ...] = _SMTP_ENVELOPE) -> dict[str, dict]:
    greeted = _lines(f"{hello} client.test")
    mail = (*greeted, b"MAIL FROM:<bob@example.org>")
    rcpt = (*mail, b"RCPT TO:<alice@example.org>")
    return {
        "states": {
            "greeted": (),
            "hello": greeted,
            "mail": mail,
            "rcpt": rcpt,
            "data": (*rcpt, b"DATA"),
        },
        "corpus": {
            "greeted": (*greeted, *_lines("HELO client.test", "LHLO client.test"), *envelope),
            "hello": envelope,
            "mail": envelope,
            "rcpt": envelope,
            "data": _DATA,
        },
    }


SMTP = _smtp("EHLO")
LMTP = _smtp("LHLO")
SUBMISSION = {  # port 587, before STARTTLS
    "states": {"greeted": (), "hello": _lines("EHLO client.test")},
    "corpus": {"greeted": _SMTP_ENVELOPE, "hello": _SMTP_ENVELOPE},
}
_AUTHENTICATED = (b"EHLO client.test", b"AUTH PLAIN " + PLAIN)
_SENDING = (*_AUTHENTICATED, b"MAIL FROM:<alice@example.org>")
SUBMISSIONS = {  # port 465, implicit TLS
    "states": {
        "hello": _lines("EHLO client.test"),
        "auth": _lines("EHLO client.test", "AUTH PLAIN"),
        "authenticated": _AUTHENTICATED,
        "mail": (*_AUTHENTICATED, b"MAIL FROM:<alice@example.org>"),
        "data": (
            *_AUTHENTICATED,
            b"MAIL FROM:<alice@example.org>",
            b"RCPT TO:<bob@example.org>",
            b"DATA",
        ),
    },
    "corpus": {
        "hello": _SMTP_ENVELOPE,
        "auth": (PLAIN, b"*", b"=", base64.b64encode(b"\0alice\0\xff")),
        "authenticated": _SMTP_ENVELOPE,
        "mail": _SMTP_ENVELOPE,
        "data": _DATA,
    },
}
