"""The mission day: held, no-show, cancelled and back to not recorded, each change checked against
the version the organiser saw; the day sheet with its exact counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mission_app.extensions import db
from mission_app.services import outcomes
from mission_app.services.errors import NotFound, ValidationFailed
from mission_app.services.meeting_edits import EditRefused, StaleEdit
from tests import factories
from tests.mission_day import build_mission_day

AFTER = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)  # after the mission


@pytest.fixture
def day(app_ctx):
    return build_mission_day(follow_ups=False)


@pytest.fixture
def actor(day):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, mission=day.mission, role="organiser")
    return user


def _state(meeting_id):
    db.session.expire_all()
    return outcomes.day_state(db.session.get(outcomes.Meeting, meeting_id))


def test_set_day_state_records_held_then_clears_it(day, actor):
    m5 = day.meetings["m5"]
    meeting = outcomes.set_day_state(day.mission, actor, m5.id, "held", m5.lock_version, now=AFTER)
    assert (meeting.outcome, meeting.status) == ("held", "scheduled")
    outcomes.set_day_state(day.mission, actor, m5.id, "pending", meeting.lock_version, now=AFTER)
    assert _state(m5.id) == "pending"
    assert db.session.get(outcomes.Meeting, m5.id).outcome is None


def test_set_day_state_no_show_replaces_held(day, actor):
    m1 = day.meetings["m1"]
    outcomes.set_day_state(day.mission, actor, m1.id, "no_show", m1.lock_version, now=AFTER)
    assert _state(m1.id) == "no_show"


def test_set_day_state_cancelled_cancels_the_meeting_and_drops_its_outcome(day, actor):
    m1 = day.meetings["m1"]
    sequence = m1.sequence
    outcomes.set_day_state(day.mission, actor, m1.id, "cancelled", m1.lock_version, now=AFTER)
    db.session.expire_all()
    meeting = db.session.get(outcomes.Meeting, m1.id)
    assert (meeting.status, meeting.outcome, meeting.sequence) == ("cancelled", None, sequence + 1)


def test_set_day_state_clear_restores_a_cancelled_meeting(day, actor):
    m4 = day.meetings["m4"]
    outcomes.set_day_state(day.mission, actor, m4.id, "pending", m4.lock_version, now=AFTER)
    db.session.expire_all()
    meeting = db.session.get(outcomes.Meeting, m4.id)
    assert (meeting.status, meeting.outcome) == ("scheduled", None)


def test_set_day_state_held_on_a_cancelled_meeting_restores_it_as_held(day, actor):
    m4 = day.meetings["m4"]
    outcomes.set_day_state(day.mission, actor, m4.id, "held", m4.lock_version, now=AFTER)
    db.session.expire_all()
    meeting = db.session.get(outcomes.Meeting, m4.id)
    assert (meeting.status, meeting.outcome) == ("scheduled", "held")


def test_set_day_state_clear_of_cancelled_meeting_refused_when_its_table_was_given_away(day, actor):
    m4 = day.meetings["m4"]  # Cyber Sahel – Senelec, 10:00 table 1, cancelled
    newcomer = factories.OrganisationFactory(mission=day.mission, name="Maghreb Data")
    factories.PersonFactory(organisation=newcomer, name="Youssef Amrani")
    other = factories.MeetingRequestFactory(
        mission=day.mission, delegation=newcomer, host=day.sonatel
    )
    factories.MeetingFactory(
        request=other,
        venue=day.terrou_bi,
        table_number=1,
        start_at=m4.start_at,
        end_at=m4.end_at,
    )
    db.session.flush()
    with pytest.raises(EditRefused) as refused:
        outcomes.set_day_state(day.mission, actor, m4.id, "pending", m4.lock_version, now=AFTER)
    assert [str(r) for r in refused.value.reasons] == [
        "La table 1 (Hôtel Terrou-Bi) est déjà occupée à 10:00 par Maghreb Data – Sonatel."
    ]


def test_set_day_state_refuses_a_stale_version(day, actor):
    m5 = day.meetings["m5"]
    seen = m5.lock_version
    outcomes.set_day_state(day.mission, actor, m5.id, "held", seen, now=AFTER)
    with pytest.raises(StaleEdit) as stale:
        outcomes.set_day_state(day.mission, actor, m5.id, "no_show", seen, now=AFTER)
    assert str(stale.value.message).startswith("Quelqu’un d’autre a modifié ce rendez-vous")
    assert _state(m5.id) == "held"


def test_set_day_state_same_state_twice_is_not_an_error(day, actor):
    m1 = day.meetings["m1"]  # already held
    version = m1.lock_version
    meeting = outcomes.set_day_state(day.mission, actor, m1.id, "held", version - 1, now=AFTER)
    assert (meeting.outcome, meeting.lock_version) == ("held", version)


def test_set_day_state_refuses_an_outcome_before_the_meetings_day(day, actor):
    m8 = day.meetings["m8"]  # Nouakchott, 14 May
    evening_before = datetime(2026, 5, 13, 23, 30, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as refused:
        outcomes.set_day_state(
            day.mission, actor, m8.id, "held", m8.lock_version, now=evening_before
        )
    assert [str(r) for r in refused.value.errors[""]] == [
        "Ce rendez-vous n’a pas encore eu lieu : son issue peut être saisie à partir de son jour."
    ]
    morning = datetime(2026, 5, 14, 8, 0, tzinfo=UTC)
    outcomes.set_day_state(day.mission, actor, m8.id, "held", m8.lock_version, now=morning)
    assert _state(m8.id) == "held"


def test_set_day_state_cancelling_ahead_of_the_day_is_allowed(day, actor):
    m8 = day.meetings["m8"]
    before = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    outcomes.set_day_state(day.mission, actor, m8.id, "cancelled", m8.lock_version, now=before)
    assert _state(m8.id) == "cancelled"


def test_set_day_state_unknown_state_refused(day, actor):
    m5 = day.meetings["m5"]
    with pytest.raises(ValidationFailed):
        outcomes.set_day_state(day.mission, actor, m5.id, "maybe", m5.lock_version, now=AFTER)


def test_set_day_state_meeting_of_another_mission_not_found(day, actor):
    other = factories.MeetingFactory()
    with pytest.raises(NotFound):
        outcomes.set_day_state(day.mission, actor, other.id, "held", other.lock_version)


def test_load_day_sheet_lists_the_legs_day_in_time_and_table_order(day):
    sheet = outcomes.load_day_sheet(day.mission, day.dakar.id, date(2026, 5, 12), now=AFTER)
    assert [(m.start.strftime("%H:%M"), m.table, m.delegation, m.host) for m in sheet.meetings] == [
        ("09:00", 1, "Atlas Logiciels", "Banque de la Téranga"),
        ("09:30", 1, "Atlas Logiciels", "Sonatel"),
        ("09:30", 2, "Cyber Sahel", "Banque de la Téranga"),
        ("10:00", 1, "Cyber Sahel", "Senelec"),
        ("10:30", 1, "Atlas Logiciels", "Senelec"),
    ]
    assert [m.state for m in sheet.meetings] == ["held", "no_show", "held", "cancelled", "pending"]
    assert sheet.counts == outcomes.DayCounts(held=2, no_show=1, cancelled=1, pending=1)
    assert [len(group.meetings) for group in sheet.groups] == [1, 2, 1, 1]
    assert sheet.meetings[0].delegation_people == ("Karim Benali",)
    assert sheet.meetings[0].host_people == ("Mamadou Diop",)
    assert [(tab.leg.city, [d.day for d in tab.days]) for tab in sheet.legs] == [
        ("Dakar", [date(2026, 5, 12)]),
        ("Nouakchott", [date(2026, 5, 14)]),
    ]
    assert sheet.current_start is None


def test_load_day_sheet_defaults_to_today_and_the_round_under_way(day):
    now = datetime(2026, 5, 14, 9, 40, tzinfo=UTC)
    sheet = outcomes.load_day_sheet(day.mission, now=now)
    assert (sheet.leg.city, sheet.day, sheet.today) == ("Nouakchott", date(2026, 5, 14), now.date())
    assert sheet.counts == outcomes.DayCounts(held=2, no_show=0, cancelled=0, pending=1)
    assert sheet.current_start == datetime(2026, 5, 14, 9, 30, tzinfo=UTC)


def test_load_day_sheet_after_the_mission_shows_the_first_leg_and_day(day):
    sheet = outcomes.load_day_sheet(day.mission, now=AFTER)
    assert (sheet.leg.city, sheet.day) == ("Dakar", date(2026, 5, 12))


def test_load_day_sheet_leg_of_another_mission_not_found(day):
    other_leg = factories.LegFactory()
    with pytest.raises(NotFound):
        outcomes.load_day_sheet(day.mission, other_leg.id)
