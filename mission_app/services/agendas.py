"""What each participant's agenda holds, as plain data for the portal, the PDFs and calendars.

Meetings come from one of two sources, and every caller says which:
- "published": the version participants were given (PublishedMeeting rows, see
  services/publications.py). The portal, the feeds, the portal PDF, `flask mission agenda`, the
  "all agendas" ZIP and the e-mails use it. Before the first publication it holds no meeting.
- "working": the organisers' current schedule (Meeting rows), for their own downloads.

Both go through `MeetingState`, so that a published meeting reads exactly like the working one
it was taken from. Activities are not versioned and always show as they are now.

An agenda is built in a fixed number of queries, for one person or for many at once. Times stay
in UTC with the zone of their leg beside them; exporters show them in that zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

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
    PublishedMeeting,
    Venue,
)

UID_DOMAIN = "trade-mission-manager"
Source = Literal["published", "working"]
SOURCES = ("published", "working")


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


# ----- a meeting as an agenda shows it -----------------------------------------------------------


@dataclass(frozen=True)
class MeetingSide:
    organisation_id: int
    name: str
    category: str
    description: str


@dataclass(frozen=True)
class Attendee:
    person_id: int
    organisation_id: int
    name: str
    position: str


@dataclass(frozen=True)
class MeetingState:
    """One meeting with everything an agenda shows about it, from either source.

    `details_json()` is what a publication freezes (PublishedMeeting.details); `to_json()` adds
    the time, status and place, for a changelog's before and after.
    """

    meeting_id: int
    start: datetime
    end: datetime
    status: str
    sequence: int
    venue_id: int | None
    venue_name: str
    venue_address: str
    table: int | None
    city: str
    zone: str
    delegation: MeetingSide
    host: MeetingSide
    attendees: tuple[Attendee, ...]  # delegation's and host's, each side by name

    @property
    def person_ids(self) -> list[int]:
        return [a.person_id for a in self.attendees]

    def details_json(self) -> dict:
        def side(s: MeetingSide) -> dict:
            return {
                "id": s.organisation_id,
                "name": s.name,
                "category": s.category,
                "description": s.description,
            }

        return {
            "venue": {"name": self.venue_name, "address": self.venue_address},
            "leg": {"city": self.city, "zone": self.zone},
            "table": self.table,
            "delegation": side(self.delegation),
            "host": side(self.host),
            "people": [
                {
                    "id": a.person_id,
                    "organisation_id": a.organisation_id,
                    "name": a.name,
                    "position": a.position,
                }
                for a in self.attendees
            ],
        }

    def to_json(self) -> dict:
        return {
            "meeting_id": self.meeting_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "status": self.status,
            "sequence": self.sequence,
            "venue_id": self.venue_id,
            "table": self.table,
            "person_ids": self.person_ids,
            "details": self.details_json(),
        }

    @classmethod
    def from_json(cls, data: dict) -> MeetingState:
        return cls._from_parts(
            data["meeting_id"],
            datetime.fromisoformat(data["start"]),
            datetime.fromisoformat(data["end"]),
            data["status"],
            data["sequence"],
            data["venue_id"],
            data["details"],
        )

    @classmethod
    def from_published(cls, row: PublishedMeeting) -> MeetingState:
        return cls._from_parts(
            row.meeting_id,
            row.start_at,
            row.end_at,
            row.status,
            row.sequence,
            row.venue_id,
            row.details,
        )

    @classmethod
    def _from_parts(cls, meeting_id, start, end, status, sequence, venue_id, details: dict):
        def side(d: dict) -> MeetingSide:
            return MeetingSide(d["id"], d["name"], d["category"], d["description"])

        return cls(
            meeting_id=meeting_id,
            start=start,
            end=end,
            status=status,
            sequence=sequence,
            venue_id=venue_id,
            venue_name=details["venue"]["name"],
            venue_address=details["venue"]["address"],
            table=details["table"],
            city=details["leg"]["city"],
            zone=details["leg"]["zone"],
            delegation=side(details["delegation"]),
            host=side(details["host"]),
            attendees=tuple(
                Attendee(p["id"], p["organisation_id"], p["name"], p["position"])
                for p in details["people"]
            ),
        )

    @classmethod
    def from_meeting(cls, meeting: Meeting) -> MeetingState:
        """From the working schedule; needs the request's people and the venue's leg loaded."""
        request = meeting.request
        people = request.attendees or [*request.delegation.people, *request.host.people]
        delegation_first = sorted(
            people, key=lambda p: p.organisation_id != request.delegation_id
        )  # stable: each side keeps its order by name
        leg = meeting.venue.leg
        return cls(
            meeting_id=meeting.id,
            start=meeting.start_at,
            end=meeting.end_at,
            status=meeting.status,
            sequence=meeting.sequence,
            venue_id=meeting.venue_id,
            venue_name=meeting.venue.name,
            venue_address=meeting.venue.address,
            table=meeting.table_number,
            city=leg.city,
            zone=leg.timezone,
            delegation=_side(request.delegation),
            host=_side(request.host),
            attendees=tuple(
                Attendee(p.id, p.organisation_id, p.name, p.position) for p in delegation_first
            ),
        )


def _side(organisation: Organisation) -> MeetingSide:
    return MeetingSide(
        organisation.id, organisation.name, organisation.category, organisation.description
    )


def working_meeting_loaders() -> tuple:
    """Loader options for `MeetingState.from_meeting`, in a fixed number of queries."""
    request = selectinload(Meeting.request)
    return (
        request.selectinload(MeetingRequest.attendees),
        request.selectinload(MeetingRequest.delegation).selectinload(Organisation.people),
        request.selectinload(MeetingRequest.host).selectinload(Organisation.people),
        selectinload(Meeting.venue).selectinload(Venue.leg),
    )


def working_meeting_states(
    mission: Mission, organisation_ids: Iterable[int] | None = None
) -> list[MeetingState]:
    """The working schedule's meetings (cancelled included), all or those of these
    organisations."""
    query = select(Meeting).where(Meeting.mission_id == mission.id)
    if organisation_ids is not None:
        ids = list(organisation_ids)
        query = query.join(MeetingRequest, Meeting.request_id == MeetingRequest.id).where(
            or_(MeetingRequest.delegation_id.in_(ids), MeetingRequest.host_id.in_(ids))
        )
    query = query.options(*working_meeting_loaders()).order_by(Meeting.id)
    return [MeetingState.from_meeting(m) for m in db.session.scalars(query)]


def published_meeting_states(
    mission: Mission, organisation_ids: Iterable[int] | None = None
) -> list[MeetingState]:
    """The meetings as last published (cancellations included), all or those of these
    organisations. Empty before the first publication."""
    query = select(PublishedMeeting).where(PublishedMeeting.mission_id == mission.id)
    if organisation_ids is not None:
        ids = list(organisation_ids)
        query = query.where(
            or_(PublishedMeeting.delegation_id.in_(ids), PublishedMeeting.host_id.in_(ids))
        )
    query = query.order_by(PublishedMeeting.meeting_id)
    return [MeetingState.from_published(row) for row in db.session.scalars(query)]


def meeting_states(
    mission: Mission, source: Source, organisation_ids: Iterable[int] | None = None
) -> list[MeetingState]:
    if source == "published":
        return published_meeting_states(mission, organisation_ids)
    if source == "working":
        return working_meeting_states(mission, organisation_ids)
    raise ValueError(f"unknown agenda source {source!r}")


def meeting_entry(mission_id: int, state: MeetingState, organisation_id: int) -> AgendaEntry:
    """The meeting as the agenda of `organisation_id` (one of its two sides) shows it."""
    ours_is_delegation = state.delegation.organisation_id == organisation_id
    ours, theirs = (
        (state.delegation, state.host) if ours_is_delegation else (state.host, state.delegation)
    )

    def refs(side: MeetingSide) -> tuple[PersonRef, ...]:
        return tuple(
            PersonRef(a.name, a.position, side.name)
            for a in state.attendees
            if a.organisation_id == side.organisation_id
        )

    return AgendaEntry(
        uid=_uid("meeting", state.meeting_id, mission_id),
        kind="meeting",
        title=theirs.name,
        start=state.start,
        end=state.end,
        zone=state.zone,
        city=state.city,
        location=state.venue_name,
        address=state.venue_address,
        table=state.table,
        status=state.status,
        sequence=state.sequence,
        counterpart=theirs.name,
        counterpart_category=theirs.category,
        counterpart_description=theirs.description,
        counterpart_people=refs(theirs),
        own_people=refs(ours),
    )


# ----- agendas -----------------------------------------------------------------------------------


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


def _activity_entry(mission: Mission, activity: Activity, leg: Leg | None, own) -> AgendaEntry:
    return AgendaEntry(
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


def _activities(mission: Mission, with_attendees: bool) -> list[Activity]:
    query = select(Activity).where(Activity.mission_id == mission.id).order_by(Activity.id)
    if with_attendees:
        query = query.options(selectinload(Activity.attendees).selectinload(Person.organisation))
    return list(db.session.scalars(query))


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


def person_agendas(
    mission: Mission, people: Iterable[Person], *, source: Source
) -> dict[int, Agenda]:
    """The agendas of many people at once (person id -> agenda), in as many queries as one:
    the shared data (legs, meetings, activities) is loaded once."""
    people = list(people)
    legs = _legs(mission)
    leg_by_id = {leg.id: leg for leg in legs}
    states = meeting_states(mission, source, {p.organisation_id for p in people})
    meetings_by_person: dict[int, list[MeetingState]] = defaultdict(list)
    for state in states:
        for person_id in state.person_ids:
            meetings_by_person[person_id].append(state)
    activities_by_person: dict[int, list[Activity]] = defaultdict(list)
    for activity in _activities(mission, with_attendees=True):
        for attendee in activity.attendees:
            activities_by_person[attendee.id].append(activity)
    agendas = {}
    for person in people:
        entries = [
            meeting_entry(mission.id, state, person.organisation_id)
            for state in meetings_by_person[person.id]
        ]
        entries += [
            _activity_entry(
                mission,
                activity,
                leg_by_id.get(activity.leg_id),
                [p for p in activity.attendees if p.id == person.id],
            )
            for activity in activities_by_person[person.id]
        ]
        agendas[person.id] = _agenda(
            mission,
            person.name,
            person.organisation.name,
            person_locale(person, mission),
            entries,
            legs,
        )
    return agendas


def person_agenda(mission: Mission, person: Person, *, source: Source) -> Agenda:
    """The person's meetings (those they attend, cancelled ones included) and activities."""
    return person_agendas(mission, [person], source=source)[person.id]


def organisation_agenda(mission: Mission, organisation: Organisation, *, source: Source) -> Agenda:
    """Every meeting and activity of any of the organisation's people."""
    legs = _legs(mission)
    leg_by_id = {leg.id: leg for leg in legs}
    people = {p.id for p in organisation.people}
    entries = [
        meeting_entry(mission.id, state, organisation.id)
        for state in meeting_states(mission, source, {organisation.id})
    ]
    for activity in _activities(mission, with_attendees=True):
        own = [p for p in activity.attendees if p.id in people]
        if own:
            entries.append(_activity_entry(mission, activity, leg_by_id.get(activity.leg_id), own))
    return _agenda(mission, organisation.name, organisation.name, mission.locale, entries, legs)


def programme_agenda(mission: Mission) -> Agenda:
    """The public programme: activities only, no names of attendees (not versioned)."""
    legs = _legs(mission)
    leg_by_id = {leg.id: leg for leg in legs}
    entries = [
        _activity_entry(mission, activity, leg_by_id.get(activity.leg_id), [])
        for activity in _activities(mission, with_attendees=False)
    ]
    return _agenda(mission, mission.title, mission.organiser, mission.locale, entries, legs)


__all__ = [
    "SOURCES",
    "Agenda",
    "AgendaEntry",
    "Attendee",
    "LegInfo",
    "MeetingSide",
    "MeetingState",
    "PersonRef",
    "Source",
    "meeting_entry",
    "meeting_states",
    "organisation_agenda",
    "person_agenda",
    "person_agendas",
    "person_locale",
    "programme_agenda",
    "published_meeting_states",
    "working_meeting_states",
]
