"""hato's log: one line per record on standard error, as text or as JSON.

Every ``hato`` command calls ``configure_logging`` once its configuration is
read (``[log] format`` and ``level``). A text line is::

    2026-12-04T16:12:49.123Z INFO hato.auth: login protocol=imap account=alice ...

a UTC time stamp, the level, the logger and the message; an *event* (a login,
a delivery, a relay attempt, an attack) is a one-word message followed by its
fields as ``key=value`` words, a value quoted JSON-style when it holds spaces,
quotes or control characters, so a client cannot break a line or forge one.
In JSON each line is an object: ``time``, ``level``, ``logger``, ``message``,
the event's fields, and ``exception`` (the traceback) if any.

``--trace`` lines go through the ``hato.trace`` logger, shown whatever the
level; aiosmtpd's per-connection chatter (logger ``mail.log``) only at debug.
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
import math
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["LogSettings", "configure_logging", "event", "printable"]

_FIELDS = "hato_fields"  # the LogRecord attribute that carries an event's fields
_MAX_FIELD = 2000
_MAX_SHOWN = 500


@dataclass(frozen=True, slots=True)
class LogSettings:
    """``[log]``: the lines hato writes to standard error (read by hato.config)."""

    format: str = "text"
    level: str = "info"


def event(logger: logging.Logger, level: int, what: str, /, **fields: Any) -> None:
    """Log the event ``what`` (one word) with its fields, in the order given."""
    logger.log(level, "%s", what, extra={_FIELDS: fields})


def printable(text: str, limit: int = _MAX_SHOWN) -> str:
    """``text`` shortened to ``limit`` characters, control characters escaped."""
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text)} characters)"
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def configure_logging(settings: LogSettings) -> None:
    """Send every record to standard error in the configured format, from ``level`` up."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StandardError)]:
        root.removeHandler(handler)
    handler = _StandardError()
    handler.setFormatter(_JsonLines() if settings.format == "json" else _TextLines())
    root.addHandler(handler)
    level = logging.getLevelNamesMapping()[settings.level.upper()]
    root.setLevel(level)
    logging.getLogger("hato.trace").setLevel(logging.INFO)
    chatter = level if level == logging.DEBUG else max(level, logging.WARNING)
    logging.getLogger("mail.log").setLevel(chatter)
    # hato's lines show none of a record's thread, process or source line: not working
    # them out for each record (the logging module's own switches) saves a system call and
    # a walk up the stack a line (a tenth of a delivery's log line)
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # the logging HOWTO's "Optimization"


class _StandardError(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def _time(record: logging.LogRecord) -> str:
    """``2026-12-04T16:12:49.123Z``: the second's text made once a second."""
    fraction, whole = math.modf(record.created)  # as datetime.fromtimestamp rounds
    second, micro = int(whole), round(fraction * 1_000_000)
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    return f"{_second(second)}.{micro // 1000:03d}Z"


@functools.lru_cache(maxsize=4)
def _second(second: int) -> str:
    return datetime.datetime.fromtimestamp(second, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _fields(record: logging.LogRecord) -> Mapping[str, Any]:
    fields = getattr(record, _FIELDS, None)
    return fields if isinstance(fields, Mapping) else {}


class _TextLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = printable(record.getMessage(), _MAX_FIELD)
        words = [f"{key}={_text_value(value)}" for key, value in _fields(record).items()]
        line = " ".join([_time(record), record.levelname, f"{record.name}:", message, *words])
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _text_value(value: Any) -> str:
    if value is None:
        return "-"
    kind = type(value)
    if kind is int:  # most fields are text or numbers: no ABC check for those
        return str(value)
    if kind is not str and isinstance(value, Sequence):
        value = ",".join(str(item) for item in value)
    text = str(value)[:_MAX_FIELD]
    if text and text.isprintable() and _QUOTED_WHEN.search(text) is None:
        return text
    return json.dumps(text, ensure_ascii=not text.isprintable())


#: What makes a printable value be written as a JSON string.
_QUOTED_WHEN = re.compile(r'[ "=\\]')


class _JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in _fields(record).items():
            line.setdefault(key, _json_value(value))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)  # ASCII: no character a line reader could split on


def _json_value(value: Any) -> Any:
    if isinstance(value, str):
        return value[:_MAX_FIELD]
    if isinstance(value, Sequence):
        return [_json_value(item) for item in value]
    return value if isinstance(value, int | float | bool) or value is None else str(value)
