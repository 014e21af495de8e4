"""Publishing the schedule: numbered versions, and what changed for whom.

Participants see the published schedule only (see services/agendas.py, source="published").
Publishing compares the working schedule (Meeting rows) with the last published state of each
meeting (PublishedMeeting rows) and, when something changed for someone, writes Publication
number n + 1 with one PublicationChange per meeting that changed, and the people it concerns.

Kinds of change, for a meeting:
- added: never published as scheduled before, scheduled now;
- moved: its time changed (its place may have changed too);
- changed: same time, but another venue or table, or other people attend;
- cancelled: published as scheduled, now cancelled or deleted;
- restored: published as cancelled, scheduled again.
The people concerned are those who attend before or after the change. Names, positions and
descriptions are refreshed in the published meetings with the next publication, but they do not
make one on their own: nobody needs an e-mail because a position was reworded.

The changelog's `before` and `after` are `MeetingState.to_json()`:
    {"meeting_id", "start", "end" (ISO 8601, UTC), "status", "sequence", "venue_id", "table",
     "person_ids", "details": {"venue": {"name", "address"}, "leg": {"city", "zone"}, "table",
     "delegation"/"host": {"id", "name", "category", "description"},
     "people": [{"id", "organisation_id", "name", "position"}]}}
`before` is None for a meeting published for the first time, `after` is None for a meeting that
was deleted. The published SEQUENCE goes up with every published change (at least the
meeting's own sequence), so that calendars replace the event they hold under the same UID.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import selectinload

from mission_app.extensions import db
from mission_app.models import (
    Activity,
    Leg,
    Mission,
    Person,
    Publication,
    PublicationChange,
    PublishedMeeting,
    User,
    publication_change_person,
)
from mission_app.models.types import utcnow
from mission_app.services.agendas import (
    AgendaEntry,
    Attendee,
    MeetingState,
    meeting_entry,
    working_meeting_states,
)
from mission_app.services.errors import ValidationFailed
from mission_app.services.meeting_edits import lock_mission

NOTE_MAX_LENGTH = 500
# How long the portal keeps listing a version's changes after it was first opened.
CHANGES_STAY_VISIBLE = timedelta(hours=72)
KIND_ORDER = ("added", "moved", "changed", "restored", "cancelled")


@dataclass(frozen=True)
class PendingChange:
    """A difference between the working schedule and the last publication."""

    meeting_id: int
    kind: str
    before: MeetingState | None  # as last published; None if never published
    after: MeetingState | None  # as it would be published; None if the meeting was deleted
    people: tuple[Attendee, ...]  # who attends before or after

    @property
    def current(self) -> MeetingState:
        """The state to name the meeting by: the new one, except for a cancellation, which
        names the meeting as people knew it."""
        if self.kind == "cancelled":
            return self.before or self.after
        return self.after or self.before


@dataclass(frozen=True)
class PersonChange:
    """What changed for one person in one meeting, seen from their side of the table."""

    meeting_id: int
    kind: str
    publication_number: int  # the last version that changed it
    before: AgendaEntry | None
    after: AgendaEntry | None

    @property
    def current(self) -> AgendaEntry:
        """As the person knew it for a cancellation, else as it is now."""
        if self.kind == "cancelled":
            return self.before or self.after
        return self.after or self.before


def _is_live(state: MeetingState | None, person_id: int | None = None) -> bool:
    """Scheduled, and attended by the person when one is given."""
    if state is None or state.status != "scheduled":
        return False
    return person_id is None or person_id in state.person_ids


def _place(state: MeetingState) -> tuple:
    return (
        state.venue_id,
        state.venue_name,
        state.venue_address,
        state.table,
        state.city,
        state.zone,
        tuple(sorted(state.person_ids)),
    )


def classify(
    before: MeetingState | None, after: MeetingState | None, person_id: int | None = None
) -> str | None:
    """The kind of change from `before` to `after`, or None when nobody needs to know. With a
    person, from their point of view: a meeting they no longer attend is cancelled for them."""
    live_before, live_after = _is_live(before, person_id), _is_live(after, person_id)
    if not live_before and not live_after:
        return None
    if not live_after:
        return "cancelled"
    if before is None or (person_id is not None and person_id not in before.person_ids):
        return "added"
    if not live_before:
        return "restored"
    if (before.start, before.end) != (after.start, after.end):
        return "moved"
    if _place(before) != _place(after):
        return "changed"
    return None


def _people(before: MeetingState | None, after: MeetingState | None) -> tuple[Attendee, ...]:
    seen: dict[int, Attendee] = {}
    for state in (after, before):
        for attendee in state.attendees if state else ():
            seen.setdefault(attendee.person_id, attendee)
    return tuple(seen.values())


def _compare(mission: Mission):
    """(changes, published rows by meeting id, working states by meeting id)."""
    rows = {
        row.meeting_id: row
        for row in db.session.scalars(
            select(PublishedMeeting).where(PublishedMeeting.mission_id == mission.id)
        )
    }
    working = {state.meeting_id: state for state in working_meeting_states(mission)}
    changes = []
    for meeting_id in sorted(rows.keys() | working.keys()):
        row = rows.get(meeting_id)
        before = MeetingState.from_published(row) if row else None
        after = working.get(meeting_id)
        kind = classify(before, after)
        if kind:
            changes.append(PendingChange(meeting_id, kind, before, after, _people(before, after)))
    changes.sort(key=lambda c: (KIND_ORDER.index(c.kind), c.current.start, c.meeting_id))
    return changes, rows, working


def preview_publication(mission: Mission) -> list[PendingChange]:
    """What publishing now would change, by kind then time. Empty: nothing to publish."""
    return _compare(mission)[0]


def latest_publication(mission: Mission) -> Publication | None:
    return db.session.scalar(
        select(Publication)
        .where(Publication.mission_id == mission.id)
        .order_by(Publication.number.desc())
        .limit(1)
    )


def list_publications(mission: Mission) -> list[Publication]:
    """Every version, newest first, with its changes and their people loaded."""
    return list(
        db.session.scalars(
            select(Publication)
            .where(Publication.mission_id == mission.id)
            .options(
                selectinload(Publication.published_by),
                selectinload(Publication.changes).selectinload(PublicationChange.people),
            )
            .order_by(Publication.number.desc())
        )
    )


def _write_row(row: PublishedMeeting, state: MeetingState, publication: Publication) -> None:
    row.start_at, row.end_at = state.start, state.end
    row.status, row.sequence = state.status, state.sequence
    row.venue_id, row.table_number = state.venue_id, state.table
    row.delegation_id = state.delegation.organisation_id
    row.host_id = state.host.organisation_id
    row.person_ids = state.person_ids
    row.details = state.details_json()
    row.publication_id = publication.id


def publish_schedule(mission: Mission, actor: User | None, note: str = "") -> Publication | None:
    """Publish the working schedule as the next version, or return None when nothing changed
    for anyone (and write nothing). Flushes; the caller commits."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            {
                "note": [
                    _l(
                        "The note is %(length)d characters long; at most %(limit)d are allowed.",
                        length=len(note),
                        limit=NOTE_MAX_LENGTH,
                    )
                ]
            }
        )
    # One publisher at a time per mission, the same lock as the grid's edits (a row lock on
    # PostgreSQL, the write lock taken at once on SQLite), so that two organisers, or a
    # double click, cannot publish the same number or the same change twice.
    lock_mission(mission)
    changes, rows, working = _compare(mission)
    if not changes:
        return None
    number = (
        db.session.scalar(
            select(func.max(Publication.number)).where(Publication.mission_id == mission.id)
        )
        or 0
    ) + 1
    publication = Publication(
        mission_id=mission.id,
        number=number,
        published_by_id=actor.id if actor else None,
        note=note,
    )
    db.session.add(publication)
    db.session.flush()
    concerned = {a.person_id for change in changes for a in change.people}
    people = {
        p.id: p
        for p in db.session.scalars(
            select(Person).where(Person.mission_id == mission.id, Person.id.in_(concerned))
        )
    }  # someone deleted since the last version is no longer told
    changed_ids = set()
    for change in changes:
        changed_ids.add(change.meeting_id)
        before, after = change.before, change.after
        if after is not None:
            published = after
            if before is not None:
                published = replace(after, sequence=max(after.sequence, before.sequence + 1))
        else:  # deleted: its last published state, cancelled
            published = replace(before, status="cancelled", sequence=before.sequence + 1)
        row = rows.get(change.meeting_id)
        if row is None:
            row = PublishedMeeting(mission_id=mission.id, meeting_id=change.meeting_id)
            db.session.add(row)
        _write_row(row, published, publication)
        db.session.add(
            PublicationChange(
                publication_id=publication.id,
                meeting_id=change.meeting_id,
                kind=change.kind,
                before=before.to_json() if before else None,
                after=published.to_json() if after is not None else None,
                people=[people[a.person_id] for a in change.people if a.person_id in people],
            )
        )
    # Names, positions and descriptions follow with this version, without a change of their own.
    for meeting_id, row in rows.items():
        state = working.get(meeting_id)
        if meeting_id in changed_ids or state is None or row.details == state.details_json():
            continue
        row.details = state.details_json()
    db.session.flush()
    return publication


def changes_for_person(
    mission: Mission, person: Person, since_number: int, until_number: int | None = None
) -> list[PersonChange]:
    """What changed for the person after version `since_number` (up to `until_number`, default
    the latest), one entry per meeting with its state before and after all those versions, from
    their side of the table, by time. A meeting moved twice shows once; one added then
    cancelled again does not show."""
    query = (
        select(PublicationChange, Publication.number)
        .join(Publication, PublicationChange.publication_id == Publication.id)
        .join(
            publication_change_person,
            publication_change_person.c.change_id == PublicationChange.id,
        )
        .where(
            Publication.mission_id == mission.id,
            Publication.number > since_number,
            publication_change_person.c.person_id == person.id,
        )
        .order_by(Publication.number, PublicationChange.id)
    )
    if until_number is not None:
        query = query.where(Publication.number <= until_number)
    first: dict[int, dict | None] = {}
    last: dict[int, tuple[dict | None, int]] = {}
    for change, number in db.session.execute(query):
        first.setdefault(change.meeting_id, change.before)
        after = change.after
        if after is None:  # deleted: its last state, cancelled
            after = dict(change.before, status="cancelled")
        last[change.meeting_id] = (after, number)
    result = []
    for meeting_id, before_json in first.items():
        after_json, number = last[meeting_id]
        before = MeetingState.from_json(before_json) if before_json else None
        after = MeetingState.from_json(after_json) if after_json else None
        kind = classify(before, after, person.id)
        if kind is None:
            continue

        def entry(state):
            return meeting_entry(mission.id, state, person.organisation_id) if state else None

        result.append(PersonChange(meeting_id, kind, number, entry(before), entry(after)))
    result.sort(key=lambda c: (c.current.start, c.meeting_id))
    return result


@dataclass(frozen=True)
class PortalVersion:
    """The version a participant's portal shows, and what changed for them since their last
    visit (empty on a first visit, or when they already saw this version)."""

    number: int
    published_at: datetime
    seen_before: int | None
    changes: list[PersonChange]


def portal_version(
    mission: Mission, person: Person, since: int | None = None
) -> PortalVersion | None:
    """The latest version for the person's portal, None before the first publication. Records
    that the person saw it (flushes), so that the same changes are not shown again. `since`
    (an older version) shows the changes after it again, for the same page in another
    language."""
    latest = latest_publication(mission)
    if latest is None:
        return None
    now = utcnow()
    seen = person.seen_publication_number
    if (
        seen == latest.number
        and person.previous_seen_publication_number is not None
        and person.seen_publication_at is not None
        and now - person.seen_publication_at < CHANGES_STAY_VISIBLE
    ):
        # opened already, maybe by a mail scanner: the same changes stay listed for a while
        seen = person.previous_seen_publication_number
    if since is not None and 0 <= since < latest.number:
        seen = since
    changes = []
    if seen is not None and seen < latest.number:
        changes = changes_for_person(mission, person, seen, latest.number)
    if person.seen_publication_number != latest.number:
        person.previous_seen_publication_number = person.seen_publication_number
        person.seen_publication_number = latest.number
        person.seen_publication_at = now
        db.session.flush()
    return PortalVersion(latest.number, latest.published_at, seen, changes)


# ----- the organisers' publish page ---------------------------------------------------------------


@dataclass(frozen=True)
class ChangeView:
    """One meeting's change as the publish page lists it."""

    kind: str
    before: MeetingState | None
    after: MeetingState | None
    people: tuple[str, ...]  # names of the people concerned, by name

    @property
    def current(self) -> MeetingState:
        if self.kind == "cancelled":
            return self.before or self.after
        return self.after or self.before


@dataclass(frozen=True)
class VersionView:
    publication: Publication
    groups: list[tuple[str, list[ChangeView]]]  # by kind, in KIND_ORDER
    people_count: int


@dataclass(frozen=True)
class PublishPage:
    pending: list[tuple[str, list[ChangeView]]]  # by kind; empty: nothing to publish
    pending_count: int
    pending_people: int
    versions: list[VersionView]  # newest first
    zone: str  # for the times of publication: the first leg's

    @property
    def latest(self) -> Publication | None:
        return self.versions[0].publication if self.versions else None


def _grouped(views: list[ChangeView]) -> list[tuple[str, list[ChangeView]]]:
    by_kind: dict[str, list[ChangeView]] = {}
    for view in views:
        by_kind.setdefault(view.kind, []).append(view)
    for views_of_kind in by_kind.values():
        views_of_kind.sort(key=lambda v: (v.current.start, v.current.meeting_id))
    return [(kind, by_kind[kind]) for kind in KIND_ORDER if kind in by_kind]


def publish_page(mission: Mission) -> PublishPage:
    """What the publish page shows: the pending changes and every version with its changelog,
    in a fixed number of queries."""
    changes = preview_publication(mission)
    pending = [
        ChangeView(c.kind, c.before, c.after, tuple(sorted(a.name for a in c.people)))
        for c in changes
    ]
    versions = []
    for publication in list_publications(mission):
        views = [
            ChangeView(
                change.kind,
                MeetingState.from_json(change.before) if change.before else None,
                MeetingState.from_json(change.after) if change.after else None,
                tuple(sorted(p.name for p in change.people)),
            )
            for change in publication.changes
        ]
        people = {p.id for change in publication.changes for p in change.people}
        versions.append(VersionView(publication, _grouped(views), len(people)))
    zone = db.session.scalar(
        select(Leg.timezone).where(Leg.mission_id == mission.id).order_by(Leg.position, Leg.id)
    )
    return PublishPage(
        pending=_grouped(pending),
        pending_count=len(pending),
        pending_people=len({a.person_id for change in changes for a in change.people}),
        versions=versions,
        zone=zone or "UTC",
    )


def published_at(mission: Mission) -> datetime | None:
    """When the latest version was published; None before the first."""
    return db.session.scalar(
        select(func.max(Publication.published_at)).where(Publication.mission_id == mission.id)
    )


def feeds_last_modified(mission: Mission) -> datetime:
    """When what participants' feeds show last changed: the latest publication (meetings), or
    the mission's own `updated_at`, which an edit of the mission or of any of its activities
    moves (activities are not versioned: they show at once)."""
    latest = published_at(mission)
    return max(latest, mission.updated_at) if latest else mission.updated_at


@event.listens_for(Activity, "after_insert")
@event.listens_for(Activity, "after_update")  # also when only its attendees changed
@event.listens_for(Activity, "after_delete")
def _programme_changed(_mapper, connection, activity: Activity) -> None:
    """An activity added, edited or removed changes the feeds now: their Last-Modified (the
    mission's updated_at) must move, or a client asking If-Modified-Since would miss it."""
    missions = Mission.__table__
    connection.execute(
        update(missions).where(missions.c.id == activity.mission_id).values(updated_at=utcnow())
    )


__all__ = [
    "KIND_ORDER",
    "PendingChange",
    "PersonChange",
    "PortalVersion",
    "PublishPage",
    "changes_for_person",
    "classify",
    "feeds_last_modified",
    "latest_publication",
    "list_publications",
    "preview_publication",
    "publish_page",
    "portal_version",
    "publish_schedule",
    "published_at",
]
