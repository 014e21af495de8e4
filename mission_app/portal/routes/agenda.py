"""Portal views: agenda."""

from mission_app.portal import bp  # noqa: F401
