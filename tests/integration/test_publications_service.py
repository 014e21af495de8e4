"""Publishing the schedule: numbered versions, each change with exactly the people it concerns,
and what participants see in between."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.models import Publication, PublicationChange, PublishedMeeting
from mission_app.services.agendas import person_agenda
from mission_app.services.errors import ValidationFailed
from mission_app.services.publications import (
    changes_for_person,
    preview_publication,
    publish_schedule,
)
from tests import factories
from tests.factories import MEETING_DAY

HALF_HOUR = timedelta(minutes=30)


@pytest.fixture
def dakar(app_ctx):
    """Atlas (Salma, Youssef) meets Sonatel (Aminata) with everyone, and Banque (Moussa) with
    Youssef only. Another firm meets another host."""
    mission = factories.MissionFactory(title="Mission TIC")
    leg = factories.LegFactory(mission=mission, city="Dakar", timezone="Africa/Dakar")
    venue = factories.VenueFactory(
        leg=leg, name="Hôtel Terrou-Bi", address="Boulevard Martin Luther King", tables=4
    )
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas")
    salma = factories.PersonFactory(organisation=atlas, name="Salma", position="DG")
    youssef = factories.PersonFactory(organisation=atlas, name="Youssef", position="CTO")
    sonatel = factories.OrganisationFactory(
        mission=mission, name="Sonatel", host=True, description="Opérateur"
    )
    aminata = factories.PersonFactory(organisation=sonatel, name="Aminata", position="DSI")
    banque = factories.OrganisationFactory(mission=mission, name="Banque", host=True)
    moussa = factories.PersonFactory(organisation=banque, name="Moussa", position="Achats")
    other = factories.MeetingRequestFactory(mission=mission)
    other_person = factories.PersonFactory(organisation=other.delegation, name="Zoé")
    everyone = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=sonatel)
    two = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=banque)
    two.attendees.extend([youssef, moussa])
    sonatel_meeting = factories.MeetingFactory(request=everyone, venue=venue, table_number=2)
    banque_meeting = factories.MeetingFactory(
        request=two,
        venue=venue,
        table_number=1,
        start_at=MEETING_DAY + HALF_HOUR,
        end_at=MEETING_DAY + 2 * HALF_HOUR,
    )
    other_meeting = factories.MeetingFactory(request=other, venue=venue, table_number=3)
    db.session.commit()
    return dict(
        mission=mission,
        venue=venue,
        salma=salma,
        youssef=youssef,
        aminata=aminata,
        moussa=moussa,
        zoe=other_person,
        sonatel_meeting=sonatel_meeting,
        banque_meeting=banque_meeting,
        other_meeting=other_meeting,
    )


def _changes(publication):
    """(meeting id, kind, sorted names of the people concerned) of each change."""
    return sorted(
        (c.meeting_id, c.kind, sorted(p.name for p in c.people)) for c in publication.changes
    )


def test_first_publication_adds_every_scheduled_meeting_with_its_people(dakar):
    organiser = factories.UserFactory()
    publication = publish_schedule(dakar["mission"], organiser, note="  Première version  ")
    assert (publication.number, publication.published_by_id, publication.note) == (
        1,
        organiser.id,
        "Première version",
    )
    assert _changes(publication) == sorted(
        [
            (dakar["sonatel_meeting"].id, "added", ["Aminata", "Salma", "Youssef"]),
            (dakar["banque_meeting"].id, "added", ["Moussa", "Youssef"]),
            (dakar["other_meeting"].id, "added", ["Zoé"]),
        ]
    )
    row = db.session.scalar(
        select(PublishedMeeting).where(PublishedMeeting.meeting_id == dakar["banque_meeting"].id)
    )
    assert (row.status, row.sequence, row.table_number, row.publication_id) == (
        "scheduled",
        0,
        1,
        publication.id,
    )
    assert row.person_ids == [dakar["youssef"].id, dakar["moussa"].id]
    assert row.details == {
        "venue": {"name": "Hôtel Terrou-Bi", "address": "Boulevard Martin Luther King"},
        "leg": {"city": "Dakar", "zone": "Africa/Dakar"},
        "table": 1,
        "delegation": {
            "id": dakar["youssef"].organisation_id,
            "name": "Atlas",
            "category": "ict_firm",
            "description": "",
        },
        "host": {
            "id": dakar["moussa"].organisation_id,
            "name": "Banque",
            "category": "information_systems",
            "description": "",
        },
        "people": [
            {
                "id": dakar["youssef"].id,
                "organisation_id": dakar["youssef"].organisation_id,
                "name": "Youssef",
                "position": "CTO",
            },
            {
                "id": dakar["moussa"].id,
                "organisation_id": dakar["moussa"].organisation_id,
                "name": "Moussa",
                "position": "Achats",
            },
        ],
    }


def test_publishing_again_with_nothing_changed_returns_none_and_writes_nothing(dakar):
    assert publish_schedule(dakar["mission"], None).number == 1
    db.session.commit()
    assert preview_publication(dakar["mission"]) == []
    assert publish_schedule(dakar["mission"], None) is None
    assert db.session.scalar(select(func.count(Publication.id))) == 1


def test_moved_meeting_is_moved_for_exactly_its_attendees(dakar):
    publish_schedule(dakar["mission"], None)
    meeting = dakar["banque_meeting"]
    meeting.start_at += 4 * HALF_HOUR
    meeting.end_at += 4 * HALF_HOUR
    meeting.sequence += 1
    db.session.flush()
    (pending,) = preview_publication(dakar["mission"])
    assert (pending.meeting_id, pending.kind) == (meeting.id, "moved")
    assert [a.name for a in pending.people] == ["Youssef", "Moussa"]
    publication = publish_schedule(dakar["mission"], None)
    assert publication.number == 2
    assert _changes(publication) == [(meeting.id, "moved", ["Moussa", "Youssef"])]
    (change,) = publication.changes
    assert (change.before["start"], change.after["start"]) == (
        "2026-05-12T09:30:00+00:00",
        "2026-05-12T11:30:00+00:00",
    )
    assert (change.before["sequence"], change.after["sequence"]) == (0, 1)


def test_table_change_is_changed_and_gets_a_higher_sequence(dakar):
    publish_schedule(dakar["mission"], None)
    dakar["sonatel_meeting"].table_number = 4  # the meeting's own sequence is left as it was
    db.session.flush()
    publication = publish_schedule(dakar["mission"], None)
    assert _changes(publication) == [
        (dakar["sonatel_meeting"].id, "changed", ["Aminata", "Salma", "Youssef"])
    ]
    row = db.session.scalar(
        select(PublishedMeeting).where(PublishedMeeting.meeting_id == dakar["sonatel_meeting"].id)
    )
    assert (row.table_number, row.sequence, row.details["table"]) == (4, 1, 4)


def test_deleted_meeting_is_published_as_cancelled_with_a_higher_sequence(dakar):
    publish_schedule(dakar["mission"], None)
    meeting_id = dakar["banque_meeting"].id
    db.session.delete(dakar["banque_meeting"])
    db.session.flush()
    publication = publish_schedule(dakar["mission"], None)
    assert _changes(publication) == [(meeting_id, "cancelled", ["Moussa", "Youssef"])]
    assert publication.changes[0].after is None
    row = db.session.scalar(
        select(PublishedMeeting).where(PublishedMeeting.meeting_id == meeting_id)
    )
    assert (row.status, row.sequence, row.publication_id) == ("cancelled", 1, publication.id)
    # Still cancelled, and nothing more to say, in the next version.
    assert publish_schedule(dakar["mission"], None) is None


def test_cancelled_then_restored_meeting(dakar):
    publish_schedule(dakar["mission"], None)
    meeting = dakar["sonatel_meeting"]
    meeting.status = "cancelled"
    db.session.flush()
    cancelled = publish_schedule(dakar["mission"], None)
    assert [(c.kind, c.after["status"], c.after["sequence"]) for c in cancelled.changes] == [
        ("cancelled", "cancelled", 1)
    ]
    meeting.status = "scheduled"
    db.session.flush()
    restored = publish_schedule(dakar["mission"], None)
    assert _changes(restored) == [(meeting.id, "restored", ["Aminata", "Salma", "Youssef"])]
    assert restored.changes[0].after["sequence"] == 2


def test_meeting_cancelled_before_it_was_ever_published_is_not_announced(dakar):
    dakar["other_meeting"].status = "cancelled"
    db.session.flush()
    publication = publish_schedule(dakar["mission"], None)
    assert dakar["other_meeting"].id not in {c.meeting_id for c in publication.changes}
    assert person_agenda(dakar["mission"], dakar["zoe"], source="published").entries == ()


def test_person_removed_from_a_meeting_is_told_it_is_cancelled_for_them(dakar):
    publish_schedule(dakar["mission"], None)
    request = dakar["sonatel_meeting"].request
    request.attendees.extend([dakar["salma"], dakar["aminata"]])  # Youssef no longer attends
    db.session.flush()
    publication = publish_schedule(dakar["mission"], None)
    assert _changes(publication) == [
        (dakar["sonatel_meeting"].id, "changed", ["Aminata", "Salma", "Youssef"])
    ]
    (for_youssef,) = changes_for_person(dakar["mission"], dakar["youssef"], 1)
    assert (for_youssef.kind, for_youssef.after.own_people[0].name) == ("cancelled", "Salma")
    (for_salma,) = changes_for_person(dakar["mission"], dakar["salma"], 1)
    assert for_salma.kind == "changed"


def test_reworded_position_alone_publishes_nothing_and_follows_the_next_version(dakar):
    publish_schedule(dakar["mission"], None)
    dakar["aminata"].position = "Directrice des systèmes d'information"
    db.session.flush()
    assert publish_schedule(dakar["mission"], None) is None
    dakar["banque_meeting"].table_number = 2
    db.session.flush()
    publication = publish_schedule(dakar["mission"], None)
    assert [c.meeting_id for c in publication.changes] == [dakar["banque_meeting"].id]
    (entry,) = [
        e
        for e in person_agenda(dakar["mission"], dakar["salma"], source="published").entries
        if e.counterpart == "Sonatel"
    ]
    assert [(p.name, p.position) for p in entry.counterpart_people] == [
        ("Aminata", "Directrice des systèmes d'information")
    ]


def test_changes_for_a_person_collapse_each_meeting_since_the_version_they_saw(dakar):
    mission, youssef = dakar["mission"], dakar["youssef"]
    publish_schedule(mission, None)
    meeting = dakar["banque_meeting"]
    for _ in range(2):  # moved in version 2, and again in version 3
        meeting.start_at += 2 * HALF_HOUR
        meeting.end_at += 2 * HALF_HOUR
        meeting.sequence += 1
        db.session.flush()
        publish_schedule(mission, None)
    db.session.delete(dakar["sonatel_meeting"])
    db.session.flush()
    assert publish_schedule(mission, None).number == 4
    changes = changes_for_person(mission, youssef, 1)
    assert [(c.kind, c.current.counterpart) for c in changes] == [
        ("cancelled", "Sonatel"),
        ("moved", "Banque"),
    ]
    moved = changes[1]
    assert (moved.publication_number, moved.before.start, moved.after.start) == (
        3,
        MEETING_DAY + HALF_HOUR,
        MEETING_DAY + 5 * HALF_HOUR,
    )
    assert moved.after.sequence == 2
    assert [c.kind for c in changes_for_person(mission, youssef, 3)] == ["cancelled"]
    assert changes_for_person(mission, youssef, 4) == []
    assert [c.kind for c in changes_for_person(mission, youssef, 1, until_number=2)] == ["moved"]
    # Zoé's meeting never changed after version 1.
    assert changes_for_person(mission, dakar["zoe"], 1) == []
    # Seen from the first version: added then moved shows as added, at its latest time.
    (added,) = [c for c in changes_for_person(mission, youssef, 0) if c.meeting_id == meeting.id]
    assert (added.kind, added.before, added.after.start) == (
        "added",
        None,
        MEETING_DAY + 5 * HALF_HOUR,
    )


def test_participants_never_see_unpublished_edits(dakar):
    mission, salma = dakar["mission"], dakar["salma"]
    assert person_agenda(mission, salma, source="published").entries == ()
    publish_schedule(mission, None)
    published = person_agenda(mission, salma, source="published")
    assert published == person_agenda(mission, salma, source="working")
    dakar["sonatel_meeting"].start_at += 6 * HALF_HOUR
    dakar["sonatel_meeting"].end_at += 6 * HALF_HOUR
    dakar["sonatel_meeting"].request.host.name = "Sonatel Orange"
    db.session.flush()
    assert person_agenda(mission, salma, source="published") == published
    assert person_agenda(mission, salma, source="working") != published


def test_note_too_long_is_refused_and_nothing_is_written(dakar):
    with pytest.raises(ValidationFailed) as refused:
        publish_schedule(dakar["mission"], None, note="x" * 501)
    assert [str(r) for r in refused.value.errors["note"]] == [
        "La note compte 501 caractères ; 500 au plus sont permis."
    ]
    assert db.session.scalar(select(func.count(PublicationChange.id))) == 0
    assert db.session.scalar(select(func.count(PublishedMeeting.id))) == 0


def test_meeting_moved_then_cancelled_is_named_by_the_time_people_knew(dakar):
    mission, youssef = dakar["mission"], dakar["youssef"]
    publish_schedule(mission, None)
    meeting = dakar["banque_meeting"]
    meeting.start_at += 6 * HALF_HOUR
    meeting.end_at += 6 * HALF_HOUR
    meeting.status = "cancelled"
    db.session.flush()
    (pending,) = preview_publication(mission)
    assert (pending.kind, pending.current.start) == ("cancelled", MEETING_DAY + HALF_HOUR)
    publish_schedule(mission, None)
    (change,) = changes_for_person(mission, youssef, 1)
    assert (change.kind, change.current.start, change.current.status) == (
        "cancelled",
        MEETING_DAY + HALF_HOUR,
        "scheduled",
    )
