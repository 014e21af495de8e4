"""Portal views: calendars."""

from mission_app.portal import bp  # noqa: F401
