"""The grid and the person's schedule, as the service builds them."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale

from mission_app.extensions import db
from mission_app.models import Availability
from mission_app.services.errors import NotFound
from mission_app.services.schedule_grid import load_grid, load_person_schedule
from mission_app.services.timezones import to_local
from tests import factories

NINE = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


def _mission(zone: str = "Africa/Casablanca"):
    """One leg in `zone` (UTC+1 in May 2026), a venue of 3 tables, a window 09:00–11:00 UTC
    on 12 May and one 09:00–10:00 UTC on 13 May; a firm and two hosts, one person each."""
    mission = factories.MissionFactory()
    leg = factories.LegFactory(mission=mission, city="Casablanca", timezone=zone)
    venue = factories.VenueFactory(leg=leg, tables=3, name="Hôtel Atlas")
    factories.MeetingWindowFactory(venue=venue, start_at=NINE, end_at=NINE + timedelta(hours=2))
    factories.MeetingWindowFactory(
        venue=venue, start_at=NINE + timedelta(days=1), end_at=NINE + timedelta(days=1, hours=1)
    )
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Logiciels")
    hosts = [
        factories.OrganisationFactory(mission=mission, host=True, name=name, leg=leg)
        for name in ("Banque du Cap", "Sonatel Pro")
    ]
    delegate = factories.PersonFactory(organisation=firm, name="Karim Benali")
    host_people = [
        factories.PersonFactory(organisation=hosts[0], name="Awa Gueye"),
        factories.PersonFactory(organisation=hosts[1], name="Moussa Ndiaye"),
    ]
    requests = [
        factories.MeetingRequestFactory(mission=mission, delegation=firm, host=host)
        for host in hosts
    ]
    db.session.commit()
    return mission, leg, venue, requests, delegate, host_people


def english(message) -> str:
    """A lazy message as an English-speaking organiser reads it (the pages test the French)."""
    with force_locale("en"):
        return str(message)


def _meeting(request, venue, start, table=1, minutes=30, **kwargs):
    return factories.MeetingFactory(
        request=request,
        venue=venue,
        table_number=table,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        **kwargs,
    )


def test_grid_places_a_meeting_in_its_table_row_and_local_slot_column(app_ctx):
    mission, leg, venue, requests, delegate, host_people = _mission()
    meeting = _meeting(requests[0], venue, NINE + timedelta(minutes=30), table=2)
    db.session.commit()

    grid = load_grid(mission)

    assert (grid.leg.id, grid.day, grid.zone) == (leg.id, date(2026, 5, 12), "Africa/Casablanca")
    [venue_grid] = grid.venues
    assert [to_local(c.start, grid.zone).strftime("%H:%M") for c in venue_grid.columns] == [
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]
    assert [row.table for row in venue_grid.rows] == [1, 2, 3]
    cells = venue_grid.rows[1].cells
    booked = [k for k, cell in enumerate(cells) if cell.meetings]
    assert booked == [1]
    [placed] = cells[1].meetings
    assert placed.id == meeting.id
    assert (placed.delegation.name, placed.host.name) == ("Atlas Logiciels", "Banque du Cap")
    assert [p.name for p in placed.people] == ["Karim Benali", "Awa Gueye"]
    assert placed.problems == []
    assert all(not cell.meetings for row in (0, 2) for cell in venue_grid.rows[row].cells)
    assert (len(grid.meetings), grid.tables_used, grid.tables_total, grid.conflicts) == (
        1,
        1,
        3,
        [],
    )


def test_grid_spans_a_two_slot_meeting_over_two_columns(app_ctx):
    mission, leg, venue, requests, *_ = _mission()
    requests[0].duration_slots = 2
    _meeting(requests[0], venue, NINE, table=1, minutes=60)
    db.session.commit()

    cells = load_grid(mission).venues[0].rows[0].cells

    assert [(len(c.meetings), c.colspan) for c in cells] == [(1, 2), (0, 1), (0, 1)]


def test_grid_of_a_day_without_meetings_has_empty_rows(app_ctx):
    mission, leg, venue, requests, *_ = _mission()
    _meeting(requests[0], venue, NINE)
    db.session.commit()

    grid = load_grid(mission, leg.id, date(2026, 5, 13))

    assert grid.meetings == []
    assert [len(v.columns) for v in grid.venues] == [2]
    assert all(not cell.meetings for row in grid.venues[0].rows for cell in row.cells)
    assert [(d.day, d.meetings) for d in grid.legs[0].days] == [
        (date(2026, 5, 12), 1),
        (date(2026, 5, 13), 0),
    ]


def test_grid_of_a_leg_of_another_mission_is_not_found(app_ctx):
    mission, *_ = _mission()
    other_leg = factories.LegFactory()
    db.session.commit()
    with pytest.raises(NotFound):
        load_grid(mission, other_leg.id)


def test_cancelled_meetings_are_listed_and_not_placed(app_ctx):
    mission, leg, venue, requests, *_ = _mission()
    cancelled = _meeting(requests[0], venue, NINE, status="cancelled")
    db.session.commit()

    grid = load_grid(mission)

    assert [m.id for m in grid.cancelled] == [cancelled.id]
    assert grid.meetings == []
    assert all(not cell.meetings for row in grid.venues[0].rows for cell in row.cells)


def test_two_meetings_of_one_person_at_once_are_both_marked(app_ctx):
    mission, leg, venue, requests, delegate, host_people = _mission()
    first = _meeting(requests[0], venue, NINE, table=1)
    second = _meeting(requests[1], venue, NINE, table=2)
    db.session.commit()

    grid = load_grid(mission)

    [conflict] = grid.conflicts
    assert conflict.meeting_ids == (first.id, second.id)
    assert english(conflict.message) == (
        "Karim Benali is expected at two meetings at once: Atlas Logiciels – Banque du Cap "
        "and Atlas Logiciels – Sonatel Pro."
    )
    problems = {m.id: [english(p) for p in m.problems] for m in grid.meetings}
    assert problems == {
        first.id: ["Karim Benali also meets Sonatel Pro at that time."],
        second.id: ["Karim Benali also meets Banque du Cap at that time."],
    }


def test_a_person_at_an_activity_or_unavailable_is_named(app_ctx):
    mission, leg, venue, requests, delegate, host_people = _mission()
    at_workshop = _meeting(requests[0], venue, NINE, table=1)
    unavailable = _meeting(requests[1], venue, NINE + timedelta(hours=1), table=1)
    workshop = factories.ActivityFactory(
        mission=mission,
        leg=leg,
        title="Atelier TIC",
        start_at=NINE,
        end_at=NINE + timedelta(hours=1),
    )
    workshop.attendees.append(host_people[0])
    db.session.add(
        Availability(person=host_people[1], start_at=NINE, end_at=NINE + timedelta(hours=1))
    )
    db.session.commit()

    grid = load_grid(mission)

    problems = {m.id: [english(p) for p in m.problems] for m in grid.meetings}
    assert problems == {
        at_workshop.id: ["Awa Gueye is at “Atelier TIC” at that time."],
        unavailable.id: ["Moussa Ndiaye is not available at that time."],
    }
    assert [a.title for a in grid.activities] == ["Atelier TIC"]


def test_a_meeting_off_the_slots_and_at_a_missing_table_are_conflicts(app_ctx):
    mission, leg, venue, requests, *_ = _mission()
    off_slot = _meeting(requests[0], venue, NINE + timedelta(minutes=10), table=1)
    missing_table = _meeting(requests[1], venue, NINE + timedelta(hours=1), table=5)
    db.session.commit()

    grid = load_grid(mission)

    assert [m.id for m in grid.off_grid] == [off_slot.id]
    assert [english(p) for p in grid.off_grid[0].problems] == [
        "Outside any meeting window: this time is not a slot of the day."
    ]
    rows = grid.venues[0].rows
    assert [(row.table, row.exists) for row in rows] == [
        (1, True),
        (2, True),
        (3, True),
        (4, False),
        (5, False),
    ]
    [placed] = [m for cell in rows[4].cells for m in cell.meetings]
    assert placed.id == missing_table.id
    assert [english(p) for p in placed.problems] == [
        "Table 5 does not exist: Hôtel Atlas has 3 tables."
    ]
    assert len(grid.conflicts) == 2


def test_person_schedule_lists_meetings_and_activities_in_order_with_gaps(app_ctx):
    mission, leg, venue, requests, delegate, host_people = _mission()
    later = _meeting(requests[1], venue, NINE + timedelta(hours=1, minutes=30), table=2)
    earlier = _meeting(requests[0], venue, NINE, table=1)
    workshop = factories.ActivityFactory(
        mission=mission,
        leg=leg,
        title="Atelier TIC",
        start_at=NINE + timedelta(minutes=30),
        end_at=NINE + timedelta(hours=1),
    )
    workshop.attendees.append(delegate)
    _meeting(requests[0], venue, NINE + timedelta(days=1), status="cancelled", key="m-old")
    db.session.commit()

    schedule = load_person_schedule(mission, delegate.id)

    [day] = schedule.days
    assert (day.day, day.zone) == (date(2026, 5, 12), "Africa/Casablanca")
    assert [
        (item.kind, to_local(item.start, day.zone).strftime("%H:%M")) for item in day.items
    ] == [("meeting", "10:00"), ("activity", "10:30"), ("gap", "11:00"), ("meeting", "11:30")]
    assert [day.items[0].meeting.id, day.items[3].meeting.id] == [earlier.id, later.id]
    assert (schedule.meeting_count, schedule.activity_count) == (2, 1)
    assert [m.meeting.key for m in schedule.cancelled] == ["m-old"]


def test_person_schedule_of_a_host_shows_only_their_meetings(app_ctx):
    mission, leg, venue, requests, delegate, host_people = _mission()
    mine = _meeting(requests[0], venue, NINE)
    _meeting(requests[1], venue, NINE + timedelta(minutes=30))
    db.session.commit()

    schedule = load_person_schedule(mission, host_people[0].id)

    assert [item.meeting.id for day in schedule.days for item in day.items] == [mine.id]


def test_person_of_another_mission_is_not_found(app_ctx):
    mission, *_ = _mission()
    stranger = factories.PersonFactory()
    db.session.commit()
    with pytest.raises(NotFound):
        load_person_schedule(mission, stranger.id)
