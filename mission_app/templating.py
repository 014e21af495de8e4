"""Filters that templates use to show times in the right zone and language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import get_locale
from flask_babel.speaklater import LazyString

from mission_app import labels
from mission_app.services.timezones import format_local


def zone_offset(value: datetime, zone: str) -> str:
    """'UTC+1' style label for the zone at that instant, read from the tz database."""
    offset = value.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '−'}{hours}" + (f":{rest:02d}" if rest else "")


def plain_lazy_strings(value):
    """Lazy translations claim to be safe HTML; their parameters may come from users (a name,
    a cell of an imported file), so they are escaped like any other text."""
    return str(value) if isinstance(value, LazyString) else value


def init_app(app: Flask) -> None:
    app.jinja_env.finalize = plain_lazy_strings
    app.jinja_env.filters["local"] = format_local
    app.jinja_env.filters["zone_offset"] = zone_offset
    app.jinja_env.globals.update(labels=labels, country_label=labels.country_label)

    @app.context_processor
    def inject_locale() -> dict:
        return {"current_locale": str(get_locale())}
