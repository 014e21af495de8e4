"""Activities: workshops, site visits, plenaries, social events and transfers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mission_app.extensions import db
from mission_app.labels import choices
from mission_app.organiser import bp
from mission_app.organiser.common import (
    confirm_delete_page,
    load_mission,
    run_confirmed_delete,
    show_domain_errors,
)
from mission_app.organiser.forms.programme import ActivityForm
from mission_app.services import programme as service
from mission_app.services.errors import ValidationFailed
from mission_app.services.timezones import to_local


@bp.get("/<int:mission_id>/activities")
def list_activities(mission_id: int):
    mission = load_mission(mission_id)
    return render_template(
        "organiser/activities/list.html",
        mission=mission,
        programme=service.load_programme(mission),
        tab="activities",
    )


def _activity_form(mission, activity=None) -> ActivityForm:
    form = ActivityForm(obj=activity)
    form.leg_id.choices = choices((leg.id, f"{leg.city} ({leg.timezone})") for leg in mission.legs)
    if request.method == "GET" and activity is not None:
        zone = activity.leg.timezone if activity.leg else "UTC"
        form.start.data = to_local(activity.start_at, zone)
        form.end.data = to_local(activity.end_at, zone)
        form.attendees.data = [person.id for person in activity.attendees]
    elif request.method == "GET":
        form.leg_id.data = request.args.get("leg", type=int)
    return form


def _activity_input(form: ActivityForm) -> service.ActivityInput:
    return service.ActivityInput(
        kind=form.kind.data,
        title=form.title.data,
        leg_id=form.leg_id.data,
        start=form.start.data,
        end=form.end.data,
        location=form.location.data or "",
        address=form.address.data or "",
        capacity=form.capacity.data,
        attendee_ids=tuple(form.attendees.data or ()),
        include_delegation=form.all_delegates.data,
    )


def _activity_page(mission, form, activity=None):
    return render_template(
        "organiser/activities/form.html",
        mission=mission,
        form=form,
        activity=activity,
        organisations=service.list_attendee_choices(mission),
        chosen=set(form.attendees.data or ()),
        tab="activities",
    )


def _list_url(mission) -> str:
    return url_for("organiser.list_activities", mission_id=mission.id)


@bp.route("/<int:mission_id>/activities/new", methods=["GET", "POST"])
def create_activity(mission_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = _activity_form(mission)
    if form.validate_on_submit():
        try:
            activity = service.create_activity(current_user, mission, _activity_input(form))
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("“%(title)s” added to the programme.", title=activity.title), "success")
            _warn_about_meetings(activity)
            return redirect(f"{_list_url(mission)}#activity-{activity.id}")
    return _activity_page(mission, form)


@bp.route("/<int:mission_id>/activities/<int:activity_id>/edit", methods=["GET", "POST"])
def edit_activity(mission_id: int, activity_id: int):
    mission = load_mission(mission_id, needs="organiser")
    activity = service.get_activity(mission, activity_id)
    form = _activity_form(mission, activity)
    if form.validate_on_submit():
        try:
            service.update_activity(current_user, activity, _activity_input(form))
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            _warn_about_meetings(activity)
            return redirect(f"{_list_url(mission)}#activity-{activity.id}")
    return _activity_page(mission, form, activity)


def _warn_about_meetings(activity) -> None:
    for reason in service.find_meeting_clashes(activity):
        flash(str(reason), "warning")


@bp.route("/<int:mission_id>/activities/<int:activity_id>/delete", methods=["GET", "POST"])
def delete_activity(mission_id: int, activity_id: int):
    mission = load_mission(mission_id, needs="organiser")
    activity = service.get_activity(mission, activity_id)
    if request.method == "GET":
        return confirm_delete_page(
            mission,
            activity.title,
            _("Its attendees are free again at that time."),
            _list_url(mission),
        )
    return run_confirmed_delete(
        lambda: service.delete_activity(current_user, activity),
        _("“%(title)s” deleted.", title=activity.title),
        _list_url(mission),
    )
