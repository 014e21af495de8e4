"""Editing the schedule by hand: each edit checks the version the organiser saw and the rules
of the schedule, and changes nothing when it refuses."""

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from mission_app import scheduling
from mission_app.extensions import db
from mission_app.models import Availability, Meeting
from mission_app.services.errors import NotFound
from mission_app.services.meeting_edits import (
    EditRefused,
    StaleEdit,
    add_meeting,
    cancel_meeting,
    move_meeting,
    restore_meeting,
    set_meeting_locked,
    swap_meetings,
)
from mission_app.services.scheduling import build_problem
from tests import factories

NINE = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)  # 09:00 in Dakar (UTC+0)
HALF = timedelta(minutes=30)


@pytest.fixture
def setup(mission):
    """Dakar: Hôtel Terrou-Bi, 3 tables, slots 09:00–11:00 on 12 May. Nouakchott: Hôtel Sahel.
    Atlas Logiciels (Karim Benali) asks to meet Banque du Cap (Awa Gueye), Sonatel Pro (Moussa
    Ndiaye) and Orange Business (Fatou Sow); Maghreb Data (Nadia Alaoui) asks for Banque du Cap."""
    dakar = factories.LegFactory(mission=mission, city="Dakar", position=1)
    nouakchott = factories.LegFactory(
        mission=mission, city="Nouakchott", country="MR", timezone="Africa/Nouakchott", position=2
    )
    venue = factories.VenueFactory(leg=dakar, tables=3, name="Hôtel Terrou-Bi")
    factories.MeetingWindowFactory(venue=venue, start_at=NINE, end_at=NINE + 4 * HALF)
    sahel = factories.VenueFactory(leg=nouakchott, tables=2, name="Hôtel Sahel")
    factories.MeetingWindowFactory(
        venue=sahel, start_at=NINE + timedelta(days=3), end_at=NINE + timedelta(days=3, hours=1)
    )
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas Logiciels")
    maghreb = factories.OrganisationFactory(mission=mission, name="Maghreb Data")
    hosts = {
        name: factories.OrganisationFactory(mission=mission, host=True, name=name, leg=dakar)
        for name in ("Banque du Cap", "Sonatel Pro", "Orange Business")
    }
    people = {
        "karim": factories.PersonFactory(organisation=atlas, name="Karim Benali"),
        "nadia": factories.PersonFactory(organisation=maghreb, name="Nadia Alaoui"),
        "awa": factories.PersonFactory(organisation=hosts["Banque du Cap"], name="Awa Gueye"),
        "moussa": factories.PersonFactory(organisation=hosts["Sonatel Pro"], name="Moussa Ndiaye"),
        "fatou": factories.PersonFactory(organisation=hosts["Orange Business"], name="Fatou Sow"),
    }
    requests = {
        "banque": factories.MeetingRequestFactory(
            mission=mission, delegation=atlas, host=hosts["Banque du Cap"], key="atlas-banque"
        ),
        "sonatel": factories.MeetingRequestFactory(
            mission=mission, delegation=atlas, host=hosts["Sonatel Pro"], key="atlas-sonatel"
        ),
        "orange": factories.MeetingRequestFactory(
            mission=mission, delegation=atlas, host=hosts["Orange Business"], key="atlas-orange"
        ),
        "maghreb": factories.MeetingRequestFactory(
            mission=mission, delegation=maghreb, host=hosts["Banque du Cap"], key="maghreb-banque"
        ),
    }
    db.session.commit()
    return {
        "dakar": dakar,
        "venue": venue,
        "sahel": sahel,
        "people": people,
        "requests": requests,
    }


def _meeting(request, venue, start, table=1, slots=1, **kwargs):
    return factories.MeetingFactory(
        request=request,
        venue=venue,
        table_number=table,
        start_at=start,
        end_at=start + slots * HALF,
        **kwargs,
    )


def english(message) -> str:
    with force_locale("en"):
        return str(message)


def _conflicts(mission) -> list:
    """find_conflicts on the saved schedule."""
    mission_problem = build_problem(mission)
    scheduled = db.session.scalars(
        select(Meeting).where(Meeting.mission_id == mission.id, Meeting.status == "scheduled")
    ).all()
    assignments = [
        scheduling.Assignment(
            m.request_id,
            mission_problem.slot_by_start[(m.venue_id, m.start_at)],
            m.venue_id,
            m.table_number,
        )
        for m in scheduled
    ]
    return scheduling.find_conflicts(mission_problem.problem, assignments)


def _place(meeting) -> tuple:
    db.session.refresh(meeting)
    return (
        meeting.start_at,
        meeting.end_at,
        meeting.venue_id,
        meeting.table_number,
        meeting.status,
        meeting.sequence,
        meeting.lock_version,
    )


# ----- move -----------------------------------------------------------------------------------


def test_move_meeting_to_a_free_slot_and_table_saves_it_and_bumps_sequence(
    mission, organiser, setup
):
    meeting = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    db.session.commit()

    moved = move_meeting(
        mission,
        organiser,
        meeting.id,
        expected_version=1,
        start_at=NINE + 2 * HALF,
        venue_id=setup["venue"].id,
        table_number=3,
    )
    db.session.commit()

    assert moved.id == meeting.id
    assert _place(meeting) == (
        NINE + 2 * HALF,
        NINE + 3 * HALF,
        setup["venue"].id,
        3,
        "scheduled",
        1,
        2,
    )
    assert _conflicts(mission) == []


def test_move_meeting_to_another_table_only_bumps_sequence(mission, organiser, setup):
    meeting = _meeting(setup["requests"]["banque"], setup["venue"], NINE, sequence=4)
    db.session.commit()

    move_meeting(
        mission,
        organiser,
        meeting.id,
        expected_version=1,
        start_at=NINE,
        venue_id=setup["venue"].id,
        table_number=2,
    )
    db.session.commit()

    assert _place(meeting) == (NINE, NINE + HALF, setup["venue"].id, 2, "scheduled", 5, 2)


def test_move_meeting_to_where_it_is_changes_nothing(mission, organiser, setup):
    meeting = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    db.session.commit()

    move_meeting(
        mission,
        organiser,
        meeting.id,
        expected_version=1,
        start_at=NINE,
        venue_id=setup["venue"].id,
        table_number=1,
    )
    db.session.commit()

    assert _place(meeting) == (NINE, NINE + HALF, setup["venue"].id, 1, "scheduled", 0, 1)


def test_move_meeting_from_a_stale_version_is_refused(mission, organiser, setup):
    meeting = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    db.session.commit()
    move_meeting(
        mission,
        organiser,
        meeting.id,
        expected_version=1,
        start_at=NINE + HALF,
        venue_id=setup["venue"].id,
        table_number=1,
    )
    db.session.commit()

    with pytest.raises(StaleEdit) as refused:
        move_meeting(
            mission,
            organiser,
            meeting.id,
            expected_version=1,
            start_at=NINE + 3 * HALF,
            venue_id=setup["venue"].id,
            table_number=2,
        )
    db.session.rollback()

    assert english(refused.value.message) == (
        "This meeting was changed by someone else in the meantime: reload the grid."
    )
    assert refused.value.meeting_id == meeting.id
    assert _place(meeting)[:4] == (NINE + HALF, NINE + 2 * HALF, setup["venue"].id, 1)


def test_move_meeting_into_a_slot_where_a_person_meets_someone_else_is_refused(
    mission, organiser, setup
):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, table=1)
    _meeting(setup["requests"]["sonatel"], setup["venue"], NINE + HALF, table=2)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            banque.id,
            expected_version=1,
            start_at=NINE + HALF,
            venue_id=setup["venue"].id,
            table_number=1,
        )
    db.session.rollback()

    assert english(refused.value.message) == "This change is refused: it would break the schedule."
    assert [english(r) for r in refused.value.reasons] == [
        "Karim Benali already has a meeting at 09:30: Atlas Logiciels – Sonatel Pro."
    ]
    assert refused.value.meeting_id == banque.id
    assert _place(banque) == (NINE, NINE + HALF, setup["venue"].id, 1, "scheduled", 0, 1)
    assert _conflicts(mission) == []


def test_move_meeting_onto_a_taken_table_names_the_meeting_there(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, table=1)
    _meeting(setup["requests"]["maghreb"], setup["venue"], NINE + 2 * HALF, table=2)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            banque.id,
            expected_version=1,
            start_at=NINE + 2 * HALF,
            venue_id=setup["venue"].id,
            table_number=2,
        )

    # Awa Gueye of Banque du Cap is at both meetings, and the table is taken.
    assert sorted(english(r) for r in refused.value.reasons) == [
        "Awa Gueye already has a meeting at 10:00: Maghreb Data – Banque du Cap.",
        "Table 2 of Hôtel Terrou-Bi is already taken at 10:00 by Maghreb Data – Banque du Cap.",
    ]


def test_move_meeting_when_a_person_is_at_an_activity_names_the_activity(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    workshop = factories.ActivityFactory(
        mission=mission,
        title="Atelier marché TIC",
        start_at=NINE + 3 * HALF,
        end_at=NINE + 5 * HALF,
    )
    workshop.attendees.extend([setup["people"]["karim"], setup["people"]["awa"]])
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            banque.id,
            expected_version=1,
            start_at=NINE + 3 * HALF,
            venue_id=setup["venue"].id,
            table_number=1,
        )

    assert [english(r) for r in refused.value.reasons] == [
        "Karim Benali, Awa Gueye are at “Atelier marché TIC” at 10:30."
    ]


def test_move_meeting_when_a_person_is_unavailable_is_refused(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    db.session.add(
        Availability(person=setup["people"]["awa"], start_at=NINE, end_at=NINE + 2 * HALF)
    )
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            banque.id,
            expected_version=1,
            start_at=NINE + 2 * HALF,
            venue_id=setup["venue"].id,
            table_number=1,
        )

    assert [english(r) for r in refused.value.reasons] == ["Awa Gueye is not available at 10:00."]


def test_move_meeting_to_a_table_the_venue_lacks_is_refused(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            banque.id,
            expected_version=1,
            start_at=NINE,
            venue_id=setup["venue"].id,
            table_number=7,
        )

    assert [english(r) for r in refused.value.reasons] == [
        "Table 7 does not exist: Hôtel Terrou-Bi has 3 tables."
    ]


def test_move_meeting_to_a_time_that_is_not_a_slot_is_refused(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    db.session.commit()

    with pytest.raises(EditRefused) as refused, force_locale("en"):
        move_meeting(
            mission,
            organiser,
            banque.id,
            expected_version=1,
            start_at=NINE + timedelta(minutes=15),
            venue_id=setup["venue"].id,
            table_number=1,
        )

    assert english(refused.value.message) == (
        "Tue 12 May 09:15 is not the start of a meeting slot at Hôtel Terrou-Bi."
    )
    assert refused.value.reasons == []


def test_move_meeting_to_a_venue_of_another_city_is_refused(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            banque.id,
            expected_version=1,
            start_at=NINE + timedelta(days=3),
            venue_id=setup["sahel"].id,
            table_number=1,
        )

    assert english(refused.value.message) == (
        "Hôtel Sahel is in Nouakchott, but this meeting takes place in Dakar."
    )


def test_move_meeting_of_two_slots_past_the_end_of_the_window_is_refused(mission, organiser, setup):
    setup["requests"]["banque"].duration_slots = 2
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, slots=2)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            banque.id,
            expected_version=1,
            start_at=NINE + 3 * HALF,
            venue_id=setup["venue"].id,
            table_number=1,
        )

    assert [english(r) for r in refused.value.reasons] == [
        "This meeting lasts 2 slots and would run past the end of the meeting window."
    ]


def test_move_meeting_that_is_locked_is_refused_until_unlocked(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, locked=True)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            banque.id,
            expected_version=1,
            start_at=NINE + HALF,
            venue_id=setup["venue"].id,
            table_number=1,
        )
    db.session.rollback()
    assert english(refused.value.message) == (
        "Atlas Logiciels – Banque du Cap is locked: unlock it before moving it."
    )

    set_meeting_locked(mission, organiser, banque.id, 1, False)
    move_meeting(
        mission,
        organiser,
        banque.id,
        expected_version=2,
        start_at=NINE + HALF,
        venue_id=setup["venue"].id,
        table_number=1,
    )
    db.session.commit()
    assert _place(banque) == (NINE + HALF, NINE + 2 * HALF, setup["venue"].id, 1, "scheduled", 1, 3)


def test_move_meeting_recorded_as_held_is_refused_and_runs_keep_it_in_place(
    mission, organiser, setup
):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, outcome="held")
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            banque.id,
            expected_version=1,
            start_at=NINE + HALF,
            venue_id=setup["venue"].id,
            table_number=1,
        )
    db.session.rollback()

    assert english(refused.value.message) == (
        "Atlas Logiciels – Banque du Cap is already recorded as held or no-show: set it back "
        "to “not recorded” on the day sheet first."
    )
    assert _place(banque)[:2] == (NINE, NINE + HALF)
    # and a scheduler run treats it as locked: it happened there
    existing = build_problem(mission).problem.existing_by_request[banque.request_id]
    assert existing.locked


def test_move_meeting_out_of_a_conflict_is_allowed_while_another_stays(mission, organiser, setup):
    # Karim Benali is double-booked at 09:00; Nadia's meeting clashes with Awa's at 10:00.
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, table=1)
    _meeting(setup["requests"]["sonatel"], setup["venue"], NINE, table=2)
    _meeting(setup["requests"]["maghreb"], setup["venue"], NINE + 2 * HALF, table=3)
    orange = _meeting(setup["requests"]["orange"], setup["venue"], NINE + 2 * HALF, table=1)
    db.session.commit()
    assert len(_conflicts(mission)) == 1

    move_meeting(
        mission,
        organiser,
        banque.id,
        expected_version=1,
        start_at=NINE + HALF,
        venue_id=setup["venue"].id,
        table_number=1,
    )
    db.session.commit()

    assert _conflicts(mission) == []
    assert orange.status == "scheduled"


def test_move_meeting_whose_host_meets_in_no_leg_is_refused(mission, organiser, setup):
    abidjan = factories.OrganisationFactory(
        mission=mission, host=True, name="Orange Côte d’Ivoire", country="CI"
    )
    factories.PersonFactory(organisation=abidjan, name="Koffi Yao")
    request = factories.MeetingRequestFactory(
        mission=mission, delegation=setup["requests"]["banque"].delegation, host=abidjan
    )
    meeting = _meeting(request, setup["venue"], NINE)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            meeting.id,
            expected_version=1,
            start_at=NINE + HALF,
            venue_id=setup["venue"].id,
            table_number=1,
        )

    assert [english(r) for r in refused.value.reasons] == [
        "The host of this meeting meets in no city of the mission: give it a leg."
    ]


def test_move_meeting_of_another_mission_is_not_found(mission, organiser, setup):
    other = _meeting(factories.MeetingRequestFactory(), setup["venue"], NINE)
    db.session.commit()

    with pytest.raises(NotFound):
        move_meeting(
            mission,
            organiser,
            other.id,
            expected_version=1,
            start_at=NINE,
            venue_id=setup["venue"].id,
            table_number=2,
        )


# ----- swap -----------------------------------------------------------------------------------


def test_swap_meetings_exchanges_their_times_and_tables(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, table=1)
    orange = _meeting(setup["requests"]["orange"], setup["venue"], NINE + HALF, table=1)
    db.session.commit()

    first, second = swap_meetings(mission, organiser, banque.id, 1, orange.id, 1)
    db.session.commit()

    assert (first.id, second.id) == (banque.id, orange.id)
    assert _place(banque)[:6] == (
        NINE + HALF,
        NINE + 2 * HALF,
        setup["venue"].id,
        1,
        "scheduled",
        1,
    )
    assert _place(orange)[:6] == (NINE, NINE + HALF, setup["venue"].id, 1, "scheduled", 1)
    assert orange.lock_version == 2
    assert _conflicts(mission) == []


def test_swap_meetings_at_one_time_exchanges_tables(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, table=1)
    maghreb = _meeting(setup["requests"]["maghreb"], setup["venue"], NINE + HALF, table=3)
    db.session.commit()

    swap_meetings(mission, organiser, banque.id, 1, maghreb.id, 1)
    db.session.commit()

    assert _place(banque)[:4] == (NINE + HALF, NINE + 2 * HALF, setup["venue"].id, 3)
    assert _place(maghreb)[:4] == (NINE, NINE + HALF, setup["venue"].id, 1)


def test_swap_meetings_that_breaks_a_rule_is_refused(mission, organiser, setup):
    # A two-slot meeting at 09:00 swapped with Sonatel's at 10:30 would run past 11:00.
    setup["requests"]["banque"].duration_slots = 2
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, slots=2)
    sonatel = _meeting(setup["requests"]["sonatel"], setup["venue"], NINE + 3 * HALF, table=2)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        swap_meetings(mission, organiser, banque.id, 1, sonatel.id, 1)
    db.session.rollback()

    assert [english(r) for r in refused.value.reasons] == [
        "This meeting lasts 2 slots and would run past the end of the meeting window."
    ]
    assert _place(banque)[:4] == (NINE, NINE + 2 * HALF, setup["venue"].id, 1)
    assert _place(sonatel)[:4] == (NINE + 3 * HALF, NINE + 4 * HALF, setup["venue"].id, 2)


def test_swap_meetings_with_a_locked_or_stale_one_is_refused(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, table=1)
    orange = _meeting(setup["requests"]["orange"], setup["venue"], NINE + HALF, locked=True)
    db.session.commit()

    with pytest.raises(EditRefused) as locked:
        swap_meetings(mission, organiser, banque.id, 1, orange.id, 1)
    db.session.rollback()
    with pytest.raises(StaleEdit) as stale:
        swap_meetings(mission, organiser, banque.id, 1, orange.id, 3)
    db.session.rollback()

    assert english(locked.value.message) == (
        "Atlas Logiciels – Orange Business is locked: unlock it before swapping it."
    )
    assert stale.value.meeting_id == orange.id
    assert _place(banque)[:4] == (NINE, NINE + HALF, setup["venue"].id, 1)


def test_swap_meetings_with_itself_is_refused(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        swap_meetings(mission, organiser, banque.id, 1, banque.id, 1)

    assert english(refused.value.message) == "Choose two different meetings to swap."


# ----- cancel and restore ---------------------------------------------------------------------


def test_cancel_meeting_keeps_the_row_and_bumps_sequence(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, outcome="held")
    db.session.commit()

    cancel_meeting(mission, organiser, banque.id, 1)
    db.session.commit()

    assert _place(banque) == (NINE, NINE + HALF, setup["venue"].id, 1, "cancelled", 1, 2)
    assert banque.outcome is None


def test_cancel_meeting_twice_or_from_a_stale_page_is_refused(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    db.session.commit()
    cancel_meeting(mission, organiser, banque.id, 1)
    db.session.commit()

    with pytest.raises(StaleEdit):
        cancel_meeting(mission, organiser, banque.id, 1)
    db.session.rollback()
    with pytest.raises(EditRefused) as refused:
        cancel_meeting(mission, organiser, banque.id, 2)
    db.session.rollback()

    assert english(refused.value.message) == "This meeting is already cancelled."
    assert _place(banque)[4:] == ("cancelled", 1, 2)


def test_restore_meeting_puts_it_back_and_bumps_sequence(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, status="cancelled")
    db.session.commit()

    restore_meeting(mission, organiser, banque.id, 1)
    db.session.commit()

    assert _place(banque) == (NINE, NINE + HALF, setup["venue"].id, 1, "scheduled", 1, 2)


def test_restore_meeting_whose_table_was_given_away_is_refused(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, status="cancelled")
    _meeting(setup["requests"]["orange"], setup["venue"], NINE, table=1)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        restore_meeting(mission, organiser, banque.id, 1)
    db.session.rollback()

    assert sorted(english(r) for r in refused.value.reasons) == [
        "Karim Benali already has a meeting at 09:00: Atlas Logiciels – Orange Business.",
        "Table 1 of Hôtel Terrou-Bi is already taken at 09:00 by Atlas Logiciels – Orange "
        "Business.",
    ]
    assert _place(banque)[4:] == ("cancelled", 0, 1)


def test_restore_meeting_of_a_request_met_elsewhere_is_refused(mission, organiser, setup):
    old = _meeting(setup["requests"]["banque"], setup["venue"], NINE, status="cancelled")
    _meeting(setup["requests"]["banque"], setup["venue"], NINE + 2 * HALF, table=2)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        restore_meeting(mission, organiser, old.id, 1)

    assert english(refused.value.message) == (
        "Atlas Logiciels – Banque du Cap already has another meeting, at 10:00: cancel that "
        "one first."
    )


def test_restore_meeting_that_is_scheduled_is_refused(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        restore_meeting(mission, organiser, banque.id, 1)

    assert english(refused.value.message) == "This meeting is not cancelled."


# ----- lock -----------------------------------------------------------------------------------


def test_set_meeting_locked_locks_and_unlocks_without_touching_sequence(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE)
    db.session.commit()

    set_meeting_locked(mission, organiser, banque.id, 1, True)
    db.session.commit()
    assert (banque.locked, banque.sequence, banque.lock_version) == (True, 0, 2)

    with pytest.raises(StaleEdit):
        set_meeting_locked(mission, organiser, banque.id, 1, False)
    db.session.rollback()
    set_meeting_locked(mission, organiser, banque.id, 2, False)
    db.session.commit()
    assert (banque.locked, banque.sequence, banque.lock_version) == (False, 0, 3)


# ----- add ------------------------------------------------------------------------------------


def test_add_meeting_places_a_request_with_its_duration(mission, organiser, setup):
    setup["requests"]["orange"].duration_slots = 2
    db.session.commit()

    meeting = add_meeting(
        mission,
        organiser,
        setup["requests"]["orange"].id,
        start_at=NINE + HALF,
        venue_id=setup["venue"].id,
        table_number=2,
    )
    db.session.commit()

    assert meeting.key == "m-atlas-orange"
    assert meeting.request_id == setup["requests"]["orange"].id
    assert _place(meeting) == (
        NINE + HALF,
        NINE + 3 * HALF,
        setup["venue"].id,
        2,
        "scheduled",
        0,
        1,
    )
    assert _conflicts(mission) == []


def test_add_meeting_for_a_request_that_has_one_is_refused(mission, organiser, setup):
    _meeting(setup["requests"]["orange"], setup["venue"], NINE, key="m-atlas-orange")
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        add_meeting(
            mission,
            organiser,
            setup["requests"]["orange"].id,
            start_at=NINE + HALF,
            venue_id=setup["venue"].id,
            table_number=2,
        )

    assert english(refused.value.message) == (
        "Atlas Logiciels – Orange Business already has a meeting, at 09:00."
    )


def test_add_meeting_after_a_cancelled_one_gets_a_key_of_its_own(mission, organiser, setup):
    _meeting(
        setup["requests"]["orange"], setup["venue"], NINE, key="m-atlas-orange", status="cancelled"
    )
    db.session.commit()

    meeting = add_meeting(
        mission,
        organiser,
        setup["requests"]["orange"].id,
        start_at=NINE,
        venue_id=setup["venue"].id,
        table_number=1,
    )
    db.session.commit()

    assert meeting.key == "m-atlas-orange-2"


def test_add_meeting_where_a_person_is_busy_is_refused(mission, organiser, setup):
    _meeting(setup["requests"]["banque"], setup["venue"], NINE, table=1)
    db.session.commit()

    with pytest.raises(EditRefused) as refused:
        add_meeting(
            mission,
            organiser,
            setup["requests"]["orange"].id,
            start_at=NINE,
            venue_id=setup["venue"].id,
            table_number=2,
        )
    db.session.rollback()

    assert [english(r) for r in refused.value.reasons] == [
        "Karim Benali already has a meeting at 09:00: Atlas Logiciels – Banque du Cap."
    ]
    assert len(db.session.scalars(select(Meeting.id)).all()) == 1


def test_add_meeting_for_a_request_of_another_mission_is_not_found(mission, organiser, setup):
    other = factories.MeetingRequestFactory()
    db.session.commit()

    with pytest.raises(NotFound):
        add_meeting(
            mission,
            organiser,
            other.id,
            start_at=NINE,
            venue_id=setup["venue"].id,
            table_number=1,
        )
