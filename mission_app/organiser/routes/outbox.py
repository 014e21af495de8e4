"""The outbox: the e-mails sent to participants after each publication, and a retry button."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from mission_app.extensions import db
from mission_app.jobs import send_outbox_job
from mission_app.organiser import bp
from mission_app.organiser.common import ConfirmForm, load_mission
from mission_app.services import notifications


@bp.get("/<int:mission_id>/outbox")
def show_outbox(mission_id: int):
    mission = load_mission(mission_id)
    return render_template(
        "organiser/outbox/index.html",
        mission=mission,
        outbox=notifications.outbox(mission),
        form=ConfirmForm(),
        tab="outbox",
    )


@bp.post("/<int:mission_id>/outbox/retry")
def retry_outbox(mission_id: int):
    mission = load_mission(mission_id, needs="organiser")
    back = url_for("organiser.show_outbox", mission_id=mission.id)
    if not ConfirmForm().validate_on_submit():
        flash(_("Your form expired. Please try again."), "error")
        return redirect(back)
    count = notifications.retry_failed_messages(current_user, mission)
    db.session.commit()
    if count:
        send_outbox_job(mission.id)  # after the commit: the worker must see the messages
        flash(
            ngettext(
                "%(num)d message will be sent again.", "%(num)d messages will be sent again.", count
            ),
            "success",
        )
    else:
        flash(_("No failed message to send again."), "info")
    return redirect(back)
