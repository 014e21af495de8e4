"""From the database to the scheduler and back."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mission_app import scheduling
from mission_app.extensions import db
from mission_app.models import Availability, Meeting
from mission_app.services.errors import ValidationFailed
from mission_app.services.scheduling import apply_schedule, build_problem, propose_schedule
from tests import factories

NINE = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
OPTIONS = scheduling.SolveOptions(time_limit_s=10, workers=1)


def _small_mission(hours: int = 2):
    """Dakar, one venue with 2 tables, from 09:00 (2 slots an hour); 3 firms × 2 hosts."""
    mission = factories.MissionFactory()
    leg = factories.LegFactory(mission=mission, country="SN")
    venue = factories.VenueFactory(leg=leg, tables=2)
    factories.MeetingWindowFactory(venue=venue, start_at=NINE, end_at=NINE + timedelta(hours=hours))
    firms = [factories.OrganisationFactory(mission=mission) for _ in range(3)]
    hosts = [factories.OrganisationFactory(mission=mission, host=True) for _ in range(2)]
    people = {org.id: factories.PersonFactory(organisation=org) for org in firms + hosts}
    for firm in firms:
        for host in hosts:
            factories.MeetingRequestFactory(mission=mission, delegation=firm, host=host)
    db.session.commit()
    return mission, venue, firms, hosts, people


def test_build_problem_cuts_windows_into_slots_and_marks_busy_people(app_ctx):
    mission, venue, firms, hosts, people = _small_mission()
    workshop = factories.ActivityFactory(
        mission=mission, start_at=NINE, end_at=NINE + timedelta(minutes=30)
    )
    workshop.attendees.append(people[firms[0].id])
    db.session.add(
        Availability(
            person=people[hosts[0].id],
            start_at=NINE + timedelta(hours=1),
            end_at=NINE + timedelta(hours=3),
        )
    )
    db.session.commit()
    problem = build_problem(mission).problem
    assert [(s.start.hour, s.start.minute) for s in problem.slots] == [
        (9, 0),
        (9, 30),
        (10, 0),
        (10, 30),
    ]
    busy = {p.id: p.busy_slots for p in problem.people}
    assert busy[people[firms[0].id].id] == frozenset({0})
    assert busy[people[hosts[0].id].id] == frozenset({0, 1})
    assert busy[people[firms[1].id].id] == frozenset()
    assert len(problem.requests) == 6
    assert {r.attendees for r in problem.requests if r.delegation_id == firms[1].id} == {
        (people[firms[1].id].id, people[hosts[0].id].id),
        (people[firms[1].id].id, people[hosts[1].id].id),
    }


def test_apply_writes_a_conflict_free_schedule_and_a_rerun_keeps_it(app_ctx):
    mission, venue, *_ = _small_mission()
    proposal = propose_schedule(None, mission, OPTIONS)
    assert proposal.solution.figures.weight == 6  # 6 normal requests, all placed
    assert proposal.count("new") == 6
    apply_schedule(None, mission, list(proposal.solution.assignments))
    db.session.commit()
    meetings = db.session.scalars(select(Meeting).where(Meeting.status == "scheduled")).all()
    assert len(meetings) == 6
    problem = build_problem(mission).problem
    assert (
        scheduling.find_conflicts(
            problem,
            [
                scheduling.Assignment(
                    m.request_id,
                    build_problem(mission).slot_by_start[(venue.id, m.start_at)],
                    m.venue_id,
                    m.table_number,
                )
                for m in meetings
            ],
        )
        == []
    )

    again = propose_schedule(None, mission, OPTIONS)
    assert again.count("kept") == 6
    assert again.count("moved") == again.count("new") == again.count("dropped") == 0


def test_shrinking_one_person_availability_moves_only_their_meetings(app_ctx):
    mission, venue, firms, hosts, people = _small_mission(hours=4)
    proposal = propose_schedule(None, mission, OPTIONS)
    apply_schedule(None, mission, list(proposal.solution.assignments))
    db.session.commit()
    meetings = db.session.scalars(select(Meeting)).all()
    theirs = {m.request_id: m.start_at for m in meetings if m.request.delegation_id == firms[0].id}
    # From now on the delegate is only available where both hosts are free and they are not.
    busy = {m.start_at for m in meetings}
    slots = [NINE + timedelta(minutes=30 * k) for k in range(8)]
    free_for_all = [t for t in slots if t not in busy]
    assert len(free_for_all) >= 2
    for start in free_for_all:
        db.session.add(
            Availability(
                person=people[firms[0].id], start_at=start, end_at=start + timedelta(minutes=30)
            )
        )
    db.session.commit()

    rerun = propose_schedule(None, mission, OPTIONS)
    moved = {c.request_id for c in rerun.changes if c.kind != "kept"}
    assert moved == set(theirs)
    assert rerun.count("moved") == 2


def test_applying_a_schedule_that_no_longer_fits_is_refused(app_ctx):
    mission, venue, firms, hosts, people = _small_mission()
    proposal = propose_schedule(None, mission, OPTIONS)
    # Meanwhile a host becomes unavailable for the whole morning.
    host_person = people[hosts[0].id]
    db.session.add(
        Availability(
            person=host_person, start_at=NINE + timedelta(hours=5), end_at=NINE + timedelta(hours=6)
        )
    )
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        apply_schedule(None, mission, list(proposal.solution.assignments))
    db.session.rollback()
    assert db.session.scalars(select(Meeting)).all() == []
    # the meetings and what to do, in the organiser's language, not the checker's own words
    message = str(refused.value)
    assert message.startswith(
        "form: La mission a changé depuis le calcul de ce planning (disponibilités, activités "
        "ou demandes) et il ne tient plus ("
    )
    assert message.endswith(") : relancez le calcul.")
    assert hosts[0].name in message


def test_dropped_meeting_is_cancelled_with_a_higher_sequence(app_ctx):
    mission, venue, firms, hosts, people = _small_mission()
    proposal = propose_schedule(None, mission, OPTIONS)
    apply_schedule(None, mission, list(proposal.solution.assignments))
    db.session.commit()
    kept = [a for a in proposal.solution.assignments][1:]
    dropped_request = proposal.solution.assignments[0].request_id
    apply_schedule(None, mission, kept)
    db.session.commit()
    meeting = db.session.scalar(select(Meeting).where(Meeting.request_id == dropped_request))
    assert (meeting.status, meeting.sequence) == ("cancelled", 1)
