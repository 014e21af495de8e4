"""A scheduler run is applied only onto the working schedule it was computed from: edits made
in the grid since it started (a hand cancellation, a move) are never silently undone."""

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

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


def test_apply_run_after_a_meeting_was_marked_held_on_the_day_saves_it(logged_in, mission):
    """Outcomes are recorded all day long: they do not make a run stale."""
    _requests_to_schedule(mission)
    _apply(logged_in, mission, _computed_run(mission))
    second = _computed_run(mission)
    meeting = _first_scheduled()
    meeting.outcome = "held"
    db.session.commit()

    page = page_text(_apply(logged_in, mission, second))

    assert "Planning enregistré : 0 nouveau rendez-vous, 0 déplacé, 0 annulé." in page
    db.session.refresh(meeting)
    assert (meeting.outcome, meeting.status) == ("held", "scheduled")


def test_apply_run_that_would_move_a_meeting_marked_held_since_is_refused(logged_in, mission):
    _requests_to_schedule(mission)
    _apply(logged_in, mission, _computed_run(mission))
    second = _computed_run(mission)
    meeting = _first_scheduled()
    where = (meeting.start_at, meeting.table_number)
    # the run had moved that meeting to another table (as a run may, before the mark)
    moved = next(a for a in second.assignments if a["request"] == meeting.request_id)
    other_table = 2 if moved["table"] == 1 else 1
    taken = {(a["start"], a["table"]) for a in second.assignments}
    if (moved["start"], other_table) in taken:
        swapped = next(
            a
            for a in second.assignments
            if (a["start"], a["table"]) == (moved["start"], other_table)
        )
        swapped["table"] = moved["table"]
    moved["table"] = other_table
    flag_modified(second, "assignments")
    meeting.outcome = "held"
    db.session.commit()

    page = page_text(_apply(logged_in, mission, second))

    pair = f"{meeting.request.delegation.name} – {meeting.request.host.name}"
    assert (
        f"{pair} a été noté comme tenu ou absent après le calcul de ce planning, qui le "
        "déplacerait : relancez le calcul." in " ".join(page.split())
    )
    db.session.refresh(meeting)
    assert (meeting.start_at, meeting.table_number) == where
