"""Mission files: download a mission as JSON, and create a new mission from one."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from mission_app.extensions import db
from mission_app.organiser import bp
from mission_app.organiser.common import load_mission
from mission_app.organiser.forms.files import MissionFileForm
from mission_app.services import mission_files as service
from mission_app.services.errors import ValidationFailed


@bp.get("/<int:mission_id>/files")
def show_files(mission_id: int):
    mission = load_mission(mission_id)
    return render_template(
        "organiser/files/show.html",
        mission=mission,
        counts=service.summarise_mission_contents(mission),
        tab="files",
    )


@bp.get("/<int:mission_id>/files/mission.json")
def export_mission(mission_id: int):
    mission = load_mission(mission_id)
    exported = service.export_mission_file(mission)
    response = current_app.response_class(exported.content, mimetype=exported.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=exported.filename)
    response.headers["Cache-Control"] = "no-store"  # names, e-mails and phone numbers
    return response


@bp.route("/import", methods=["GET", "POST"])
def import_mission():
    form = MissionFileForm()
    problems: list[tuple[str, str]] = []  # (JSON path, reason)
    if form.validate_on_submit():
        limit = current_app.config["MAX_UPLOAD_BYTES"]
        data = form.file.data.read(limit + 1)
        warnings: list = []
        try:
            mission = service.import_mission_file(
                current_user, data, max_bytes=limit, schedule_warnings=warnings
            )
        except ValidationFailed as failure:
            db.session.rollback()
            problems = [
                (path, str(reason))
                for path, reasons in failure.errors.items()
                for reason in reasons
            ]
        else:
            db.session.commit()
            flash(_("Mission imported. You are its owner."), "success")
            if warnings:
                flash(
                    ngettext(
                        "Its schedule breaks %(num)d scheduling rule; the grid shows it: %(first)s",
                        "Its schedule breaks %(num)d scheduling rules; the grid shows them. "
                        "The first: %(first)s",
                        len(warnings),
                        first=f"{warnings[0][0]}: {warnings[0][1]}",
                    ),
                    "warning",
                )
            return redirect(url_for("organiser.show_mission", mission_id=mission.id))
    return render_template(
        "organiser/files/import.html",
        form=form,
        problems=problems,
        max_megabytes=service.megabytes_text(current_app.config["MAX_UPLOAD_BYTES"]),
    )
