"""Participants' personal links: revoke one, or issue a new one in its place."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mission_app.extensions import db
from mission_app.organiser import bp
from mission_app.organiser.common import ConfirmForm, load_mission
from mission_app.services import participants
from mission_app.services.portal import reissue_link, revoke_link


def _people_url(person) -> str:
    return url_for(
        "organiser.show_organisation",
        mission_id=person.mission_id,
        organisation_id=person.organisation_id,
        _anchor="links",
    )


def _confirm_page(mission, person, action: str):
    return render_template(
        "organiser/links/confirm.html",
        mission=mission,
        person=person,
        action=action,
        form=ConfirmForm(),
        cancel_url=_people_url(person),
        tab="organisations",
    )


@bp.route("/<int:mission_id>/people/<int:person_id>/link/revoke", methods=["GET", "POST"])
def revoke_person_link(mission_id: int, person_id: int):
    mission = load_mission(mission_id, needs="organiser")
    person = participants.get_person(mission, person_id)
    if request.method == "GET" or not ConfirmForm().validate_on_submit():
        return _confirm_page(mission, person, "revoke")
    revoke_link(current_user, person)
    db.session.commit()
    flash(
        _(
            "The link of %(name)s is revoked: nobody can open their agenda until you issue a "
            "new link.",
            name=person.name,
        ),
        "success",
    )
    return redirect(_people_url(person))


@bp.route("/<int:mission_id>/people/<int:person_id>/link/reissue", methods=["GET", "POST"])
def reissue_person_link(mission_id: int, person_id: int):
    mission = load_mission(mission_id, needs="organiser")
    person = participants.get_person(mission, person_id)
    if request.method == "GET" or not ConfirmForm().validate_on_submit():
        return _confirm_page(mission, person, "reissue")
    had_link = person.access_token is not None
    reissue_link(current_user, person)
    db.session.commit()
    if had_link:
        message = _(
            "New link issued for %(name)s. The old one no longer works: send them the new one.",
            name=person.name,
        )
    else:
        message = _("New link issued for %(name)s: send it to them.", name=person.name)
    flash(message, "success")
    return redirect(_people_url(person))
