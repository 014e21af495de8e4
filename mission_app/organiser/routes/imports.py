"""Import of organisations and people from a spreadsheet: upload, preview, confirm.

Between the preview and the confirmation, the uploaded bytes wait on the server, under a random
name that only the signed session knows. The confirmation reads and checks them again.
"""

from __future__ import annotations

import re
import secrets
import time
from io import BytesIO
from pathlib import Path

from flask import current_app, flash, redirect, render_template, send_file, session, url_for
from flask_babel import format_decimal, format_number, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from mission_app.extensions import db
from mission_app.organiser import bp
from mission_app.organiser.common import ConfirmForm, load_mission
from mission_app.organiser.forms.imports import ParticipantUploadForm
from mission_app.services import participant_import as service

PENDING_KEY = "pending_participant_imports"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")
PENDING_LIFETIME_SECONDS = 24 * 3600


@bp.route("/<int:mission_id>/participants/import", methods=["GET", "POST"])
def upload_participants(mission_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = ParticipantUploadForm()
    if not form.validate_on_submit():
        return _upload_page(mission, form)
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    filename = (form.file.data.filename or "")[-200:]
    data = form.file.data.read(max_bytes + 1)
    preview = service.preview_participant_import(current_user, mission, filename, data, max_bytes)
    if preview.ok:
        _keep_pending(mission.id, filename, data)
    return _preview_page(mission, preview)


@bp.post("/<int:mission_id>/participants/import/confirm")
def confirm_participants_import(mission_id: int):
    mission = load_mission(mission_id, needs="organiser")
    pending = _take_pending(mission.id) if ConfirmForm().validate_on_submit() else None
    if pending is None:
        flash(_("This import has expired. Upload the file again."), "error")
        return redirect(url_for("organiser.upload_participants", mission_id=mission.id))
    filename, data = pending
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    try:
        result = service.apply_participant_import(current_user, mission, filename, data, max_bytes)
    except service.ImportRejected as rejected:
        db.session.rollback()
        return _preview_page(mission, rejected.preview)
    db.session.commit()
    flash(import_summary(result), "success")
    return redirect(url_for("organiser.list_organisations", mission_id=mission.id))


@bp.get("/<int:mission_id>/participants/import/model.<any(xlsx, csv):kind>")
def download_participants_template(mission_id: int, kind: str):
    mission = load_mission(mission_id, needs="organiser")
    data, mimetype, filename = service.participants_template(mission, kind)
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename)


def import_summary(result: service.ImportResult) -> str:
    parts = [
        ngettext(
            "%(num)d organisation created",
            "%(num)d organisations created",
            result.organisations.created,
        ),
        ngettext(
            "%(num)d organisation updated",
            "%(num)d organisations updated",
            result.organisations.updated,
        ),
        ngettext("%(num)d person added", "%(num)d people added", result.people.created),
        ngettext("%(num)d person updated", "%(num)d people updated", result.people.updated),
    ]
    counts = [
        result.organisations.created,
        result.organisations.updated,
        result.people.created,
        result.people.updated,
    ]
    changed = [part for part, count in zip(parts, counts, strict=True) if count]
    if not changed:
        return _("Import done: everything was already up to date.")
    return _("Import done: %(changes)s.", changes=", ".join(changed))


def _upload_page(mission, form):
    return render_template(
        "organiser/imports/upload.html",
        mission=mission,
        form=form,
        columns=service.COLUMNS,
        limits=_limits(),
        tab="organisations",
    )


def _preview_page(mission, preview):
    return render_template(
        "organiser/imports/preview.html",
        mission=mission,
        preview=preview,
        form=ParticipantUploadForm(formdata=None),
        confirm_form=ConfirmForm(),
        column_labels={column.field: column.label for column in service.COLUMNS},
        limits=_limits(),
        tab="organisations",
    )


def _limits() -> dict[str, str]:
    megabytes = current_app.config["MAX_UPLOAD_BYTES"] / (1024 * 1024)
    return {
        "size": format_decimal(round(megabytes, 2), format="#,##0.##"),
        "rows": format_number(service.MAX_ROWS),
    }


# --- Uploaded files waiting for their confirmation ----------------------------------------------


def _pending_dir() -> Path:
    directory = Path(current_app.instance_path) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _keep_pending(mission_id: int, filename: str, data: bytes) -> None:
    directory = _pending_dir()
    now = time.time()
    for stale in directory.glob("*.upload"):
        if now - stale.stat().st_mtime > PENDING_LIFETIME_SECONDS:
            stale.unlink(missing_ok=True)
    pending = dict(session.get(PENDING_KEY) or {})
    previous = pending.get(str(mission_id))
    if previous and TOKEN_PATTERN.match(previous.get("token", "")):
        (directory / f"{previous['token']}.upload").unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (directory / f"{token}.upload").write_bytes(data)
    pending[str(mission_id)] = {"token": token, "filename": filename}
    session[PENDING_KEY] = pending


def _take_pending(mission_id: int) -> tuple[str, bytes] | None:
    """The file waiting for this mission's confirmation, removed from the server and session."""
    pending = dict(session.get(PENDING_KEY) or {})
    entry = pending.pop(str(mission_id), None)
    session[PENDING_KEY] = pending
    if not entry or not TOKEN_PATTERN.match(entry.get("token", "")):
        return None
    path = _pending_dir() / f"{entry['token']}.upload"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    path.unlink(missing_ok=True)
    return entry.get("filename", ""), data
