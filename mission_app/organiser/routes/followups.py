"""After the mission: each meeting's follow-up (lead, proposal, contract), and the list of them
with value totals per currency."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mission_app.converters import id_arg
from mission_app.extensions import db
from mission_app.models.followups import FOLLOW_UP_STAGES
from mission_app.organiser import bp
from mission_app.organiser.common import ConfirmForm, load_mission, show_domain_errors
from mission_app.organiser.forms.followups import FollowUpFilterForm, FollowUpForm
from mission_app.services import followups as service
from mission_app.services.errors import ValidationFailed


def _back(mission) -> str:
    """Where the form returns: the page it was opened from (?next=, a page of this mission
    only, never another site), else the follow-ups list."""
    target = request.args.get("next", "")
    if target.startswith(f"/missions/{mission.id}/") and "//" not in target and "\\" not in target:
        return target
    return url_for("organiser.list_follow_ups", mission_id=mission.id)


@bp.get("/<int:mission_id>/follow-ups")
def list_follow_ups(mission_id: int):
    mission = load_mission(mission_id)
    filters = FollowUpFilterForm(request.args)
    stage = request.args.get("stage") or None
    listing = service.list_follow_ups(
        mission,
        firm_id=request.args.get("firm", type=id_arg),
        stage=stage if stage in FOLLOW_UP_STAGES else None,
    )
    filters.set_firms(listing.firms)
    return render_template(
        "organiser/followups/list.html",
        mission=mission,
        listing=listing,
        filters=filters,
        money=service.format_money,
        tab="followups",
    )


@bp.route("/<int:mission_id>/meetings/<int:meeting_id>/follow-up", methods=["GET", "POST"])
def edit_follow_up(mission_id: int, meeting_id: int):
    mission = load_mission(mission_id, needs="organiser" if request.method == "POST" else "viewer")
    page = service.load_follow_up(mission, meeting_id)
    existing = page.follow_up
    form = FollowUpForm(
        data={
            "stage": existing.stage,
            "notes": existing.notes,
            "estimated_value": service.input_amount(existing.estimated_value),
            "currency": existing.currency or "",
            "seen_version": service.follow_up_version(existing),
        }
        if existing
        else {"stage": "lead", "currency": "", "seen_version": ""}
    )
    if form.validate_on_submit():
        data = service.FollowUpInput(
            stage=form.stage.data,
            notes=form.notes.data or "",
            estimated_value=form.estimated_value.data or "",
            currency=form.currency.data or "",
            seen_version=form.seen_version.data or "",
        )
        try:
            service.save_follow_up(mission, current_user, meeting_id, data)
        except ValidationFailed as failure:
            db.session.rollback()
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(
                _(
                    "Follow-up of %(pair)s saved.",
                    pair=f"{page.meeting.delegation} – {page.meeting.host}",
                ),
                "success",
            )
            return redirect(_back(mission))
    return render_template(
        "organiser/followups/form.html",
        mission=mission,
        page=page,
        form=form,
        back=_back(mission),
        delete_form=ConfirmForm(),
        tab="followups",
    )


@bp.post("/<int:mission_id>/meetings/<int:meeting_id>/follow-up/delete")
def delete_follow_up(mission_id: int, meeting_id: int):
    mission = load_mission(mission_id, needs="organiser")
    if not ConfirmForm().validate_on_submit():
        flash(_("Your form expired. Please try again."), "error")
        return redirect(
            url_for("organiser.edit_follow_up", mission_id=mission.id, meeting_id=meeting_id)
        )
    if service.delete_follow_up(mission, current_user, meeting_id):
        db.session.commit()
        flash(_("Follow-up removed."), "success")
    return redirect(url_for("organiser.list_follow_ups", mission_id=mission.id))
