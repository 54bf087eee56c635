"""Messages for the web tests, built with the standard library's email package."""

from __future__ import annotations

from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

__all__ = ["deep_mime", "japanese", "plain", "with_attachment"]


def plain(
    subject: str, body: str, sender: str = "alice@example.org", to: str = "bob@example.org"
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Fri, 04 Dec 2026 10:00:00 +0900"
    message.set_content(body)
    return bytes(message)


def with_attachment(
    subject: str, filename: str, data: bytes, kind: str = "application/pdf"
) -> bytes:
    message = EmailMessage()
    message["From"] = "Carol <carol@example.org>"
    message["To"] = "bob@example.org"
    message["Subject"] = subject
    message.set_content("see the attachment")
    main, sub = kind.split("/")
    message.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return bytes(message)


def japanese(charset: str, subject: str, body: str, filename: str) -> bytes:
    """A Japanese message in ``charset``: an encoded-word subject and sender name, the
    text in that charset, and an attachment whose name is an encoded word too."""
    outer = MIMEMultipart()
    outer["From"] = f"=?{charset}?B?{_b64('山田太郎', charset)}?= <yamada@example.jp>"
    outer["To"] = "bob@example.org"
    outer["Subject"] = f"=?{charset}?B?{_b64(subject, charset)}?="
    outer.attach(MIMEText(body, "plain", charset))
    part = MIMEBase("application", "octet-stream")
    part.set_payload(b"\x00\x01data")
    part["Content-Transfer-Encoding"] = "7bit"
    part.add_header(
        "Content-Disposition", "attachment", filename=f"=?{charset}?B?{_b64(filename, charset)}?="
    )
    outer.attach(part)
    return outer.as_bytes()


def _b64(text: str, charset: str) -> str:
    import base64

    return base64.b64encode(text.encode(charset)).decode("ascii")


def deep_mime(levels: int) -> bytes:
    """A multipart nested ``levels`` deep, each level its own boundary."""
    head = (
        b"From: deep@example.org\r\nTo: bob@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    )
    lines = [head]
    for level in range(levels):
        lines.append(
            b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
        )
    lines.append(b"Content-Type: text/plain\r\n\r\nbottom\r\n")
    for level in reversed(range(levels)):
        lines.append(b"--b%d--\r\n" % level)
    return b"".join(lines)
