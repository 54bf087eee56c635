"""MAIL and RCPT's path: hato's quick reading of <local@domain> agrees with aiosmtpd's."""

from __future__ import annotations

from aiosmtpd.smtp import SMTP
from hypothesis import given
from hypothesis import strategies as st

from hato.server.smtp import HatoSMTP

_AIOSMTPD = SMTP.__new__(SMTP)
_HATO = HatoSMTP.__new__(HatoSMTP)

CASES = [
    "<a@b.c>",
    "<a@b.c> SIZE=100",
    "<a@b.c>  SIZE=100 BODY=8BITMIME",
    "<a.b-c+d@x-y.example>",
    "<first.last@sub.example.org>\tSIZE=1",
    "<a@b.c>SIZE=1",
    "<a@b.c> ",
    "<a@b.c> (comment) SIZE=1",
    "<a@b.c>(x)",
    "<>",
    " <a@b.c>",
    "a@b.c",
    "<a@[127.0.0.1]>",
    '<"q s"@b.c>',
    "<a..b@c.d>",
    "<a@-b.c>",
    "<a@b-.c>",
    "<a@b..c>",
    "<.a@b.c>",
    "<a@b.c",
    "<@relay:a@b.c>",
    "<ünï@b.c>",
]


def _aiosmtpd(arg: str) -> tuple[str | None, str | None]:
    try:
        return _AIOSMTPD._getaddr(arg)
    except Exception:  # its parser raising is bad syntax to hato (HatoSMTP._getaddr)
        return None, None


def test_the_common_forms_read_as_aiosmtpd_reads_them() -> None:
    for arg in CASES:
        assert _HATO._getaddr(arg) == _aiosmtpd(arg), arg


_PIECES = st.sampled_from(["a", "b", ".", "@", "<", ">", " ", "\t", "-", "(", ")", "x=1", "+"])


@given(st.lists(_PIECES, max_size=14).map("".join))
def test_any_path_reads_as_aiosmtpd_reads_it(arg: str) -> None:
    assert _HATO._getaddr(arg) == _aiosmtpd(arg)


_WORD = st.text("ab-.+_", min_size=1, max_size=6)


@given(_WORD, _WORD, st.sampled_from(["", " ", "  ", "\t", " (c)"]), st.sampled_from(["", "X=1"]))
def test_built_paths_read_as_aiosmtpd_reads_them(
    local: str, domain: str, gap: str, rest: str
) -> None:
    arg = f"<{local}@{domain}>{gap}{rest}"
    assert _HATO._getaddr(arg) == _aiosmtpd(arg)
