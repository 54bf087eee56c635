"""Date parts for the date and currentdate tests (RFC 5260 §4.2, §5)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_tz

_ZONE = re.compile(r"([+-])([0-9]{2})([0-9]{2})\Z")
_MJD_EPOCH = date(1858, 11, 17)
_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_DATE_HEADER = 256  # a Date field longer than this is no date (RFC 5322 §3.3 is short)


def parse_zone(text: str) -> timezone | None:
    """``:zone`` "+hhmm" / "-hhmm" (RFC 5260 §4.1); None if malformed."""
    match = _ZONE.match(text)
    if match is None or int(match.group(3)) > 59:
        return None
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    return timezone(timedelta(minutes=-minutes if match.group(1) == "-" else minutes))


def parse_date_header(value: str) -> datetime | None:
    """A date-time (RFC 5322 §3.3) with its own zone; None if it is none (§4.3)."""
    if len(value) > MAX_DATE_HEADER:
        return None
    parts = parsedate_tz(value)
    if parts is None:
        return None
    offset = parts[9] or 0
    try:
        return datetime(*parts[:6], tzinfo=timezone(timedelta(seconds=offset)))
    except (ValueError, OverflowError):
        return None


def _zone_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def date_part(moment: datetime, part: str) -> str | None:
    """The text of one date part (RFC 5260 §4.2); None for an unknown part."""
    part = part.lower()
    weekday = (moment.weekday() + 1) % 7  # 0 is Sunday
    values = {
        "year": f"{moment.year:04d}",
        "month": f"{moment.month:02d}",
        "day": f"{moment.day:02d}",
        "date": f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}",
        "julian": str((moment.date() - _MJD_EPOCH).days),
        "hour": f"{moment.hour:02d}",
        "minute": f"{moment.minute:02d}",
        "second": f"{moment.second:02d}",
        "time": f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}",
        "zone": _zone_text(moment),
        "weekday": str(weekday),
    }
    if part == "iso8601":
        zone = _zone_text(moment)
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + f"{zone[:3]}:{zone[3:]}"
    if part == "std11":
        return (
            f"{_DAYS[weekday]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} "
            f"{values['time']} {values['zone']}"
        )
    return values.get(part)


def in_zone(moment: datetime, zone: timezone | None, local: datetime) -> datetime:
    """Shift to ``zone``, else to the local zone of ``local`` (RFC 5260 §4.1)."""
    return moment.astimezone(zone or local.tzinfo or UTC)
