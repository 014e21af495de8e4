"""Scheduler runs once meetings have happened: a meeting recorded as held or no-show stays as it
took place, even when no slot can hold it any more, and rules it already broke do not block
every later run."""

from datetime import timedelta

from sqlalchemy import select

from mission_app.extensions import db
from mission_app.models import Meeting
from mission_app.services import schedule_runs
from tests.conftest import page_text
from tests.integration.test_hand_cancellations import _run_and_apply
from tests.integration.test_schedule_pages import _requests_to_schedule
from tests.integration.test_schedule_run_staleness import _apply, _computed_run


def _scheduled_by_start() -> list[Meeting]:
    return db.session.scalars(
        select(Meeting).where(Meeting.status == "scheduled").order_by(Meeting.start_at, Meeting.id)
    ).all()


def test_a_held_meeting_no_slot_holds_any_more_stays_and_runs_apply(logged_in, mission):
    venue = _requests_to_schedule(mission)
    _run_and_apply(mission)
    held = _scheduled_by_start()[-1]
    where = (held.start_at, held.end_at, held.table_number)
    held.outcome = "held"
    window = venue.windows[0]
    window.start_at += timedelta(minutes=15)  # slots now start at :15 and :45
    db.session.commit()

    page = " ".join(page_text(_apply(logged_in, mission, _computed_run(mission))).split())

    assert "Planning enregistré" in page
    db.session.refresh(held)
    assert (held.start_at, held.end_at, held.table_number, held.status) == (*where, "scheduled")
    # and nobody else is put at its time with its people
    for other in _scheduled_by_start():
        if other.id != held.id and other.start_at < held.end_at and held.start_at < other.end_at:
            assert {other.request.delegation_id, other.request.host_id}.isdisjoint(
                {held.request.delegation_id, held.request.host_id}
            )


def test_a_held_meeting_whose_request_got_longer_keeps_the_time_it_took(mission):
    _requests_to_schedule(mission)
    _run_and_apply(mission)
    held = _scheduled_by_start()[0]
    where = (held.start_at, held.end_at, held.table_number)
    held.outcome = "held"
    held.request.duration_slots = 2
    db.session.commit()

    changes = schedule_runs.apply_run(None, mission, _computed_run(mission))
    db.session.commit()

    db.session.refresh(held)
    assert (held.start_at, held.end_at, held.table_number) == where
    assert [c.kind for c in changes if c.request_id == held.request_id] == ["kept"]


def test_two_held_meetings_that_clashed_do_not_block_later_runs(logged_in, mission):
    _requests_to_schedule(mission)
    _run_and_apply(mission)
    meetings = _scheduled_by_start()
    first = meetings[0]
    second = next(
        m
        for m in meetings
        if m.request.delegation_id == first.request.delegation_id and m.id != first.id
    )
    # one firm in two meetings at once (as a file imported with warnings can leave it)
    table = 2 if first.table_number == 1 else 1
    for m in meetings:
        if m.start_at == first.start_at and m.table_number == table:
            db.session.delete(m)
    db.session.flush()
    second.start_at, second.end_at, second.table_number = first.start_at, first.end_at, table
    first.outcome = second.outcome = "held"
    db.session.commit()

    page = " ".join(page_text(_apply(logged_in, mission, _computed_run(mission))).split())

    assert "Planning enregistré" in page
    db.session.refresh(second)
    assert (second.start_at, second.table_number) == (first.start_at, table)
