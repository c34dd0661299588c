"""Request timestamps: REST sends ISO 8601 UTC, WebSocket login sends Unix seconds.

REST accepts `YYYY-MM-DDTHH:MM:SS[.fraction]Z`: upper-case `T` and `Z` required, 1 to 9 fraction
digits or none (what `Instant.parse` on OKX's side takes; clients send `.sss`). Offsets such as
`+00:00`, spaces, and non-ASCII digits are refused. Parsing is by hand, without regexes or datetime
objects: it runs on every signed request (the calendar check of the date runs once per date).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from sandex.domain.clock import DAY_MS

WINDOW_MS = 30_000  # OKX: more than 30 s either way from server time is "expired"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_CORE_LENGTH = 19  # YYYY-MM-DDTHH:MM:SS
_MAX_HOUR, _MAX_MINUTE, _MAX_SECOND = 23, 59, 59
_DAYS_KEPT = 8
_days: dict[str, int] = {}  # YYYY-MM-DD -> ms since the epoch (see `_day_ms`)
_MAX_FRACTION = 9
_MIN_REST_LENGTH = _CORE_LENGTH + 1  # ...SSZ
_MAX_REST_LENGTH = _CORE_LENGTH + 2 + _MAX_FRACTION  # ...SS.fffffffffZ
_MAX_SECONDS_DIGITS = 15  # far beyond any real time; keeps int() away from huge inputs


def parse_rest_timestamp(text: str) -> int | None:
    """Milliseconds since the epoch, or None if `text` is not the accepted ISO form."""
    if not _MIN_REST_LENGTH <= len(text) <= _MAX_REST_LENGTH or text[-1] != "Z" or text[4:17:3] != "--T::":
        return None
    day_ms = _day_ms(text[:10])
    if day_ms is None:
        return None
    clock = text[11:13] + text[14:16] + text[17:19]  # HHMMSS
    if not _ascii_digits(clock):
        return None
    hours, rest = divmod(int(clock), 10_000)
    minutes, seconds = divmod(rest, 100)
    if hours > _MAX_HOUR or minutes > _MAX_MINUTE or seconds > _MAX_SECOND:  # no leap second, as before
        return None
    fraction_ms = _fraction_ms(text[_CORE_LENGTH:-1])
    if fraction_ms is None:
        return None
    return day_ms + ((hours * 60 + minutes) * 60 + seconds) * 1000 + fraction_ms


def _day_ms(text: str) -> int | None:
    """`YYYY-MM-DD` as ms since the epoch (None if not a real date), remembered for the few dates in
    use: every request of a day shares its date, so the calendar check runs about once a day."""
    known = _days.get(text)
    if known is not None:
        return known
    if not _ascii_digits(text[:4] + text[5:7] + text[8:10]):
        return None
    try:  # the shape is already strict; fromisoformat (C) checks the ranges: month 13, 30 Feb
        day_ms = (date.fromisoformat(text).toordinal() - _EPOCH_ORDINAL) * DAY_MS
    except ValueError:
        return None
    if len(_days) >= _DAYS_KEPT:  # a client's odd dates must not grow it
        _days.clear()
    _days[text] = day_ms
    return day_ms


def _fraction_ms(fraction: str) -> int | None:
    """Milliseconds of a fraction: empty -> 0, ".5" -> 500, ".123456" -> 123; None if malformed."""
    if not fraction:
        return 0
    digits = fraction[1:]
    if fraction[0] != "." or not digits or not _ascii_digits(digits):
        return None
    return int((digits + "00")[:3])


def parse_ws_timestamp(value: str | int | float) -> int | None:
    """Milliseconds from WS login seconds: an int, "1538054050" or "1538054050.123"; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value * 1000 if value >= 0 else None
    if isinstance(value, float):
        return math.floor(value * 1000) if math.isfinite(value) and value >= 0 else None
    whole, dot, fraction = value.partition(".")
    if not whole or len(whole) > _MAX_SECONDS_DIGITS or not _ascii_digits(whole):
        return None
    if dot and not (fraction and _ascii_digits(fraction)):
        return None
    return int(whole) * 1000 + int((fraction + "000")[:3])


def within_window(timestamp_ms: int, now_ms: int, window_ms: int = WINDOW_MS) -> bool:
    """True unless the request time differs from server time by more than the window."""
    return abs(now_ms - timestamp_ms) <= window_ms


def format_rest_timestamp(epoch_ms: int) -> str:
    """`2020-12-08T09:08:57.715Z`: the header value a client sends (sandex's client uses this)."""
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
