"""Publishing the schedule: what would change and for whom, the publish button, the versions."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from mission_app.extensions import db
from mission_app.jobs import send_outbox_job
from mission_app.organiser import bp
from mission_app.organiser.common import load_mission, show_domain_errors
from mission_app.organiser.forms.publications import PublishForm
from mission_app.services import notifications, publications
from mission_app.services.errors import ValidationFailed


def _page(mission, form: PublishForm, status: int = 200):
    page = render_template(
        "organiser/publications/index.html",
        mission=mission,
        page=publications.publish_page(mission),
        form=form,
        tab="publish",
    )
    return page, status


@bp.get("/<int:mission_id>/publish")
def show_publications(mission_id: int):
    return _page(load_mission(mission_id), PublishForm())


@bp.post("/<int:mission_id>/publish")
def publish_schedule(mission_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = PublishForm()
    if not form.validate_on_submit():
        return _page(mission, form, 400)
    try:
        publication = publications.publish_schedule(mission, current_user, form.note.data or "")
    except ValidationFailed as failure:
        db.session.rollback()
        show_domain_errors(form, failure)
        return _page(mission, form, 400)
    if publication is None:
        flash(_("Nothing changed since the last version: nothing was published."), "info")
        return redirect(url_for("organiser.show_publications", mission_id=mission.id))
    # E-mails (engineer C): one message per affected person, queued in the same transaction.
    queued = len(notifications.queue_publication_messages(publication))
    db.session.commit()
    send_outbox_job(mission.id)  # after the commit: the worker must see the messages
    flash(
        _("Version %(number)s published.", number=publication.number)
        + " "
        + ngettext(
            "%(num)d e-mail to send.",
            "%(num)d e-mails to send.",
            queued,  # counted before the job runs: it may have sent some already
        ),
        "success",
    )
    return redirect(url_for("organiser.show_publications", mission_id=mission.id))
