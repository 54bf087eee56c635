"""hato.logs: one line per record, fields a client cannot use to break or forge a line."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hato.config import ConfigError, LogSettings, config_from_table
from hato.logs import _time, configure_logging, event

log = logging.getLogger("hato.test")
FORGED = "bob\r\n2026-01-01T00:00:00.000Z INFO hato.auth: login account=root result=ok"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in ("", "mail.log", "hato.trace")]
    handlers, levels = list(loggers[0].handlers), [logger.level for logger in loggers]
    yield
    loggers[0].handlers[:] = handlers
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def test_text_fields_are_quoted_when_they_could_break_the_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(LogSettings())
    event(log, logging.INFO, "login", account=FORGED, to=["a@x", "b@y"], none=None, n=3)
    (line,) = capsys.readouterr().err.splitlines()
    assert ' INFO hato.test: login account="bob\\r\\n2026-01-01T00:00:00.000Z INFO ' in line
    assert line.endswith(" to=a@x,b@y none=- n=3")


def test_json_lines_are_ascii_objects(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogSettings(format="json"))
    event(log, logging.WARNING, "login", account="山田\u2028" + FORGED)
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("it failed")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.isascii() for line in lines)
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "warning" and first["account"] == "山田\u2028" + FORGED
    assert second["message"] == "it failed" and "ValueError: boom" in second["exception"]


def test_the_level_hides_what_is_below_it(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogSettings(level="warning"))
    log.info("not shown")
    log.warning("shown")
    assert [line.split(" ", 3)[3] for line in capsys.readouterr().err.splitlines()] == ["shown"]


@pytest.mark.parametrize(("level", "shown"), [("info", False), ("debug", True)])
def test_aiosmtpd_chatter_only_at_debug(
    level: str, shown: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(LogSettings(level=level))
    logging.getLogger("mail.log").info("('127.0.0.1', 5) handling connection")
    assert ("handling connection" in capsys.readouterr().err) is shown


def test_log_settings_are_checked() -> None:
    assert config_from_table({"log": {"format": "json", "level": "debug"}}).log == LogSettings(
        "json", "debug"
    )
    with pytest.raises(ConfigError) as error:
        config_from_table({"log": {"format": "xml", "level": "loud", "colour": True}})
    for problem in ("log.format", "log.level", "log.colour"):
        assert problem in str(error.value)


@settings(max_examples=3000)
@given(
    st.one_of(
        st.floats(min_value=0, max_value=4e9),
        st.integers(0, 4_000_000_000).map(lambda s: s + 0.9999996),  # rounds to the next second
        st.integers(0, 4_000_000_000_000).map(lambda ms: ms / 1000),
    )
)
def test_the_time_stamp_is_the_milliseconds_of_utc(created: float) -> None:
    """The second's text is made once a second; the line shows what datetime would."""
    record = logging.LogRecord("hato.test", logging.INFO, __file__, 1, "m", (), None)
    record.created = created
    when = datetime.datetime.fromtimestamp(created, datetime.UTC)
    assert _time(record) == when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
