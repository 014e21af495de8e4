"""The mission's team: who may see it, edit it, and manage its members."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mission_app.extensions import db
from mission_app.organiser import bp
from mission_app.organiser.common import (
    confirm_delete_page,
    load_mission,
    run_confirmed_delete,
    show_domain_errors,
)
from mission_app.organiser.forms.members import AddMemberForm, RoleForm
from mission_app.services import memberships as service
from mission_app.services.errors import ValidationFailed


def _members_page(mission, form, status=200):
    members = service.list_members(mission)
    role_forms = {m.id: RoleForm(prefix=f"m{m.id}", role=m.role) for m in members}
    return render_template(
        "organiser/members/list.html",
        mission=mission,
        members=members,
        form=form,
        role_forms=role_forms,
        tab="overview",
    ), status


@bp.get("/<int:mission_id>/members")
def list_members(mission_id: int):
    mission = load_mission(mission_id, needs="owner")
    return _members_page(mission, AddMemberForm())


@bp.post("/<int:mission_id>/members")
def add_member(mission_id: int):
    mission = load_mission(mission_id, needs="owner")
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            membership = service.add_member(
                current_user,
                mission,
                email=form.email.data,
                role=form.role.data,
                name=form.name.data or "",
                password=form.password.data or "",
            )
        except ValidationFailed as failure:
            show_domain_errors(form, failure)
        else:
            db.session.commit()
            flash(_("%(email)s added.", email=membership.user.email), "success")
            return redirect(url_for("organiser.list_members", mission_id=mission.id))
    return _members_page(mission, form, status=422)


@bp.post("/<int:mission_id>/members/<int:membership_id>/role")
def change_member_role(mission_id: int, membership_id: int):
    mission = load_mission(mission_id, needs="owner")
    membership = service.get_membership(mission, membership_id)
    form = RoleForm(prefix=f"m{membership.id}")
    if form.validate_on_submit():
        try:
            service.change_member_role(current_user, membership, form.role.data)
        except ValidationFailed as failure:
            db.session.rollback()
            flash(" ".join(str(r) for rs in failure.errors.values() for r in rs), "error")
        else:
            db.session.commit()
            flash(_("Role changed."), "success")
    return redirect(url_for("organiser.list_members", mission_id=mission.id))


@bp.route("/<int:mission_id>/members/<int:membership_id>/remove", methods=["GET", "POST"])
def remove_member(mission_id: int, membership_id: int):
    mission = load_mission(mission_id, needs="owner")
    membership = service.get_membership(mission, membership_id)
    members_url = url_for("organiser.list_members", mission_id=mission.id)
    if request.method == "GET":
        return confirm_delete_page(
            mission,
            membership.user.email,
            _("This person loses access to the mission. Their account is kept."),
            members_url,
        )
    return run_confirmed_delete(
        lambda: service.remove_member(current_user, membership),
        _("%(email)s no longer has access to the mission.", email=membership.user.email),
        members_url,
    )
