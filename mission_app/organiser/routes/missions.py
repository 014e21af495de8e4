"""Missions, and their legs, venues and meeting windows."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
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
from mission_app.organiser.forms.missions import (
    LegForm,
    MissionForm,
    VenueForm,
    WindowForm,
)
from mission_app.services import missions as service
from mission_app.services.access import list_missions_for
from mission_app.services.errors import ValidationFailed
from mission_app.services.timezones import to_local, zone_choices


@bp.get("/")
def list_missions():
    return render_template("organiser/missions/list.html", missions=list_missions_for(current_user))


@bp.route("/new", methods=["GET", "POST"])
def create_mission():
    form = MissionForm()
    if form.validate_on_submit():
        mission = service.create_mission(
            current_user,
            title=form.title.data,
            organiser=form.organiser.data or "",
            locale=form.locale.data,
            description=form.description.data or "",
        )
        db.session.commit()
        flash(_("Mission created. Now add its legs."), "success")
        return redirect(url_for("organiser.show_mission", mission_id=mission.id))
    return render_template("organiser/missions/form.html", form=form, mission=None)


@bp.get("/<int:mission_id>")
def show_mission(mission_id: int):
    mission = load_mission(mission_id)
    overview = service.load_mission_overview(mission)
    return render_template(
        "organiser/missions/show.html", mission=mission, tab="overview", **overview
    )


@bp.route("/<int:mission_id>/edit", methods=["GET", "POST"])
def edit_mission(mission_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = MissionForm(obj=mission)
    if form.validate_on_submit():
        service.update_mission(
            current_user,
            mission,
            title=form.title.data,
            organiser=form.organiser.data or "",
            locale=form.locale.data,
            description=form.description.data or "",
        )
        db.session.commit()
        flash(_("Mission saved."), "success")
        return redirect(url_for("organiser.show_mission", mission_id=mission.id))
    return render_template("organiser/missions/form.html", form=form, mission=mission)


def _leg_page(mission, form, leg=None):
    return render_template(
        "organiser/missions/leg_form.html",
        mission=mission,
        form=form,
        leg=leg,
        zones=zone_choices(),
        tab="overview",
    )


@bp.route("/<int:mission_id>/legs/new", methods=["GET", "POST"])
def create_leg(mission_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = LegForm()
    if form.validate_on_submit():
        try:
            service.create_leg(current_user, mission, **_leg_fields(form))
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("Leg added."), "success")
            return redirect(url_for("organiser.show_mission", mission_id=mission.id))
    return _leg_page(mission, form)


@bp.route("/<int:mission_id>/legs/<int:leg_id>/edit", methods=["GET", "POST"])
def edit_leg(mission_id: int, leg_id: int):
    mission = load_mission(mission_id, needs="organiser")
    leg = service.get_leg(mission, leg_id)
    form = LegForm(obj=leg)
    if form.validate_on_submit():
        try:
            service.update_leg(current_user, leg, **_leg_fields(form))
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("Leg saved."), "success")
            return redirect(url_for("organiser.show_mission", mission_id=mission.id))
    return _leg_page(mission, form, leg)


def _leg_fields(form: LegForm) -> dict:
    return {
        "city": form.city.data,
        "country": form.country.data,
        "timezone": form.timezone.data.strip(),
        "slot_minutes": form.slot_minutes.data,
    }


@bp.route("/<int:mission_id>/legs/<int:leg_id>/delete", methods=["GET", "POST"])
def delete_leg(mission_id: int, leg_id: int):
    mission = load_mission(mission_id, needs="organiser")
    leg = service.get_leg(mission, leg_id)
    if request.method == "GET":
        return confirm_delete_page(
            mission,
            _("the leg %(city)s", city=leg.city),
            _(
                "Its venues and meeting windows are deleted too. Its activities stay, with no "
                "leg, and the hosts that meet there no longer have a leg."
            ),
            url_for("organiser.show_mission", mission_id=mission.id),
        )
    return run_confirmed_delete(
        lambda: service.delete_leg(current_user, leg),
        _("Leg deleted."),
        url_for("organiser.show_mission", mission_id=mission.id),
    )


@bp.route("/<int:mission_id>/legs/<int:leg_id>/venues/new", methods=["GET", "POST"])
def create_venue(mission_id: int, leg_id: int):
    mission = load_mission(mission_id, needs="organiser")
    leg = service.get_leg(mission, leg_id)
    form = VenueForm()
    if form.validate_on_submit():
        service.create_venue(
            current_user,
            leg,
            name=form.name.data,
            address=form.address.data or "",
            tables=form.tables.data,
        )
        db.session.commit()
        flash(_("Venue added."), "success")
        return redirect(url_for("organiser.show_mission", mission_id=mission.id))
    return render_template(
        "organiser/missions/venue_form.html", mission=mission, leg=leg, form=form, tab="overview"
    )


@bp.route("/<int:mission_id>/venues/<int:venue_id>/edit", methods=["GET", "POST"])
def edit_venue(mission_id: int, venue_id: int):
    mission = load_mission(mission_id, needs="organiser")
    venue = service.get_venue(mission, venue_id)
    form = VenueForm(obj=venue)
    if form.validate_on_submit():
        try:
            service.update_venue(
                current_user,
                venue,
                name=form.name.data,
                address=form.address.data or "",
                tables=form.tables.data,
            )
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("Venue saved."), "success")
            return redirect(url_for("organiser.show_mission", mission_id=mission.id))
    return render_template(
        "organiser/missions/venue_form.html",
        mission=mission,
        leg=venue.leg,
        venue=venue,
        form=form,
        tab="overview",
    )


@bp.route("/<int:mission_id>/venues/<int:venue_id>/delete", methods=["GET", "POST"])
def delete_venue(mission_id: int, venue_id: int):
    mission = load_mission(mission_id, needs="organiser")
    venue = service.get_venue(mission, venue_id)
    if request.method == "GET":
        return confirm_delete_page(
            mission,
            _("the venue %(name)s", name=venue.name),
            _("Its meeting windows are deleted too."),
            url_for("organiser.show_mission", mission_id=mission.id),
        )
    return run_confirmed_delete(
        lambda: service.delete_venue(current_user, venue),
        _("Venue deleted."),
        url_for("organiser.show_mission", mission_id=mission.id),
    )


def _window_form(leg, window=None) -> WindowForm:
    if window is not None:
        form = WindowForm(
            venue_id=window.venue_id,
            start=to_local(window.start_at, leg.timezone),
            end=to_local(window.end_at, leg.timezone),
        )
    else:
        form = WindowForm()
    form.venue_id.choices = choices((venue.id, venue.name) for venue in leg.venues)
    return form


def _save_window(mission_id: int, leg_id: int, window_id: int | None):
    mission = load_mission(mission_id, needs="organiser")
    leg = service.get_leg(mission, leg_id)
    window = service.get_window(mission, window_id, leg) if window_id else None
    form = _window_form(leg, window)
    if form.validate_on_submit():
        try:
            service.save_window(
                current_user,
                leg,
                venue_id=form.venue_id.data,
                start=form.start.data,
                end=form.end.data,
                window=window,
            )
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("Meeting window saved."), "success")
            off = service.meetings_off_the_slots(mission)
            if off:
                flash(
                    ngettext(
                        "%(num)d scheduled meeting no longer starts on a slot of the meeting "
                        "windows: move it in the schedule grid.",
                        "%(num)d scheduled meetings no longer start on a slot of the meeting "
                        "windows: move them in the schedule grid.",
                        off,
                    ),
                    "warning",
                )
            return redirect(url_for("organiser.show_mission", mission_id=mission.id))
    return render_template(
        "organiser/missions/window_form.html",
        mission=mission,
        leg=leg,
        window=window,
        form=form,
        tab="overview",
    )


@bp.route("/<int:mission_id>/legs/<int:leg_id>/windows/new", methods=["GET", "POST"])
def create_window(mission_id: int, leg_id: int):
    return _save_window(mission_id, leg_id, None)


@bp.route(
    "/<int:mission_id>/legs/<int:leg_id>/windows/<int:window_id>/edit", methods=["GET", "POST"]
)
def edit_window(mission_id: int, leg_id: int, window_id: int):
    return _save_window(mission_id, leg_id, window_id)


@bp.route("/<int:mission_id>/windows/<int:window_id>/delete", methods=["GET", "POST"])
def delete_window(mission_id: int, window_id: int):
    mission = load_mission(mission_id, needs="organiser")
    window = service.get_window(mission, window_id)
    if request.method == "GET":
        return confirm_delete_page(
            mission,
            _("this meeting window"),
            _("Meetings already placed in it are kept but will show as conflicts."),
            url_for("organiser.show_mission", mission_id=mission.id),
        )
    return run_confirmed_delete(
        lambda: service.delete_window(current_user, window),
        _("Meeting window deleted."),
        url_for("organiser.show_mission", mission_id=mission.id),
    )
