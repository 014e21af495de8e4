"""Wall-clock times in a leg's zone, turned into UTC instants and back."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

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


def to_utc(value: datetime, zone: str) -> datetime:
    """A naive value is wall-clock time in `zone`; an aware one is taken as given."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)


def to_local(value: datetime, zone: str) -> datetime:
    """The wall-clock time in `zone`, naive, as a datetime-local form field wants it."""
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def zone_choices() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
