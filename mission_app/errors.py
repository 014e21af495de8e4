"""Error pages, and domain errors mapped to HTTP statuses."""

from __future__ import annotations

from flask import Flask, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from mission_app.services.errors import NotFound, PermissionDenied

MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have the right to do this."),
    404: lambda: _("This page does not exist, or you do not have access to it."),
    405: lambda: _("This action is not allowed here."),
    413: lambda: _("The file is too large."),
    500: lambda: _("Something went wrong on our side. Your data is safe; please try again."),
}


def _page(status: int, message: str | None = None):
    return render_template(
        "errors/error.html", status=status, message=message or MESSAGES[status]()
    ), status


def _too_large(error):
    """An upload over the size limit: back to the form, saying what the limit is."""
    limit_mb = current_app.config["MAX_UPLOAD_BYTES"] / (1024 * 1024)
    message = _("The file is too large: the limit is %(limit)s MB.", limit=f"{limit_mb:.0f}")
    if request.method == "POST" and request.url_rule and "GET" in request.url_rule.methods:
        flash(message, "error")
        return redirect(request.path)
    return _page(413, message)


def init_app(app: Flask) -> None:
    for status in MESSAGES:
        app.register_error_handler(status, lambda error, status=status: _page(status))
    app.register_error_handler(413, _too_large)
    app.register_error_handler(NotFound, lambda error: _page(404))
    app.register_error_handler(PermissionDenied, lambda error: _page(403))
    app.register_error_handler(CSRFError, _csrf_failure)


def _csrf_failure(error):
    if request.headers.get("HX-Request"):
        # htmx does not show error pages: reload the page, which gets a fresh token.
        return "", 400, {"HX-Refresh": "true"}
    return _page(
        400, _("Your form expired or was sent twice. Go back, reload the page and try again.")
    )
