"""Meeting requests: per delegation firm, per request, and the firms × hosts matrix."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from mission_app.extensions import db
from mission_app.organiser import bp
from mission_app.organiser.common import load_mission, show_domain_errors
from mission_app.organiser.forms.requests import FirmRequestsForm, MatrixForm, RequestForm
from mission_app.services import meeting_requests as service
from mission_app.services.errors import ValidationFailed


@bp.get("/<int:mission_id>/requests")
def list_requests(mission_id: int):
    mission = load_mission(mission_id)
    return render_template(
        "organiser/requests/list.html",
        mission=mission,
        firms=service.summarise_requests(mission),
        tab="requests",
    )


def _firm_url(mission, delegation) -> str:
    return url_for(
        "organiser.edit_firm_requests", mission_id=mission.id, delegation_id=delegation.id
    )


@bp.route("/<int:mission_id>/requests/<int:delegation_id>", methods=["GET", "POST"])
def edit_firm_requests(mission_id: int, delegation_id: int):
    mission = load_mission(mission_id, needs="organiser")
    delegation = service.get_delegation(mission, delegation_id)
    page = service.load_firm_requests(mission, delegation)
    form = FirmRequestsForm()
    if request.method == "GET":
        for group in page.groups:
            for host in group.hosts:
                existing = page.requests.get(host.id)
                form.hosts.append_entry(_host_row(host, existing))
    if form.validate_on_submit():
        choices = [
            service.RequestChoice(
                row.host_id.data,
                row.priority.data,
                row.requested_by.data,
                row.duration_slots.data or 1,
            )
            for row in form.hosts
            if row.selected.data
        ]
        try:
            summary = service.set_firm_requests(current_user, delegation, choices)
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            _flash_summary(delegation, summary)
            go_next = request.form.get("then") == "next" and page.next is not None
            return redirect(_firm_url(mission, page.next if go_next else delegation))
    return render_template(
        "organiser/requests/firm.html",
        mission=mission,
        page=page,
        form=form,
        rows={row.host_id.data: row for row in form.hosts},
        tab="requests",
    )


def _host_row(host, existing) -> dict:
    if existing is None:
        return {"host_id": host.id, "selected": False}
    return {
        "host_id": host.id,
        "selected": True,
        "priority": existing.priority,
        "requested_by": existing.requested_by,
        "duration_slots": existing.duration_slots,
    }


def _flash_summary(delegation, summary: service.SaveSummary) -> None:
    if not (summary.added or summary.changed or summary.removed):
        flash(_("Nothing changed for %(name)s.", name=delegation.name), "success")
        return
    flash(
        _(
            "Requests of %(name)s saved: %(added)d added, %(changed)d changed, "
            "%(removed)d removed.",
            name=delegation.name,
            added=summary.added,
            changed=summary.changed,
            removed=summary.removed,
        ),
        "success",
    )
    if summary.meetings_removed:
        flash(
            ngettext(
                "%(num)d scheduled meeting was deleted with its request.",
                "%(num)d scheduled meetings were deleted with their requests.",
                summary.meetings_removed,
            ),
            "warning",
        )


@bp.route("/<int:mission_id>/meeting-requests/<int:request_id>/edit", methods=["GET", "POST"])
def edit_request(mission_id: int, request_id: int):
    mission = load_mission(mission_id, needs="organiser")
    meeting_request = service.get_request(mission, request_id)
    form = RequestForm(obj=meeting_request)
    if request.method == "GET":
        form.attendees.data = [person.id for person in meeting_request.attendees]
    if form.validate_on_submit():
        try:
            service.update_request(
                current_user,
                meeting_request,
                attendee_ids=tuple(form.attendees.data or ()),
                duration_slots=form.duration_slots.data,
            )
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(_firm_url(mission, meeting_request.delegation))
    return render_template(
        "organiser/requests/request_form.html",
        mission=mission,
        meeting_request=meeting_request,
        form=form,
        chosen=set(form.attendees.data or ()),
        tab="requests",
    )


def _matrix_url(mission, leg_id) -> str:
    return url_for("organiser.show_request_matrix", mission_id=mission.id, leg=leg_id)


@bp.get("/<int:mission_id>/requests/matrix")
def show_request_matrix(mission_id: int):
    mission = load_mission(mission_id)
    leg_id = request.args.get("leg", type=int)
    matrix = service.load_request_matrix(mission, leg_id)
    return render_template(
        "organiser/requests/matrix.html",
        mission=mission,
        matrix=matrix,
        leg_id=leg_id,
        form=MatrixForm(),
        tab="matrix",
    )


@bp.post("/<int:mission_id>/requests/matrix/toggle")
def toggle_request(mission_id: int):
    mission = load_mission(mission_id, needs="organiser")
    leg_id = request.args.get("leg", type=int)
    form = MatrixForm()
    htmx = request.headers.get("HX-Request") == "true"
    if not form.validate_on_submit():
        return _matrix_refused(mission, leg_id, [_("Reload the matrix and click the cell again.")])
    delegation_id, host_id = map(int, form.cell.data.split("-"))
    try:
        made = service.toggle_request(current_user, mission, delegation_id, host_id)
    except ValidationFailed as failure:
        db.session.rollback()
        return _matrix_refused(mission, leg_id, [str(r) for r in failure.errors.get("", [])])
    db.session.commit()
    if htmx:
        state = service.load_matrix_cell(mission, delegation_id, host_id, leg_id)
        return render_template("organiser/requests/_matrix_cell.html", state=state)
    flash(_("Request added.") if made else _("Request removed."), "success")
    return redirect(f"{_matrix_url(mission, leg_id)}#c{delegation_id}-{host_id}")


def _matrix_refused(mission, leg_id, reasons: list[str]):
    """Back to the matrix with the reasons; htmx is told to reload the page to show them."""
    for reason in reasons:
        flash(reason, "error")
    if request.headers.get("HX-Request") == "true":
        return "", 400, {"HX-Refresh": "true"}
    return redirect(_matrix_url(mission, leg_id))
