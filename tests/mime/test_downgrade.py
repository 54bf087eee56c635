"""The RFC 6858 downgrade of internationalized messages (hato.mime.as_legacy)."""

from __future__ import annotations

from email.header import decode_header, make_header

from hato.mime import as_legacy, downgraded, envelope_sexp, is_internationalized, parse_message

INTERNATIONAL = (
    "From: Frédéric <fred@example.org>\r\n"
    "To: 山田 <山田@例え.jp>, plain@example.org, Grp: a@example.org;\r\n"
    "Subject: こんにちは, world\r\nMessage-ID: <m1@example.org>\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    '--b\r\nContent-Type: text/plain; charset=utf-8; name="ファイル.txt"\r\n'
    'Content-Disposition: attachment; filename="ファ \\"イ\\" ル.txt"\r\n\r\n本文\r\n'
    "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: 内側\r\n\r\ninner\r\n--b--\r\n"
).encode()


def _decoded(line: bytes) -> str:
    return str(make_header(decode_header(line.decode("ascii"))))


def test_every_header_block_becomes_ascii_and_the_bodies_stay() -> None:
    out = as_legacy(INTERNATIONAL)
    head, rest = out.split(b"\r\n\r\n", 1)
    assert head.isascii()
    lines = head.split(b"\r\n")
    assert _decoded(lines[0]) == "From: Frédéric <fred@example.org>"
    # no ASCII form for 山田@例え.jp: an empty group named by it; the group's name goes
    assert lines[1].startswith(b"To: =?utf-8?b?") and lines[1].endswith(
        b":;, <plain@example.org>, <a@example.org>"
    )
    assert "山田 <山田@例え.jp>" in _decoded(lines[1])
    assert _decoded(lines[2]) == "Subject: こんにちは, world"
    assert b"Message-ID: <m1@example.org>" in lines
    assert "本文".encode() in rest and b"\r\ninner\r\n" in rest
    assert b"name*=utf-8''%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB.txt" in rest
    assert b"filename*=utf-8''%E3%83%95%E3%82%A1%20%22%E3%82%A4%22%20%E3%83%AB.txt" in rest
    assert b"Subject: =?utf-8?b?" in rest  # the embedded message's header too
    assert [line for line in out.split(b"\r\n") if not line.isascii()] == [
        "本文".encode()
    ]  # fmt: skip


def test_the_structure_is_the_downgraded_ones() -> None:
    out = as_legacy(INTERNATIONAL)
    envelope = envelope_sexp(parse_message(out).envelope)
    assert isinstance(envelope[1], str) and envelope[1].startswith("=?utf-8?b?")
    assert parse_message(out).root.children[0].body_end < len(out)


def test_ascii_and_legacy_8bit_messages_are_left_as_they_are() -> None:
    ascii_message = b"From: a@example.org\r\nSubject: plain\r\n\r\nbody \xe6\x97\xa5\r\n"
    assert as_legacy(ascii_message) is ascii_message  # UTF-8 in the body only
    shift_jis = "Subject: 日本語\r\n\r\nbody\r\n".encode("shift_jis")
    assert not is_internationalized(shift_jis)
    assert as_legacy(shift_jis) is shift_jis and downgraded(shift_jis) == shift_jis


def test_a_long_value_is_folded_into_short_encoded_words() -> None:
    raw = ("Subject: " + "長い件名" * 40 + "\r\n\r\nx\r\n").encode()
    head = as_legacy(raw).split(b"\r\n\r\n")[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert _decoded(head.replace(b"\r\n", b"")) == "Subject: " + "長い件名" * 40
