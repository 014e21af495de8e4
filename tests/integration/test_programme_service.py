"""The activities service: times in the leg's zone, capacity, attendees and their clashes."""

from datetime import UTC, datetime

import pytest

from mission_app.extensions import db
from mission_app.models import Activity
from mission_app.services import programme
from mission_app.services.errors import NotFound, ValidationFailed
from tests import factories


@pytest.fixture(autouse=True)
def request_ctx(app_ctx):
    """Reasons are translated into the request's language (French by default)."""
    with app_ctx.test_request_context():
        yield


@pytest.fixture
def lagos(mission):
    """A leg one hour ahead of UTC all year (no summer time), so conversions show."""
    return factories.LegFactory(
        mission=mission, city="Lagos", country="NG", timezone="Africa/Lagos"
    )


def _input(leg, **changes) -> programme.ActivityInput:
    values = dict(
        kind="workshop",
        title="Atelier marché des TIC",
        leg_id=leg.id,
        start=datetime(2026, 5, 12, 15, 0),
        end=datetime(2026, 5, 12, 17, 0),
        location="Hôtel Terrou-Bi",
        capacity=None,
    )
    values.update(changes)
    return programme.ActivityInput(**values)


def _reasons(failure, field):
    return [str(reason) for reason in failure.value.errors[field]]


def test_create_activity_stores_wall_clock_times_as_utc(organiser, mission, lagos):
    person = factories.PersonFactory(organisation__mission=mission)
    activity = programme.create_activity(
        organiser, mission, _input(lagos, attendee_ids=(person.id,), capacity=30)
    )
    assert activity.start_at == datetime(2026, 5, 12, 14, 0, tzinfo=UTC)
    assert activity.end_at == datetime(2026, 5, 12, 16, 0, tzinfo=UTC)
    assert activity.key == "atelier-marche-des-tic"
    assert [p.id for p in activity.attendees] == [person.id]
    assert activity.capacity == 30


def test_create_activity_with_end_before_start_is_refused(organiser, mission, lagos):
    with pytest.raises(ValidationFailed) as failure:
        programme.create_activity(
            organiser, mission, _input(lagos, end=datetime(2026, 5, 12, 14, 0))
        )
    assert list(failure.value.errors) == ["end"]
    assert db.session.query(Activity).count() == 0


def test_create_activity_in_a_leg_of_another_mission_is_refused(organiser, mission):
    other_leg = factories.LegFactory()
    with pytest.raises(ValidationFailed) as failure:
        programme.create_activity(organiser, mission, _input(other_leg))
    assert list(failure.value.errors) == ["leg_id"]


def test_create_activity_with_more_attendees_than_capacity_is_refused(organiser, mission, lagos):
    firm = factories.OrganisationFactory(mission=mission)
    people = factories.PersonFactory.create_batch(3, organisation=firm)
    with pytest.raises(ValidationFailed) as failure:
        programme.create_activity(
            organiser, mission, _input(lagos, capacity=2, attendee_ids=tuple(p.id for p in people))
        )
    assert _reasons(failure, "attendees") == [
        "Cette activité accueille 2 personnes et 3 sont choisies."
    ]


def test_create_activity_with_a_person_of_another_mission_is_refused(organiser, mission, lagos):
    stranger = factories.PersonFactory()
    with pytest.raises(ValidationFailed) as failure:
        programme.create_activity(organiser, mission, _input(lagos, attendee_ids=(stranger.id,)))
    assert _reasons(failure, "attendees") == [
        "Choisissez les participants parmi les personnes de cette mission."
    ]


def test_create_activity_names_the_attendee_already_at_an_overlapping_activity(
    organiser, mission, lagos
):
    person = factories.PersonFactory(organisation__mission=mission, name="Salma Tazi")
    programme.create_activity(
        organiser, mission, _input(lagos, title="Visite Sonatel", attendee_ids=(person.id,))
    )
    overlapping = _input(
        lagos,
        title="Plénière",
        start=datetime(2026, 5, 12, 16, 30),
        end=datetime(2026, 5, 12, 18, 0),
        attendee_ids=(person.id,),
    )
    with pytest.raises(ValidationFailed) as failure:
        programme.create_activity(organiser, mission, overlapping)
    assert _reasons(failure, "attendees") == [
        "Salma Tazi participe déjà à « Visite Sonatel » à ce moment-là "
        "(mar. 12 mai 2026, 15:00–17:00)."
    ]


def test_back_to_back_activities_do_not_clash(organiser, mission, lagos):
    person = factories.PersonFactory(organisation__mission=mission)
    programme.create_activity(organiser, mission, _input(lagos, attendee_ids=(person.id,)))
    later = programme.create_activity(
        organiser,
        mission,
        _input(
            lagos,
            start=datetime(2026, 5, 12, 17, 0),
            end=datetime(2026, 5, 12, 18, 0),
            attendee_ids=(person.id,),
        ),
    )
    assert [p.id for p in later.attendees] == [person.id]


def test_update_activity_does_not_clash_with_itself(organiser, mission, lagos):
    person = factories.PersonFactory(organisation__mission=mission)
    activity = programme.create_activity(
        organiser, mission, _input(lagos, attendee_ids=(person.id,))
    )
    programme.update_activity(
        organiser,
        activity,
        _input(
            lagos,
            title="Atelier prolongé",
            end=datetime(2026, 5, 12, 18, 0),
            attendee_ids=(person.id,),
        ),
    )
    assert activity.title == "Atelier prolongé"
    assert activity.end_at == datetime(2026, 5, 12, 17, 0, tzinfo=UTC)


def test_include_delegation_adds_every_delegation_person_and_no_host(organiser, mission, lagos):
    firm = factories.OrganisationFactory(mission=mission)
    delegates = factories.PersonFactory.create_batch(2, organisation=firm)
    host = factories.OrganisationFactory(mission=mission, host=True)
    host_person = factories.PersonFactory(organisation=host)
    activity = programme.create_activity(
        organiser, mission, _input(lagos, attendee_ids=(host_person.id,), include_delegation=True)
    )
    assert {p.id for p in activity.attendees} == {delegates[0].id, delegates[1].id, host_person.id}


def test_load_programme_groups_by_leg_then_local_day(organiser, mission, lagos):
    dakar = factories.LegFactory(mission=mission, position=2)
    lagos.position = 1
    # 23:30 in Lagos is still 12 May; 00:30 on 13 May in Lagos is 23:30 UTC on 12 May.
    late = programme.create_activity(
        organiser,
        mission,
        _input(
            lagos,
            title="Dîner",
            kind="social",
            start=datetime(2026, 5, 12, 21, 0),
            end=datetime(2026, 5, 12, 23, 30),
        ),
    )
    after_midnight = programme.create_activity(
        organiser,
        mission,
        _input(
            lagos,
            title="Transfert",
            kind="transfer",
            start=datetime(2026, 5, 13, 0, 30),
            end=datetime(2026, 5, 13, 1, 30),
        ),
    )
    in_dakar = programme.create_activity(organiser, mission, _input(dakar, title="Visite"))
    groups = programme.load_programme(mission)
    assert [(g.leg.city, g.zone) for g in groups] == [
        ("Lagos", "Africa/Lagos"),
        ("Dakar", "Africa/Dakar"),
    ]
    assert [(str(d.day), [a.id for a in d.activities]) for d in groups[0].days] == [
        ("2026-05-12", [late.id]),
        ("2026-05-13", [after_midnight.id]),
    ]
    assert [a.id for a in groups[1].days[0].activities] == [in_dakar.id]


def test_get_activity_of_another_mission_is_not_found(mission):
    other = factories.ActivityFactory()
    with pytest.raises(NotFound):
        programme.get_activity(mission, other.id)


def test_delete_activity_keeps_its_attendees(organiser, mission, lagos):
    person = factories.PersonFactory(organisation__mission=mission)
    activity = programme.create_activity(
        organiser, mission, _input(lagos, attendee_ids=(person.id,))
    )
    programme.delete_activity(organiser, activity)
    assert db.session.query(Activity).count() == 0
    assert db.session.get(type(person), person.id) is person


def test_find_meeting_clashes_names_attendees_who_have_a_meeting_then(organiser, mission, lagos):
    request = factories.MeetingRequestFactory(mission=mission)
    delegate = factories.PersonFactory(organisation=request.delegation, name="Amine Benali")
    factories.PersonFactory(organisation=request.host, name="Awa Diop")
    venue = factories.VenueFactory(leg=lagos, name="Hôtel Eko")
    # 09:00–09:30 UTC is 10:00–10:30 in Lagos.
    factories.MeetingFactory(request=request, venue=venue)
    activity = programme.create_activity(
        organiser,
        mission,
        _input(
            lagos,
            start=datetime(2026, 5, 12, 10, 15),
            end=datetime(2026, 5, 12, 11, 0),
            attendee_ids=(delegate.id,),
        ),
    )
    assert [str(reason) for reason in programme.find_meeting_clashes(activity)] == [
        f"Amine Benali a un rendez-vous à ce moment-là ({request.delegation.name} – "
        f"{request.host.name}, 10:00) : déplacez-le, ou retirez cette personne de l'activité."
    ]


def test_find_meeting_clashes_ignores_people_left_out_of_the_meeting(organiser, mission, lagos):
    request = factories.MeetingRequestFactory(mission=mission)
    delegates = factories.PersonFactory.create_batch(2, organisation=request.delegation)
    request.attendees = [delegates[0]]
    factories.MeetingFactory(request=request, venue=factories.VenueFactory(leg=lagos))
    activity = programme.create_activity(
        organiser,
        mission,
        _input(
            lagos,
            start=datetime(2026, 5, 12, 10, 0),
            end=datetime(2026, 5, 12, 10, 30),
            attendee_ids=(delegates[1].id,),
        ),
    )
    assert programme.find_meeting_clashes(activity) == []
