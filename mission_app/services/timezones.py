"""Wall-clock times in a leg's zone, turned into UTC instants and back."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_datetime, get_datetime_format
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from mission_app.services.errors import ValidationFailed


def check_timezone(name: str, field: str = "timezone") -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            {field: [_l("“%(zone)s” is not a known time zone (e.g. Africa/Dakar).", zone=name)]}
        ) from None
    return name


def to_utc(value: datetime, zone: str, field: str = "") -> datetime:
    """A naive value is wall-clock time in `zone`; an aware one is taken as given.

    A wall-clock time the clocks skip (they jump forward) or pass twice (they go back), as
    Morocco's do around Ramadan, is refused with a reason under `field`, rather than silently
    moved by an hour.
    """
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    tz = ZoneInfo(zone)
    first, second = value.replace(tzinfo=tz, fold=0), value.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        shown = value.strftime("%Y-%m-%d %H:%M")
        skipped = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value
        reason = (
            _l(
                "%(time)s does not exist in %(zone)s: the clocks jump forward then. "
                "Choose another time.",
                time=shown,
                zone=zone,
            )
            if skipped
            else _l(
                "%(time)s happens twice in %(zone)s: the clocks go back then. Choose another time.",
                time=shown,
                zone=zone,
            )
        )
        raise ValidationFailed({field: [reason]})
    return first.astimezone(UTC)


def to_local(value: datetime, zone: str) -> datetime:
    """The wall-clock time in `zone`, naive, as a datetime-local form field wants it."""
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def zone_choices() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


FORMATS = {
    "datetime": "EEE d MMM y",  # then the time, joined the locale's way (format_local)
    "date": "EEEE d MMMM y",
    "short_date": "EEE d MMM",
    "time": "HH:mm",
}


def format_local(value: datetime | None, zone: str, style: str = "datetime") -> str:
    """A stored UTC instant shown as wall-clock time in the given IANA zone."""
    if value is None:
        return ""
    zone_info, locale = ZoneInfo(zone), get_locale()
    text = format_datetime(value, FORMATS[style], tzinfo=zone_info, locale=locale)
    if style != "datetime":
        return text
    # the locale's own joint: "13 nov. 2026, 13:57" but "13 نوفمبر 2026، 13:57" in Arabic
    time = format_datetime(value, FORMATS["time"], tzinfo=zone_info, locale=locale)
    return get_datetime_format("medium", locale=locale).replace("{1}", text).replace("{0}", time)
