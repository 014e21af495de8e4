"""Helpers shared by the organiser views."""

from __future__ import annotations

from flask import flash, g, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from mission_app.extensions import db
from mission_app.models import Mission
from mission_app.models.users import ROLE_RANK
from mission_app.services.access import get_mission_with_role
from mission_app.services.errors import ValidationFailed


def load_mission(mission_id: int, needs: str = "viewer") -> Mission:
    """The mission if the current user may act on it; sets g.mission and g.can_edit for pages."""
    mission, role = get_mission_with_role(current_user, mission_id, needs)
    g.mission = mission
    g.role = role
    g.can_edit = ROLE_RANK[role] >= ROLE_RANK["organiser"]
    return mission


def show_domain_errors(form: FlaskForm, failure: ValidationFailed) -> None:
    """Put a service's per-field reasons on the form, the rest at the top of it."""
    for field_name, reasons in failure.errors.items():
        field = getattr(form, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *map(str, reasons)]
        else:
            form.form_errors.extend(map(str, reasons))


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected confirmation."""


def confirm_delete_page(mission: Mission, what: str, consequence: str, cancel_url: str):
    """The page that asks before anything is deleted."""
    return render_template(
        "organiser/confirm_delete.html",
        mission=mission,
        form=ConfirmForm(),
        what=what,
        consequence=consequence,
        cancel_url=cancel_url,
    )


def run_confirmed_delete(delete, done_message: str, next_url: str):
    """Run a confirmed deletion; a refusal from the service comes back as a message."""
    if not ConfirmForm().validate_on_submit():
        flash(_("Your form expired. Please try again."), "error")
        return redirect(next_url)
    try:
        delete()
    except ValidationFailed as failure:
        db.session.rollback()
        for reasons in failure.errors.values():
            for reason in reasons:
                flash(str(reason), "error")
    else:
        db.session.commit()
        flash(done_message, "success")
    return redirect(next_url)
