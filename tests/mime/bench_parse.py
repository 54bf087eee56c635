"""Benchmark: parse_message and friends on typical messages. Prints a table.

Run: .venv/bin/python -m tests.mime.bench_parse
"""

from __future__ import annotations

import timeit

from hato.mime import MessageInfo, bodystructure_sexp, envelope_sexp, parse_message

_HEADER = (
    b"Return-Path: <alice@example.org>\r\n"
    b"Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n"
    b"\tby mail.example.net (hato) with ESMTPS id 4AbCdEf\r\n"
    b"\tfor <bob@example.net>; Thu, 15 Feb 2007 01:02:03 +0200\r\n"
    b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=s1;\r\n"
    b"\th=from:to:subject:date; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
    b"\tb=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZVoG4ZHRNiYzR\r\n"
    b"Message-ID: <20070215010203.12345@example.org>\r\n"
    b"In-Reply-To: <20070214.999@example.net>\r\n"
    b"References: <20070213.1@example.net> <20070214.999@example.net>\r\n"
    b"Date: Thu, 15 Feb 2007 01:02:03 +0200\r\n"
    b"From: =?utf-8?q?Alice_J=C3=B6rgensen?= <alice@example.org>\r\n"
    b"To: Bob <bob@example.net>, Carol <carol@example.net>\r\n"
    b"Cc: team: dave@example.net, erin@example.net;\r\n"
    b"Subject: Re: [team] Fwd: quarterly numbers (fwd)\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="=_alt_42"\r\n'
    b"\r\n"
)
_TEXT = b"Hello Bob, here are the numbers you asked about last week.\r\n" * 50
_HTML = b"<p>Hello Bob, here are the numbers you asked about last week.</p>\r\n" * 50
TYPICAL = (
    _HEADER
    + b"--=_alt_42\r\nContent-Type: text/plain; charset=utf-8\r\n"
    + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    + _TEXT[:3000]
    + b"\r\n--=_alt_42\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    + _HTML[:3300]
    + b"\r\n--=_alt_42--\r\n"
)
PLAIN = b"From: a@b\r\nTo: c@d\r\nSubject: hi\r\nDate: Thu, 15 Feb 2007 01:02:03 +0200\r\n\r\nhi"
ATTACHMENT = (
    _HEADER.replace(b"multipart/alternative", b"multipart/mixed")
    + b"--=_alt_42\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
    + b"--=_alt_42\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
    + b'Content-Disposition: attachment; filename="q.pdf"\r\n\r\n'
    + b"JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSL0ZpbHRlci9GbGF0ZUR\r\n" * 65000
    + b"--=_alt_42--\r\n"
)


def _row(name: str, raw: bytes) -> None:
    info = parse_message(raw)
    text = info.to_json()
    runs = max(20, int(2_000_000 / max(len(raw), 1)) // 10)
    cases = {
        "parse": lambda: parse_message(raw),
        "to_json": info.to_json,
        "from_json": lambda: MessageInfo.from_json(text),
        "sexps": lambda: (envelope_sexp(info.envelope), bodystructure_sexp(info, True)),
    }
    cells = []
    for label, call in cases.items():
        seconds = min(timeit.repeat(call, number=runs, repeat=5)) / runs
        cells.append(f"{label} {seconds * 1e6:9.1f} µs")
    print(f"{name:<12} {len(raw):>9} B  json {len(text):>5} B  " + "  ".join(cells))


if __name__ == "__main__":
    for name, raw in (("plain", PLAIN), ("typical", TYPICAL), ("attach 5MB", ATTACHMENT)):
        _row(name, raw)
