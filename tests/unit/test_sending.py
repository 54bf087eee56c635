"""Pure parts of the sending side: RFC 6409 fix-ups, RFC 3464 bounces, [queue] config."""

from __future__ import annotations

import email
import email.message

import pytest

from hato.config import ConfigError, QueueSettings, config_from_table
from hato.delivery.bounce import Failure, build_dsn
from hato.delivery.fixup import fix_up, split_header
from hato.delivery.relay import RouteError, destinations


def test_bcc_and_its_continuation_lines_are_removed() -> None:
    original = b"From: a@x\r\nBcc: b@x,\r\n c@x\r\nTo: d@x\r\n\r\nBcc: in the body stays\r\n"
    fixed = fix_up(original, "mail.test", 0)
    head, body = fixed.split(b"\r\n\r\n", 1)
    assert b"Bcc" not in head and b"c@x" not in head
    assert head.startswith(b"From: a@x\r\nTo: d@x\r\n")
    assert body == b"Bcc: in the body stays\r\n"


def test_date_and_message_id_are_added_only_when_missing() -> None:
    fixed = fix_up(b"Subject: x\r\n\r\nbody\r\n", "mail.test", 0)
    assert b"\r\nDate: " in fixed and b"@mail.test>\r\n" in fixed
    complete = b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <a@b>\r\n\r\nx\r\n"
    assert fix_up(complete, "mail.test", 0) == complete


def test_header_without_body_gets_its_blank_line() -> None:
    fixed = fix_up(b"Subject: only a header", "mail.test", 0)
    assert fixed.endswith(b"\r\n\r\n")
    assert split_header(fixed)[0][0] == b"Subject: only a header\r\n"


def _report(failures: list[Failure]) -> email.message.Message:
    original = b"Received: x\r\nSubject: the original\r\n\r\nsecret body\r\n"
    dsn = build_dsn("mail.test", "alice@example.org", original, failures, 0, 60)
    return email.message_from_bytes(dsn)


def test_dsn_has_the_three_parts_and_no_original_body() -> None:
    report = _report([Failure("x@remote.test", "5.0.0", "550 5.1.1 no such user", "mx.test", True)])
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "delivery-status"
    parts = report.get_payload()
    assert isinstance(parts, list)
    kinds = [p.get_content_type() for p in parts]
    assert kinds == ["text/plain", "message/delivery-status", "text/rfc822-headers"]
    text = report.as_string()
    assert "Reporting-MTA: dns; mail.test" in text
    assert "Status: 5.1.1" in text and "Remote-MTA: dns; mx.test" in text
    assert "Diagnostic-Code: smtp; 550 5.1.1 no such user" in text
    assert "Subject: the original" in text and "secret body" not in text
    assert report["Auto-Submitted"] == "auto-replied"


def test_expiry_keeps_its_own_status() -> None:
    report = _report([Failure("x@remote.test", "4.4.7", "451 4.3.0 busy", "mx.test", True)])
    assert "Status: 4.4.7" in report.as_string()


def test_queue_settings() -> None:
    settings = config_from_table({"queue": {"retry": [1, 2], "lifetime": 30}}).queue
    assert settings == QueueSettings(retry=(1.0, 2.0), lifetime=30.0)
    assert [settings.delay(n) for n in (1, 2, 3, 9)] == [1.0, 2.0, 2.0, 2.0]
    assert QueueSettings().retry == (60.0, 300.0, 900.0, 1800.0, 3600.0)
    assert QueueSettings().lifetime == 5 * 86400
    for bad in ({"retry": []}, {"retry": [0]}, {"lifetime": "1d"}, {"every": 1}):
        with pytest.raises(ConfigError):
            config_from_table({"queue": bad})


async def test_routes_come_before_dns() -> None:
    routes = {"remote.test": "127.0.0.1:2525", "*": "smarthost.test:25"}
    assert await destinations("REMOTE.test", routes) == [("127.0.0.1", 2525)]
    assert await destinations("other.test", routes) == [("smarthost.test", 25)]


async def test_an_address_literal_is_its_own_destination() -> None:
    assert await destinations("[192.0.2.7]", {}) == [("192.0.2.7", 25)]
    assert await destinations("[ipv6:2001:db8::1]", {}) == [("2001:db8::1", 25)]


async def test_a_domain_that_does_not_exist_fails_permanently() -> None:
    try:
        await destinations("no-such-domain.invalid", {})
    except RouteError as error:
        assert error.permanent or "4.4.3" in str(error)
    else:
        pytest.fail("a .invalid domain resolved")
