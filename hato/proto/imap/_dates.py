"""Dates and date-times (RFC 3501 §9).

date            = date-text / DQUOTE date-text DQUOTE
date-text       = date-day "-" date-month "-" date-year
date-day        = 1*2DIGIT
date-day-fixed  = (SP DIGIT) / 2DIGIT
date-month      = "Jan" / "Feb" / "Mar" / "Apr" / "May" / "Jun" /
                  "Jul" / "Aug" / "Sep" / "Oct" / "Nov" / "Dec"
date-year       = 4DIGIT
date-time       = DQUOTE date-day-fixed "-" date-month "-" date-year
                  SP time SP zone DQUOTE
time            = 2DIGIT ":" 2DIGIT ":" 2DIGIT
zone            = ("+" / "-") 4DIGIT
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from ._events import CommandError
from ._tokens import Cursor

__all__ = ["format_date_time", "parse_date", "parse_date_time"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBER = {name.upper(): number for number, name in enumerate(MONTHS, 1)}
_DATE = re.compile(rb'(")?(\d{1,2})-([A-Za-z]{3})-(\d{4})(?(1)")')
_DATE_TIME = re.compile(
    rb'"([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"'
)


def parse_date(cur: Cursor) -> date:
    """date (SEARCH BEFORE/ON/SINCE/SENT*); Dovecot: "Invalid search date parameter"."""
    found = _DATE.match(cur.data, cur.pos)
    if found is None:
        raise CommandError("Invalid search date parameter")
    try:
        month = _MONTH_NUMBER[found.group(3).upper().decode()]
        day = date(int(found.group(4)), month, int(found.group(2)))
    except (KeyError, ValueError):
        raise CommandError("Invalid search date parameter") from None
    cur.pos = found.end()
    return day


def parse_date_time(cur: Cursor) -> datetime:
    """date-time (APPEND), an aware datetime in the given zone."""
    found = _DATE_TIME.match(cur.data, cur.pos)
    if found is None:
        raise CommandError("Invalid arguments.")
    day, month, year, hour, minute, second, sign, zh, zm = found.groups()
    try:
        offset = timedelta(hours=int(zh), minutes=int(zm))
        zone = timezone(-offset if sign == b"-" else offset)
        stamp = datetime(
            int(year), _MONTH_NUMBER[month.upper().decode()], int(day),
            int(hour), int(minute), int(second), tzinfo=zone,
        )  # fmt: skip
    except (KeyError, ValueError):
        raise CommandError("Invalid arguments.") from None
    cur.pos = found.end()
    return stamp


def format_date_time(stamp: datetime) -> str:
    """INTERNALDATE as RFC 3501 §9 date-time, without the quotes.

    A naive datetime is taken as UTC: "27-Nov-2026 23:10:43 +0000".
    """
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    offset = stamp.utcoffset() or timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return (
        f"{stamp.day:02d}-{MONTHS[stamp.month - 1]}-{stamp.year:04d} "
        f"{stamp.hour:02d}:{stamp.minute:02d}:{stamp.second:02d} "
        f"{sign}{minutes // 60:02d}{minutes % 60:02d}"
    )
