"""RFC 5321 §4.1.2 address syntax (hato.proto.smtp_syntax)."""

from __future__ import annotations

import pytest

from hato.proto.smtp_syntax import address_literal, is_domain, is_mailbox


@pytest.mark.parametrize(
    "address",
    ["alice@example.org", "a.b+c@example.org.", '"a b"@example.org', "x@[192.0.2.1]",
     "x@[IPv6:2001:db8::1]", "山田@例え.jp", "!#$%&'*+-/=?^_`{|}~@x.test"],
)  # fmt: skip
def test_mailboxes(address: str) -> None:
    assert is_mailbox(address)


@pytest.mark.parametrize(
    "address",
    ["", "alice", "@example.org", "alice@", "bad address@@", "a..b@x.test", ".a@x.test",
     "a@-x.test", "a@x_y.test", "a@[999.1.1.1]", "a@[IPv6:zzz]", "a@[IPv6:::1%eth0]", "a@[",
     "\udcff@example.org", "a@exa\udcffmple.org", '"\udcff"@x.test', "x" * 65 + "@x.test",
     "a@" + "x" * 64 + ".test", "a@" + "x." * 127 + "test"],
)  # fmt: skip
def test_not_mailboxes(address: str) -> None:
    assert not is_mailbox(address)


def test_domains_and_literals() -> None:
    assert is_domain("Example.ORG.") and is_domain("xn--r8jz45g.jp") and is_domain("例え.jp")
    assert not is_domain("") and not is_domain("a b") and not is_domain("a..b")
    assert address_literal("[IPv6:2001:DB8::1]") == "2001:db8::1"
    assert address_literal("[192.0.2.1]") == "192.0.2.1"
    assert address_literal("192.0.2.1") is None and address_literal("[01.2.3.4]") is None
