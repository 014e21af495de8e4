"""A scheduler run is applied only onto the working schedule it was computed from: edits made
in the grid since it started (a hand cancellation, a move) are never silently undone."""

from sqlalchemy import select

from mission_app.extensions import db
from mission_app.jobs import execute_schedule_run
from mission_app.models import Meeting, ScheduleRun
from mission_app.services import schedule_runs
from mission_app.services.meeting_edits import cancel_meeting
from tests.conftest import page_text
from tests.integration.test_schedule_pages import _requests_to_schedule, _scheduled_count

STALE = "Le planning a été modifié depuis le lancement du calcul : relancez le calcul."


def _computed_run(mission) -> ScheduleRun:
    run = schedule_runs.start_run(None, mission, time_limit=10, fresh=False)
    db.session.commit()
    execute_schedule_run(run.id)
    db.session.refresh(run)
    return run


def _apply(logged_in, mission, run):
    return logged_in.post_form(
        f"/missions/{mission.id}/schedule/runs/{run.id}/apply",
        token_from=f"/missions/{mission.id}/schedule/runs/{run.id}",
        follow_redirects=True,
    )


def _first_scheduled() -> Meeting:
    return db.session.scalars(
        select(Meeting).where(Meeting.status == "scheduled").order_by(Meeting.id)
    ).first()


def test_apply_run_after_a_hand_cancellation_is_refused_and_keeps_it(logged_in, mission):
    _requests_to_schedule(mission)
    assert "Planning enregistré : 6 nouveaux rendez-vous, 0 déplacé, 0 annulé." in page_text(
        _apply(logged_in, mission, _computed_run(mission))
    )
    second = _computed_run(mission)
    meeting = _first_scheduled()
    cancel_meeting(mission, None, meeting.id, meeting.lock_version)
    db.session.commit()

    page = page_text(_apply(logged_in, mission, second))

    assert STALE in page
    db.session.refresh(meeting)
    db.session.refresh(second)
    assert (meeting.status, _scheduled_count(), second.status) == ("cancelled", 5, "done")


def test_apply_run_with_the_schedule_unchanged_since_it_started_saves_it(logged_in, mission):
    _requests_to_schedule(mission)
    _apply(logged_in, mission, _computed_run(mission))
    second = _computed_run(mission)

    page = page_text(_apply(logged_in, mission, second))

    assert "Planning enregistré : 0 nouveau rendez-vous, 0 déplacé, 0 annulé." in page
    db.session.refresh(second)
    assert (second.status, _scheduled_count()) == ("applied", 6)


def test_apply_run_after_a_meeting_was_deleted_and_another_added_is_refused(logged_in, mission):
    """The count and the versions alone could match again; the largest id does not."""
    _requests_to_schedule(mission)
    _apply(logged_in, mission, _computed_run(mission))
    second = _computed_run(mission)
    meeting = _first_scheduled()
    fields = {
        name: getattr(meeting, name)
        for name in ("mission_id", "request_id", "venue_id", "table_number", "start_at", "end_at")
    }
    versions = meeting.lock_version
    db.session.delete(meeting)
    db.session.flush()
    db.session.add(
        Meeting(key="again", status="scheduled", sequence=0, lock_version=versions, **fields)
    )
    db.session.commit()

    assert STALE in page_text(_apply(logged_in, mission, second))
