"""Organiser views: any participant's calendar, a firm's, and the public programme, as .ics."""

from __future__ import annotations

from flask import current_app

from mission_app.exporters import ExportedFile
from mission_app.exporters.ics import agenda_calendar, calendar_name_for
from mission_app.organiser import bp
from mission_app.organiser.common import load_mission
from mission_app.services.agendas import organisation_agenda, person_agenda, programme_agenda
from mission_app.services.participants import get_organisation, get_person


@bp.get("/<int:mission_id>/people/<int:person_id>/agenda.ics")
def download_person_calendar(mission_id: int, person_id: int):
    mission = load_mission(mission_id)
    agenda = person_agenda(mission, get_person(mission, person_id), source="working")
    return _download(agenda, "person")


@bp.get("/<int:mission_id>/organisations/<int:organisation_id>/agenda.ics")
def download_organisation_calendar(mission_id: int, organisation_id: int):
    mission = load_mission(mission_id)
    agenda = organisation_agenda(
        mission, get_organisation(mission, organisation_id), source="working"
    )
    return _download(agenda, "organisation")


@bp.get("/<int:mission_id>/programme.ics")
def download_programme_calendar(mission_id: int):
    mission = load_mission(mission_id)
    return _download(programme_agenda(mission), "programme")


def _download(agenda, scope: str):
    exported: ExportedFile = agenda_calendar(agenda, calendar_name=calendar_name_for(agenda, scope))
    response = current_app.response_class(exported.content, content_type=exported.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=exported.filename)
    response.headers["Cache-Control"] = "no-store"  # names and positions of participants
    return response
