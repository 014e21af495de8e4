"""Portal views: documents."""

from mission_app.portal import bp  # noqa: F401
