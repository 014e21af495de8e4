"""The schedule grid of a leg's day, and one person's schedule across the mission."""

from __future__ import annotations

from datetime import date

from flask import render_template, request

from mission_app.organiser import bp
from mission_app.organiser.common import load_mission
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
        mission, request.args.get("leg", type=int), _day_arg(request.args.get("day"))
    )
    return render_template("organiser/grid/grid.html", mission=mission, grid=grid, tab="grid")


@bp.get("/<int:mission_id>/people/<int:person_id>/schedule")
def show_person_schedule(mission_id: int, person_id: int):
    mission = load_mission(mission_id)
    schedule = service.load_person_schedule(mission, person_id)
    return render_template(
        "organiser/grid/person.html", mission=mission, schedule=schedule, tab="grid"
    )
