"""Computing the schedule in the background, following it, and applying the result."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from mission_app.extensions import db
from mission_app.jobs import run_schedule_job
from mission_app.organiser import bp
from mission_app.organiser.common import ConfirmForm, load_mission
from mission_app.organiser.forms.schedule import StartRunForm
from mission_app.services import schedule_runs as service
from mission_app.services.errors import ValidationFailed


def _run_url(run) -> str:
    return url_for("organiser.show_schedule_run", mission_id=run.mission_id, run_id=run.id)


def _flash_failure(failure: ValidationFailed) -> None:
    for reasons in failure.errors.values():
        for reason in reasons:
            flash(str(reason), "error")


@bp.get("/<int:mission_id>/schedule")
def show_schedule(mission_id: int):
    mission = load_mission(mission_id)
    return render_template(
        "organiser/schedule/index.html",
        mission=mission,
        form=StartRunForm(),
        runs=service.list_runs(mission),
        tab="schedule",
    )


@bp.post("/<int:mission_id>/schedule/runs")
def start_schedule_run(mission_id: int):
    mission = load_mission(mission_id, needs="organiser")
    form = StartRunForm()
    if not form.validate_on_submit():
        flash(_("Choose how long to search."), "error")
        return redirect(url_for("organiser.show_schedule", mission_id=mission.id))
    try:
        run = service.start_run(
            current_user, mission, time_limit=form.time_limit.data, fresh=form.fresh.data
        )
    except ValidationFailed as failure:
        _flash_failure(failure)
        return redirect(url_for("organiser.show_schedule", mission_id=mission.id))
    db.session.commit()
    run_schedule_job(run.id)  # after the commit, so that the worker finds the run
    return redirect(_run_url(run))


@bp.get("/<int:mission_id>/schedule/runs/<int:run_id>")
def show_schedule_run(mission_id: int, run_id: int):
    mission = load_mission(mission_id)
    run = service.get_run(mission, run_id)
    review = service.review_run(mission, run) if run.can_apply else None
    template = (
        "organiser/schedule/_run_status.html"
        if request.headers.get("HX-Request")
        else "organiser/schedule/run.html"
    )
    return render_template(
        template, mission=mission, run=run, review=review, form=ConfirmForm(), tab="schedule"
    )


@bp.post("/<int:mission_id>/schedule/runs/<int:run_id>/stop")
def stop_schedule_run(mission_id: int, run_id: int):
    mission = load_mission(mission_id, needs="organiser")
    run = service.get_run(mission, run_id)
    if ConfirmForm().validate_on_submit():
        service.request_stop(current_user, run)
        db.session.commit()
        flash(_("Stopping: the best schedule found so far is kept."), "info")
    return redirect(_run_url(run))


@bp.post("/<int:mission_id>/schedule/runs/<int:run_id>/apply")
def apply_schedule_run(mission_id: int, run_id: int):
    mission = load_mission(mission_id, needs="organiser")
    run = service.get_run(mission, run_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(_run_url(run))
    try:
        changes = service.apply_run(current_user, mission, run)
    except ValidationFailed as failure:
        db.session.rollback()
        _flash_failure(failure)
        return redirect(_run_url(run))
    db.session.commit()
    counts = {
        kind: sum(1 for c in changes if c.kind == kind) for kind in ("new", "moved", "dropped")
    }
    flash(
        _(
            "Schedule saved: %(new)s, %(moved)s, %(cancelled)s.",
            new=ngettext("%(num)d new meeting", "%(num)d new meetings", counts["new"]),
            moved=ngettext("%(num)d moved", "%(num)d moved", counts["moved"]),
            cancelled=ngettext("%(num)d cancelled", "%(num)d cancelled", counts["dropped"]),
        ),
        "success",
    )
    return redirect(url_for("organiser.show_schedule", mission_id=mission.id))


@bp.post("/<int:mission_id>/schedule/runs/<int:run_id>/discard")
def discard_schedule_run(mission_id: int, run_id: int):
    mission = load_mission(mission_id, needs="organiser")
    run = service.get_run(mission, run_id)
    if ConfirmForm().validate_on_submit():
        service.discard_run(current_user, run)
        db.session.commit()
        flash(_("Result set aside; the schedule is unchanged."), "info")
    return redirect(url_for("organiser.show_schedule", mission_id=mission.id))
