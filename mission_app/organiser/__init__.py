"""The organiser UI: missions, participants, programme, requests and mission files."""

from flask import Blueprint
from flask_login import login_required

bp = Blueprint("organiser", __name__, url_prefix="/missions")


@bp.before_request
@login_required
def require_login():
    """Every organiser page needs a logged-in user."""


# Route modules register their views on `bp` when imported.
from mission_app.organiser.routes import (  # noqa: E402, F401
    calendars,
    dayof,
    documents,
    files,
    followups,
    grid,
    imports,
    links,
    members,
    missions,
    outbox,
    participants,
    programme,
    publications,
    report,
    requests,
    schedule,
)
