"""The mission day: one page per leg and day, where organisers mark each meeting held, no-show
or cancelled as they walk between the tables. Plain forms, updated in place by htmx."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mission_app.extensions import db
from mission_app.organiser import bp
from mission_app.organiser.common import load_mission
from mission_app.organiser.forms.dayof import DayStateForm
from mission_app.services import outcomes as service
from mission_app.services.errors import ValidationFailed
from mission_app.services.meeting_edits import EditRefused, StaleEdit


def _day_arg(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.get("/<int:mission_id>/day")
def show_day_sheet(mission_id: int):
    mission = load_mission(mission_id)
    sheet = service.load_day_sheet(
        mission, request.args.get("leg", type=int), _day_arg(request.args.get("day"))
    )
    return render_template("organiser/dayof/sheet.html", mission=mission, sheet=sheet, tab="day")


@bp.post("/<int:mission_id>/day/meetings/<int:meeting_id>")
def set_meeting_day_state(mission_id: int, meeting_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = DayStateForm()
    problem = None
    if not form.validate_on_submit():
        problem = _("Reload the page and tap the button again.")
    else:
        try:
            service.set_day_state(
                mission, current_user, meeting_id, form.state.data, form.version.data
            )
        except (StaleEdit, EditRefused) as refusal:
            db.session.rollback()
            problem = " ".join(
                str(part) for part in [refusal.message, *getattr(refusal, "reasons", [])]
            )
        except ValidationFailed as failure:
            db.session.rollback()
            problem = " ".join(str(r) for reasons in failure.errors.values() for r in reasons)
        else:
            db.session.commit()
    leg_id, day = service.place_of(mission, meeting_id)
    if _is_htmx():
        sheet = service.load_day_sheet(mission, leg_id, day)
        return render_template(
            "organiser/dayof/_update.html",
            mission=mission,
            sheet=sheet,
            meeting=sheet.meeting(meeting_id),
            problem=problem,
        )
    if problem:
        flash(problem, "error")
    return redirect(
        url_for("organiser.show_day_sheet", mission_id=mission.id, leg=leg_id, day=day.isoformat())
        + f"#m{meeting_id}"
    )
