"""What each participant's agenda holds, as plain data for the portal, the PDFs and calendars.

An agenda is built in a fixed number of queries. Times stay in UTC with the zone of their leg
beside them; exporters show them in that zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from mission_app.extensions import db
from mission_app.models import (
    Activity,
    Leg,
    Meeting,
    MeetingRequest,
    Mission,
    Organisation,
    Person,
    Venue,
)

UID_DOMAIN = "trade-mission-manager"


@dataclass(frozen=True)
class PersonRef:
    name: str
    position: str
    organisation: str
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class AgendaEntry:
    """One meeting or activity. `uid` never changes for the same meeting or activity."""

    uid: str
    kind: str  # "meeting" or an activity kind: workshop, site_visit, plenary, social, transfer
    title: str  # the activity's title; for a meeting, the counterpart organisation's name
    start: datetime  # UTC
    end: datetime
    zone: str  # IANA zone of the leg, for showing times
    city: str
    location: str  # venue or place name
    address: str
    table: int | None = None
    status: str = "scheduled"  # or "cancelled"
    sequence: int = 0
    counterpart: str = ""  # the other organisation, for meetings
    counterpart_category: str = ""
    counterpart_description: str = ""
    counterpart_people: tuple[PersonRef, ...] = ()
    own_people: tuple[PersonRef, ...] = ()  # who attends from the agenda holder's side


@dataclass(frozen=True)
class LegInfo:
    city: str
    country: str
    zone: str


@dataclass(frozen=True)
class Agenda:
    mission_id: int
    mission_title: str
    organiser: str
    holder: str  # the person, the organisation or the mission
    holder_organisation: str
    locale: str  # fr | en | ar
    legs: tuple[LegInfo, ...]
    entries: tuple[AgendaEntry, ...]  # by start time, cancelled ones included


def _ref(person: Person) -> PersonRef:
    return PersonRef(
        person.name, person.position, person.organisation.name, person.email, person.phone
    )


def _uid(kind: str, row_id: int, mission_id: int) -> str:
    return f"{kind}-{row_id}.mission-{mission_id}@{UID_DOMAIN}"


def _legs(mission: Mission) -> list[Leg]:
    return list(
        db.session.scalars(
            select(Leg).where(Leg.mission_id == mission.id).order_by(Leg.position, Leg.id)
        )
    )


def _meeting_entries(
    mission: Mission, organisation_ids: set[int], person_ids: set[int] | None
) -> list[AgendaEntry]:
    """Meetings of these organisations; with `person_ids`, only those these people attend."""
    requests = db.session.scalars(
        select(MeetingRequest)
        .where(
            MeetingRequest.mission_id == mission.id,
            or_(
                MeetingRequest.delegation_id.in_(organisation_ids),
                MeetingRequest.host_id.in_(organisation_ids),
            ),
        )
        .options(
            selectinload(MeetingRequest.attendees).selectinload(Person.organisation),
            selectinload(MeetingRequest.delegation)
            .selectinload(Organisation.people)
            .selectinload(Person.organisation),
            selectinload(MeetingRequest.host)
            .selectinload(Organisation.people)
            .selectinload(Person.organisation),
            selectinload(MeetingRequest.meetings)
            .selectinload(Meeting.venue)
            .selectinload(Venue.leg),
        )
    ).all()
    entries = []
    for request in requests:
        ours_is_delegation = request.delegation_id in organisation_ids
        ours, theirs = (
            (request.delegation, request.host)
            if ours_is_delegation
            else (request.host, request.delegation)
        )
        attendees = request.attendees or [*request.delegation.people, *request.host.people]
        own = [p for p in attendees if p.organisation_id == ours.id]
        if person_ids is not None and not any(p.id in person_ids for p in own):
            continue
        others = [p for p in attendees if p.organisation_id == theirs.id]
        for meeting in request.meetings:
            leg = meeting.venue.leg
            entries.append(
                AgendaEntry(
                    uid=_uid("meeting", meeting.id, mission.id),
                    kind="meeting",
                    title=theirs.name,
                    start=meeting.start_at,
                    end=meeting.end_at,
                    zone=leg.timezone,
                    city=leg.city,
                    location=meeting.venue.name,
                    address=meeting.venue.address,
                    table=meeting.table_number,
                    status=meeting.status,
                    sequence=meeting.sequence,
                    counterpart=theirs.name,
                    counterpart_category=theirs.category,
                    counterpart_description=theirs.description,
                    counterpart_people=tuple(_ref(p) for p in others),
                    own_people=tuple(_ref(p) for p in own),
                )
            )
    return entries


def _activity_entries(
    mission: Mission, person_ids: set[int] | None, legs: list[Leg]
) -> list[AgendaEntry]:
    """Activities these people attend; with None, the whole public programme."""
    query = select(Activity).where(Activity.mission_id == mission.id)
    if person_ids is not None:
        query = query.options(selectinload(Activity.attendees).selectinload(Person.organisation))
    leg_by_id = {leg.id: leg for leg in legs}
    entries = []
    for activity in db.session.scalars(query):
        own = []
        if person_ids is not None:
            own = [p for p in activity.attendees if p.id in person_ids]
            if not own:
                continue
        leg = leg_by_id.get(activity.leg_id)
        entries.append(
            AgendaEntry(
                uid=_uid("activity", activity.id, mission.id),
                kind=activity.kind,
                title=activity.title,
                start=activity.start_at,
                end=activity.end_at,
                zone=leg.timezone if leg else "UTC",
                city=leg.city if leg else "",
                location=activity.location,
                address=activity.address,
                own_people=tuple(_ref(p) for p in own),
            )
        )
    return entries


def _agenda(
    mission: Mission, holder: str, holder_organisation: str, locale: str, entries, legs
) -> Agenda:
    return Agenda(
        mission_id=mission.id,
        mission_title=mission.title,
        organiser=mission.organiser,
        holder=holder,
        holder_organisation=holder_organisation,
        locale=locale,
        legs=tuple(LegInfo(leg.city, leg.country, leg.timezone) for leg in legs),
        entries=tuple(sorted(entries, key=lambda e: (e.start, e.end, e.title, e.uid))),
    )


def person_locale(person: Person, mission: Mission) -> str:
    """The person's first language the documents speak, else the mission's."""
    return next((lang for lang in person.languages if lang in ("fr", "en", "ar")), mission.locale)


def person_agenda(mission: Mission, person: Person) -> Agenda:
    legs = _legs(mission)
    ids = {person.id}
    entries = _meeting_entries(mission, {person.organisation_id}, ids)
    entries += _activity_entries(mission, ids, legs)
    return _agenda(
        mission,
        person.name,
        person.organisation.name,
        person_locale(person, mission),
        entries,
        legs,
    )


def organisation_agenda(mission: Mission, organisation: Organisation) -> Agenda:
    """Every meeting and activity of any of the organisation's people."""
    legs = _legs(mission)
    people = {p.id for p in organisation.people}
    entries = _meeting_entries(mission, {organisation.id}, None)
    entries += _activity_entries(mission, people, legs)
    return _agenda(mission, organisation.name, organisation.name, mission.locale, entries, legs)


def programme_agenda(mission: Mission) -> Agenda:
    """The public programme: activities only, no names of attendees."""
    legs = _legs(mission)
    return _agenda(
        mission,
        mission.title,
        mission.organiser,
        mission.locale,
        _activity_entries(mission, None, legs),
        legs,
    )


__all__ = [
    "Agenda",
    "AgendaEntry",
    "LegInfo",
    "PersonRef",
    "organisation_agenda",
    "person_agenda",
    "person_locale",
    "programme_agenda",
]
