"""The schedule grid of a leg's day, one person's schedule across the mission, and the edits
organisers make in the grid: move, swap, cancel, restore, lock, add a meeting by hand.

Each edit answers a plain form with a redirect to the grid (the reason flashed and the meeting
highlighted when it is refused), and the grid's drag-and-drop script, which asks for JSON, with
the same outcome as data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mission_app.extensions import db
from mission_app.organiser import bp
from mission_app.organiser.common import load_mission
from mission_app.organiser.forms.grid import LockForm, MoveForm, PlaceForm, SwapForm, VersionForm
from mission_app.services import meeting_edits as edits
from mission_app.services import schedule_grid as service


def _day_arg(value: str | None) -> date | None:
    """The ?day= of the URL; a malformed one shows the leg's first day."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/<int:mission_id>/grid")
def show_grid(mission_id: int):
    mission = load_mission(mission_id)
    grid = service.load_grid(
        mission,
        request.args.get("leg", type=int),
        _day_arg(request.args.get("day")),
        explain_unplaced=g.can_edit,
    )
    return render_template(
        "organiser/grid/grid.html",
        mission=mission,
        grid=grid,
        refused=request.args.get("refused", type=int),
        tab="grid",
    )


@bp.get("/<int:mission_id>/people/<int:person_id>/schedule")
def show_person_schedule(mission_id: int, person_id: int):
    mission = load_mission(mission_id)
    schedule = service.load_person_schedule(mission, person_id)
    return render_template(
        "organiser/grid/person.html", mission=mission, schedule=schedule, tab="grid"
    )


# ----- pages that work without script ---------------------------------------------------------


@bp.get("/<int:mission_id>/meetings/<int:meeting_id>/edit")
def edit_meeting(mission_id: int, meeting_id: int):
    mission = load_mission(mission_id, needs="organiser")
    editor = service.load_meeting_editor(mission, meeting_id)
    return render_template(
        "organiser/grid/meeting.html", mission=mission, editor=editor, tab="grid"
    )


@bp.get("/<int:mission_id>/meeting-requests/<int:request_id>/place")
def place_request(mission_id: int, request_id: int):
    mission = load_mission(mission_id, needs="organiser")
    placement = service.load_request_placement(mission, request_id)
    return render_template(
        "organiser/grid/place.html", mission=mission, placement=placement, tab="grid"
    )


# ----- the edits ------------------------------------------------------------------------------


@bp.post("/<int:mission_id>/meetings/<int:meeting_id>/move")
def move_meeting(mission_id: int, meeting_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = MoveForm()
    return _edit(
        mission,
        meeting_id,
        form,
        lambda: edits.move_meeting(
            mission,
            current_user,
            meeting_id,
            expected_version=form.version.data,
            start_at=form.start.instant,
            venue_id=form.venue.data,
            table_number=form.table.data,
        ),
        lambda meeting: _("Meeting moved: %(pair)s.", pair=_pair(meeting)),
    )


@bp.post("/<int:mission_id>/meetings/<int:meeting_id>/swap")
def swap_meeting(mission_id: int, meeting_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = SwapForm()
    return _edit(
        mission,
        meeting_id,
        form,
        lambda: edits.swap_meetings(
            mission,
            current_user,
            meeting_id,
            form.version.data,
            form.other.meeting_id,
            form.other.version,
        )[0],
        lambda meeting: _("Meetings swapped: %(pair)s changed places.", pair=_pair(meeting)),
    )


@bp.post("/<int:mission_id>/meetings/<int:meeting_id>/cancel")
def cancel_meeting(mission_id: int, meeting_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = VersionForm()
    return _edit(
        mission,
        meeting_id,
        form,
        lambda: edits.cancel_meeting(mission, current_user, meeting_id, form.version.data),
        lambda meeting: _("Meeting cancelled: %(pair)s.", pair=_pair(meeting)),
    )


@bp.post("/<int:mission_id>/meetings/<int:meeting_id>/restore")
def restore_meeting(mission_id: int, meeting_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = VersionForm()
    return _edit(
        mission,
        meeting_id,
        form,
        lambda: edits.restore_meeting(mission, current_user, meeting_id, form.version.data),
        lambda meeting: _("Meeting restored: %(pair)s.", pair=_pair(meeting)),
    )


@bp.post("/<int:mission_id>/meetings/<int:meeting_id>/lock")
def lock_meeting(mission_id: int, meeting_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = LockForm()
    return _edit(
        mission,
        meeting_id,
        form,
        lambda: edits.set_meeting_locked(
            mission, current_user, meeting_id, form.version.data, bool(form.locked.data)
        ),
        lambda meeting: (
            _("Meeting locked: %(pair)s. The scheduler will not move it.", pair=_pair(meeting))
            if meeting.locked
            else _("Meeting unlocked: %(pair)s.", pair=_pair(meeting))
        ),
    )


@bp.post("/<int:mission_id>/meeting-requests/<int:request_id>/place")
def add_meeting(mission_id: int, request_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = PlaceForm()
    back = url_for("organiser.place_request", mission_id=mission.id, request_id=request_id)
    return _edit(
        mission,
        None,
        form,
        lambda: edits.add_meeting(
            mission,
            current_user,
            request_id,
            start_at=form.start.instant,
            venue_id=form.venue.data,
            table_number=form.table.data,
        ),
        lambda meeting: _("Meeting added: %(pair)s.", pair=_pair(meeting)),
        back=back,
    )


def _edit(mission, meeting_id, form, run: Callable, done: Callable, back: str | None = None):
    """Validate, run one edit, commit once; a refusal changes nothing and says why."""
    if not form.validate_on_submit():
        return _refused(
            mission,
            meeting_id,
            _("This form is incomplete or out of date: reload the grid and try again."),
            [],
            400,
            back,
        )
    try:
        meeting = run()
    except edits.StaleEdit as stale:
        db.session.rollback()
        return _refused(mission, stale.meeting_id or meeting_id, stale.message, [], 409, back)
    except edits.EditRefused as refusal:
        db.session.rollback()
        return _refused(
            mission, refusal.meeting_id or meeting_id, refusal.message, refusal.reasons, 422, back
        )
    db.session.commit()
    message = done(meeting)
    flash(message, "success")
    url = _grid_url(mission, meeting.id)
    if _wants_json():
        return jsonify(ok=True, message=message, url=url)
    return redirect(url)


def _refused(mission, meeting_id, message, reasons, status: int, back: str | None):
    reasons = [str(reason) for reason in reasons]
    if _wants_json():
        return jsonify(ok=False, message=str(message), reasons=reasons, meeting=meeting_id), status
    for text in [str(message), *reasons]:
        flash(text, "error")
    if back is not None:
        return redirect(back)
    return redirect(_grid_url(mission, meeting_id, refused=meeting_id))


def _grid_url(mission, meeting_id: int | None, **args) -> str:
    position = service.meeting_position(mission, meeting_id) if meeting_id else None
    if position is None:
        return url_for("organiser.show_grid", mission_id=mission.id)
    leg_id, day = position
    url = url_for(
        "organiser.show_grid", mission_id=mission.id, leg=leg_id, day=day.isoformat(), **args
    )
    return f"{url}#m{meeting_id}"


def _pair(meeting) -> str:
    return f"{meeting.request.delegation.name} – {meeting.request.host.name}"


def _wants_json() -> bool:
    """The grid's script asks for JSON; a browser submitting a form asks for HTML."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"
