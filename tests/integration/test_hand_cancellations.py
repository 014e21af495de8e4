"""A meeting an organiser cancelled stays cancelled: scheduler runs leave its request alone until
the meeting is restored or the request is placed again by hand. Meetings a run dropped are not
held back: a later run places them again when it can."""

import json
from datetime import timedelta

from sqlalchemy import select

from mission_app.extensions import db
from mission_app.models import Meeting, ScheduleRun
from mission_app.services import schedule_runs
from mission_app.services.meeting_edits import add_meeting, cancel_meeting, restore_meeting
from mission_app.services.scheduling import build_problem
from tests import factories
from tests.conftest import page_text
from tests.integration.test_schedule_pages import _requests_to_schedule, _scheduled_count
from tests.integration.test_schedule_run_staleness import _computed_run

HELD_BACK = (
    "Son rendez-vous a été annulé à la main, le calcul ne le replace donc pas : rétablissez "
    "ce rendez-vous ou placez la demande dans la grille."
)


def _run_and_apply(mission) -> ScheduleRun:
    run = _computed_run(mission)
    schedule_runs.apply_run(None, mission, run)
    db.session.commit()
    return run


def _scheduled(request_id: int) -> Meeting | None:
    return db.session.scalar(
        select(Meeting).where(Meeting.request_id == request_id, Meeting.status == "scheduled")
    )


def _place_again(mission, venue, cancelled: Meeting) -> Meeting:
    """The request of a cancelled meeting placed by hand where that meeting was."""
    return add_meeting(
        mission,
        None,
        cancelled.request_id,
        start_at=cancelled.start_at,
        venue_id=venue.id,
        table_number=cancelled.table_number,
    )


def _cancel_one(mission) -> Meeting:
    meeting = db.session.scalars(
        select(Meeting).where(Meeting.status == "scheduled").order_by(Meeting.id)
    ).first()
    cancel_meeting(mission, None, meeting.id, meeting.lock_version)
    db.session.commit()
    return meeting


def test_a_run_leaves_a_meeting_cancelled_by_hand_cancelled_and_says_why(logged_in, mission):
    _requests_to_schedule(mission)
    _run_and_apply(mission)
    cancelled = _cancel_one(mission)

    run = _computed_run(mission)

    assert cancelled.request_id not in {a["request"] for a in run.assignments}
    page = " ".join(
        page_text(logged_in.get(f"/missions/{mission.id}/schedule/runs/{run.id}")).split()
    )
    assert "0 nouveau rendez-vous · 0 déplacé · 0 annulé · 5 inchangé" in page
    assert HELD_BACK in page
    schedule_runs.apply_run(None, mission, run)
    db.session.commit()
    assert (_scheduled(cancelled.request_id), _scheduled_count()) == (None, 5)


def test_a_restored_meeting_is_kept_by_the_next_run(mission):
    _requests_to_schedule(mission)
    _run_and_apply(mission)
    cancelled = _cancel_one(mission)
    db.session.refresh(cancelled)
    restore_meeting(mission, None, cancelled.id, cancelled.lock_version)
    db.session.commit()

    run = _computed_run(mission)

    assert cancelled.request_id in {a["request"] for a in run.assignments}
    assert all("annulé à la main" not in reason for *_, reason in _review(mission, run))


def test_a_request_placed_again_by_hand_is_scheduled_by_later_runs(mission):
    venue = _requests_to_schedule(mission)
    _run_and_apply(mission)
    cancelled = _cancel_one(mission)
    _place_again(mission, venue, cancelled)
    db.session.commit()
    placed = _scheduled(cancelled.request_id)
    db.session.refresh(cancelled)
    assert cancelled.cancelled_by_hand is False

    # the organiser cancels the new meeting by hand too, then restores it: runs keep it
    cancel_meeting(mission, None, placed.id, placed.lock_version)
    db.session.commit()
    assert cancelled.request_id not in {a["request"] for a in _computed_run(mission).assignments}
    db.session.refresh(placed)
    restore_meeting(mission, None, placed.id, placed.lock_version)
    db.session.commit()
    assert cancelled.request_id in {a["request"] for a in _computed_run(mission).assignments}


def test_a_meeting_a_run_dropped_is_placed_again_by_a_later_run(mission):
    venue = _requests_to_schedule(mission)
    _run_and_apply(mission)
    meeting = db.session.scalars(
        select(Meeting).where(Meeting.status == "scheduled").order_by(Meeting.id)
    ).first()
    person = meeting.request.delegation.people[0]
    window = venue.windows[0]
    busy = factories.ActivityFactory(
        mission=mission,
        start_at=window.start_at - timedelta(hours=1),
        end_at=window.end_at + timedelta(hours=1),
    )
    busy.attendees = [person]
    db.session.commit()
    _run_and_apply(mission)  # that person's meetings are dropped: they are busy all day
    db.session.refresh(meeting)
    assert (meeting.status, meeting.cancelled_by_hand) == ("cancelled", False)

    db.session.delete(busy)
    db.session.commit()
    _run_and_apply(mission)

    assert _scheduled(meeting.request_id) is not None
    assert _scheduled_count() == 6


def _review(mission, run):
    return schedule_runs.review_run(mission, run).unscheduled


def test_restoring_one_meeting_clears_the_mark_on_every_meeting_of_its_request(mission):
    """Cancelled by hand, placed again by hand, that one cancelled too, then the first restored:
    nothing of the request stays marked, so a meeting a run drops later is placed again."""
    venue = _requests_to_schedule(mission)
    _run_and_apply(mission)
    first = _cancel_one(mission)
    second = _place_again(mission, venue, first)
    db.session.commit()
    cancel_meeting(mission, None, second.id, second.lock_version)
    db.session.commit()
    db.session.refresh(first)

    restore_meeting(mission, None, first.id, first.lock_version)
    db.session.commit()

    marked = db.session.scalars(
        select(Meeting.id).where(Meeting.request_id == first.request_id, Meeting.cancelled_by_hand)
    ).all()
    assert marked == []
    assert first.request_id not in build_problem(mission).held_back


def test_grid_and_command_line_say_which_requests_runs_leave_off(logged_in, mission, app):
    venue = _requests_to_schedule(mission)
    _run_and_apply(mission)
    cancelled = _cancel_one(mission)
    day = cancelled.start_at.date().isoformat()

    grid = " ".join(
        page_text(
            logged_in.get(f"/missions/{mission.id}/grid?leg={venue.leg_id}&day={day}")
        ).split()
    )
    result = app.test_cli_runner().invoke(
        args=["mission", "schedule", str(mission.id), "--time-limit", "10"]
    )

    pair = f"{cancelled.request.delegation.name}</strong> – {cancelled.request.host.name}"
    assert pair in grid
    assert "· annulé à la main : le calcul ne le replace pas" in grid
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert (figures["held_back"], figures["scheduled"], figures["new"]) == (1, 5, 0)
