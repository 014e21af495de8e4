"""Documents for organisers: every PDF to download, and all agendas as one ZIP."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mission_app.exporters import ExportedFile, pdf
from mission_app.extensions import db
from mission_app.jobs import build_agenda_zip_job
from mission_app.organiser import bp
from mission_app.organiser.common import ConfirmForm, load_mission
from mission_app.services import documents as service
from mission_app.services.errors import NotFound, ValidationFailed


def _portal_url(person) -> str | None:
    if not person.access_token:
        return None
    return url_for("portal.show_agenda", token=person.access_token, _external=True)


def _send(exported: ExportedFile):
    return send_file(
        BytesIO(exported.content),
        mimetype=exported.content_type,
        as_attachment=True,
        download_name=exported.filename,
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NotFound(f"day {text}") from None


@bp.get("/<int:mission_id>/documents")
def show_documents(mission_id: int):
    mission = load_mission(mission_id)
    return render_template(
        "organiser/documents/index.html",
        mission=mission,
        index=service.documents_index(mission),
        form=ConfirmForm(),
        tab="documents",
    )


def _source() -> str:
    """The working schedule, unless the organiser asks for what participants were sent
    (`?version=published`), e.g. to print the agenda of someone without an e-mail address."""
    return "published" if request.args.get("version") == "published" else "working"


@bp.get("/<int:mission_id>/people/<int:person_id>/agenda.pdf")
def download_person_pdf(mission_id: int, person_id: int):
    mission = load_mission(mission_id)
    person = service.get_person(mission, person_id)
    return _send(service.person_agenda_file(mission, person, _portal_url, source=_source()))


@bp.get("/<int:mission_id>/organisations/<int:organisation_id>/agenda.pdf")
def download_organisation_pdf(mission_id: int, organisation_id: int):
    mission = load_mission(mission_id)
    organisation = service.get_organisation(mission, organisation_id)
    return _send(
        service.organisation_agenda_file(mission, organisation, _portal_url, source="working")
    )


@bp.get("/<int:mission_id>/venues/<int:venue_id>/tables/<int:table>/<day>.pdf")
def download_door_sheet(mission_id: int, venue_id: int, table: int, day: str):
    mission = load_mission(mission_id)
    return _send(pdf.door_sheet_pdf(service.door_sheet(mission, venue_id, table, _day(day))))


@bp.get("/<int:mission_id>/legs/<int:leg_id>/<day>/grid.pdf")
def download_master_grid(mission_id: int, leg_id: int, day: str):
    mission = load_mission(mission_id)
    return _send(pdf.master_grid_pdf(service.master_grid(mission, leg_id, _day(day))))


@bp.get("/<int:mission_id>/booklet.pdf")
def download_booklet(mission_id: int):
    mission = load_mission(mission_id)
    return _send(pdf.booklet_pdf(service.booklet(mission)))


@bp.post("/<int:mission_id>/documents/agendas")
def start_agenda_zip(mission_id: int):
    mission = load_mission(mission_id, needs="organiser")
    back = url_for("organiser.show_documents", mission_id=mission.id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Your form expired. Please try again."), "error")
        return redirect(back)
    try:
        batch = service.start_agenda_batch(current_user, mission)
    except ValidationFailed as failure:
        for reasons in failure.errors.values():
            for reason in reasons:
                flash(str(reason), "error")
        return redirect(back)
    db.session.commit()
    build_agenda_zip_job(batch.id, request.host_url)  # after the commit: the worker must see it
    return redirect(url_for("organiser.show_agenda_zip", mission_id=mission.id, batch_id=batch.id))


@bp.get("/<int:mission_id>/documents/agendas/<int:batch_id>")
def show_agenda_zip(mission_id: int, batch_id: int):
    mission = load_mission(mission_id)
    batch = service.get_batch(mission, batch_id)
    template = (
        "organiser/documents/_batch_status.html"
        if request.headers.get("HX-Request")
        else "organiser/documents/batch.html"
    )
    return render_template(template, mission=mission, batch=batch, tab="documents")


@bp.get("/<int:mission_id>/documents/agendas/<int:batch_id>/agendas.zip")
def download_agenda_zip(mission_id: int, batch_id: int):
    mission = load_mission(mission_id)
    batch = service.get_batch(mission, batch_id)
    return send_file(
        service.batch_file(current_app.instance_path, batch),
        mimetype="application/zip",
        as_attachment=True,
        download_name=service.batch_download_name(mission),
    )
