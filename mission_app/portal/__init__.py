"""The participant portal: a personal agenda behind a secret link, no account needed."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/p")

# Route modules register their views on `bp` when imported.
from mission_app.portal.routes import agenda, calendars, documents, errors  # noqa: E402, F401
