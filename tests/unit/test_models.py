"""The rules that live in the database, checked against the real database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mission_app.extensions import db
from mission_app.models import Meeting, Mission, Organisation, Person
from tests import factories

NINE = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


def _meeting(venue, table=1, start=NINE, minutes=30, **kwargs):
    request = factories.MeetingRequestFactory(mission=venue.leg.mission)
    return factories.MeetingFactory(
        request=request,
        venue=venue,
        table_number=table,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        **kwargs,
    )


def _violates(constraint_name: str, error: IntegrityError, sqlite_says: str = "") -> bool:
    """PostgreSQL names the broken constraint; SQLite names unique ones by their columns."""
    message = str(error.orig)
    if db.engine.dialect.name == "sqlite" and sqlite_says:
        return sqlite_says in message
    return constraint_name in message


def test_meeting_on_a_taken_table_at_an_overlapping_time_is_refused(app_ctx):
    venue = factories.VenueFactory()
    _meeting(venue, table=2, start=NINE, minutes=60)
    db.session.commit()
    with pytest.raises(IntegrityError) as error:
        _meeting(venue, table=2, start=NINE + HALF_HOUR)
        db.session.flush()
    assert _violates("ex_meeting_table_overlap", error.value)


def test_meeting_on_the_same_table_right_after_another_is_allowed(app_ctx):
    venue = factories.VenueFactory()
    _meeting(venue, table=1, start=NINE)
    _meeting(venue, table=1, start=NINE + HALF_HOUR)
    _meeting(venue, table=2, start=NINE)
    db.session.commit()
    assert db.session.scalar(select(db.func.count(Meeting.id))) == 3


def test_cancelled_meeting_frees_its_table(app_ctx):
    venue = factories.VenueFactory()
    _meeting(venue, table=1, status="cancelled")
    _meeting(venue, table=1)
    db.session.commit()
    assert db.session.scalar(select(db.func.count(Meeting.id))) == 2


def test_moving_a_meeting_onto_a_taken_table_is_refused(app_ctx):
    venue = factories.VenueFactory()
    _meeting(venue, table=1)
    second = _meeting(venue, table=2)
    db.session.commit()
    second.table_number = 1
    with pytest.raises(IntegrityError) as error:
        db.session.flush()
    assert _violates("ex_meeting_table_overlap", error.value)


def test_meeting_ending_before_it_starts_is_refused(app_ctx):
    venue = factories.VenueFactory()
    with pytest.raises(IntegrityError) as error:
        _meeting(venue, minutes=-30)
        db.session.flush()
    assert _violates("ck_meeting_end_after_start", error.value)


def test_second_scheduled_meeting_for_one_request_is_refused(app_ctx):
    first = factories.MeetingFactory(table_number=1)
    db.session.commit()
    with pytest.raises(IntegrityError) as error:
        factories.MeetingFactory(request=first.request, venue=first.venue, table_number=2)
        db.session.flush()
    assert _violates(
        "uq_meeting_one_scheduled_per_request",
        error.value,
        "UNIQUE constraint failed: meeting.request_id",
    )


def test_cancelled_meeting_and_its_replacement_can_share_a_request(app_ctx):
    first = factories.MeetingFactory(table_number=1, status="cancelled")
    factories.MeetingFactory(request=first.request, venue=first.venue, table_number=2)
    db.session.commit()
    assert len(first.request.meetings) == 2


def test_delegation_firm_with_a_host_category_is_refused(app_ctx):
    with pytest.raises(IntegrityError) as error:
        factories.OrganisationFactory(side="delegation", category="distributor")
        db.session.flush()
    assert _violates("ck_organisation_category_matches_side", error.value)


def test_two_organisations_with_one_key_in_a_mission_are_refused(app_ctx):
    mission = factories.MissionFactory()
    factories.OrganisationFactory(mission=mission, key="ma-atlas")
    with pytest.raises(IntegrityError) as error:
        factories.OrganisationFactory(mission=mission, key="ma-atlas")
        db.session.flush()
    assert _violates(
        "uq_organisation_mission_id_key",
        error.value,
        "UNIQUE constraint failed: organisation.mission_id, organisation.key",
    )


def test_same_key_in_two_missions_is_allowed(app_ctx):
    factories.OrganisationFactory(key="ma-atlas")
    factories.OrganisationFactory(key="ma-atlas")
    db.session.commit()
    assert db.session.scalar(select(db.func.count(Organisation.id))) == 2


def test_deleting_a_mission_deletes_everything_in_it(app_ctx):
    meeting = factories.MeetingFactory()
    mission_id = meeting.mission_id
    factories.PersonFactory(organisation=meeting.request.delegation)
    db.session.commit()
    db.session.delete(db.session.get(Mission, mission_id))
    db.session.commit()
    assert db.session.scalar(select(db.func.count(Meeting.id))) == 0
    assert db.session.scalar(select(db.func.count(Person.id))) == 0
    assert db.session.scalar(select(db.func.count(Organisation.id))) == 0


def test_times_come_back_timezone_aware_in_utc(app_ctx):
    from zoneinfo import ZoneInfo

    dakar_nine = datetime(2026, 5, 12, 9, 0, tzinfo=ZoneInfo("Africa/Casablanca"))
    meeting = factories.MeetingFactory(start_at=dakar_nine, end_at=dakar_nine + HALF_HOUR)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Meeting, meeting.id)
    assert stored.start_at == dakar_nine
    assert stored.start_at.tzinfo is not None
    assert stored.start_at.utcoffset() == timedelta(0)


def test_naive_time_is_refused(app_ctx):
    with pytest.raises(Exception, match="naive datetime"):
        factories.MeetingFactory(start_at=datetime(2026, 5, 12, 9, 0))
        db.session.flush()


def test_each_person_gets_a_distinct_unguessable_token(app_ctx):
    first, second = factories.PersonFactory(), factories.PersonFactory()
    db.session.commit()
    assert first.access_token != second.access_token
    assert len(first.access_token) >= 32  # 24 random bytes, URL-safe base64
