"""The mission day: what became of each meeting, recorded by organisers walking between tables.

A meeting's state on the day is one of four:
- held, or no-show: `Meeting.outcome`, for a meeting still on the schedule;
- cancelled: `Meeting.status == "cancelled"`, through the schedule editor's `cancel_meeting`,
  so that calendars and the next publication see a cancellation like any other;
- not recorded (`pending`): neither.

Going back to "not recorded" undoes any of them; for a cancelled meeting that means restoring
it, which the schedule editor refuses if its table or its people have been given away since.
Each change checks the version of the meeting the organiser saw, so that two organisers
tapping the same meeting cannot overwrite each other without knowing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from mission_app.extensions import db
from mission_app.models import Leg, Meeting, MeetingRequest, Mission, Organisation, User, Venue
from mission_app.services.errors import NotFound, ValidationFailed
from mission_app.services.meeting_edits import (
    StaleEdit,
    cancel_meeting,
    lock_mission,
    restore_meeting,
)

DAY_STATES = ("held", "no_show", "cancelled", "pending")
STALE_MESSAGE = _l(
    "Someone else changed this meeting in the meantime: here it is as it is now. "
    "Tap again if it still needs changing."
)


def day_state(meeting: Meeting) -> str:
    if meeting.status == "cancelled":
        return "cancelled"
    return meeting.outcome or "pending"


def _local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def set_day_state(
    mission: Mission,
    actor: User,
    meeting_id: int,
    state: str,
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> Meeting:
    """Record a meeting as held, no-show, cancelled, or not recorded (undo).

    Asking for the state the meeting already has changes nothing and is not an error (a second
    tap on the same button). Otherwise the meeting must still be at `expected_version`
    (StaleEdit). Held and no-show cannot be recorded before the meeting's day, in its leg's
    zone. Flushes; the caller commits, or rolls back on an error.
    """
    if state not in DAY_STATES:
        raise ValidationFailed(_l("Choose held, no-show, cancelled or not recorded."))
    # One change at a time per mission, as in the schedule editor: two organisers tapping the
    # same meeting at once are served one after the other, and the second sees the first.
    lock_mission(mission)
    meeting = db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id, Meeting.mission_id == mission.id)
        .options(joinedload(Meeting.venue).joinedload(Venue.leg))
    )
    if meeting is None:
        raise NotFound(f"meeting {meeting_id}")
    if day_state(meeting) == state:
        return meeting
    if expected_version is None or meeting.lock_version != expected_version:
        raise StaleEdit(STALE_MESSAGE, meeting_id=meeting.id)
    if state in ("held", "no_show"):
        zone = meeting.venue.leg.timezone
        meeting_day = _local_day(meeting.start_at, zone)
        if meeting_day > _local_day(now or datetime.now(UTC), zone):
            raise ValidationFailed(
                _l(
                    "This meeting has not taken place yet: its outcome can be recorded from "
                    "its day on."
                )
            )
    if state == "cancelled":
        # Also clears a held / no-show recorded before.
        return cancel_meeting(mission, actor, meeting.id, expected_version)
    if meeting.status == "cancelled":
        meeting = restore_meeting(mission, actor, meeting.id, expected_version)
        if state == "pending":
            return meeting
    meeting.outcome = None if state == "pending" else state
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleEdit(STALE_MESSAGE, meeting_id=meeting.id) from None
    return meeting


def place_of(mission: Mission, meeting_id: int) -> tuple[int, date]:
    """The leg and local day of one of the mission's meetings: where its day sheet is."""
    row = db.session.execute(
        select(Meeting.start_at, Leg.id, Leg.timezone)
        .join(Venue, Meeting.venue_id == Venue.id)
        .join(Leg, Venue.leg_id == Leg.id)
        .where(Meeting.id == meeting_id, Meeting.mission_id == mission.id)
    ).first()
    if row is None:
        raise NotFound(f"meeting {meeting_id}")
    start_at, leg_id, zone = row
    return leg_id, _local_day(start_at, zone)


# ----- the day sheet ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DayMeeting:
    """One meeting as the day sheet shows it."""

    id: int
    version: int
    start: datetime
    end: datetime
    zone: str
    venue: str
    table: int
    delegation: str
    host: str
    host_category: str
    delegation_people: tuple[str, ...]
    host_people: tuple[str, ...]
    state: str
    has_follow_up: bool


@dataclass(frozen=True)
class DayCounts:
    held: int = 0
    no_show: int = 0
    cancelled: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.held + self.no_show + self.cancelled + self.pending

    @classmethod
    def of(cls, states) -> DayCounts:
        counter = Counter(states)
        return cls(**{state: counter[state] for state in DAY_STATES})


@dataclass(frozen=True)
class DayTab:
    day: date
    zone: str
    counts: DayCounts

    @property
    def noon(self) -> datetime:
        return datetime.combine(self.day, time(12), tzinfo=ZoneInfo(self.zone))


@dataclass(frozen=True)
class LegDays:
    leg: Leg
    days: list[DayTab]


@dataclass
class TimeGroup:
    """The meetings that start at one time: what an organiser checks on one round."""

    start: datetime
    meetings: list[DayMeeting] = field(default_factory=list)


@dataclass
class DaySheet:
    mission: Mission
    legs: list[LegDays]
    leg: Leg | None = None
    day: date | None = None
    today: date | None = None  # in the leg's zone
    meetings: list[DayMeeting] = field(default_factory=list)
    counts: DayCounts = field(default_factory=DayCounts)
    current_start: datetime | None = None  # the round happening now, if the day is today

    @property
    def zone(self) -> str:
        return self.leg.timezone if self.leg else "UTC"

    @property
    def noon(self) -> datetime | None:
        if self.day is None:
            return None
        return datetime.combine(self.day, time(12), tzinfo=ZoneInfo(self.zone))

    @property
    def groups(self) -> list[TimeGroup]:
        groups: list[TimeGroup] = []
        for meeting in self.meetings:
            if not groups or groups[-1].start != meeting.start:
                groups.append(TimeGroup(meeting.start))
            groups[-1].meetings.append(meeting)
        return groups

    def meeting(self, meeting_id: int) -> DayMeeting | None:
        return next((m for m in self.meetings if m.id == meeting_id), None)


def _people(meeting: Meeting, organisation: Organisation) -> tuple[str, ...]:
    attendees = meeting.request.attendees
    people = [p for p in attendees if p.organisation_id == organisation.id] if attendees else []
    return tuple(p.name for p in (people or organisation.people))


def load_day_sheet(
    mission: Mission,
    leg_id: int | None = None,
    day: date | None = None,
    *,
    now: datetime | None = None,
) -> DaySheet:
    """Every meeting of one leg's day (cancelled ones too), in time and table order, with the
    counts per state, and tabs for every leg and day that has meetings.

    Defaults: the leg holding meetings today, else the first leg; today if it has meetings,
    else the leg's first day. A leg of another mission is NotFound. Loaded in a fixed number of
    queries, whatever the size of the mission.
    """
    now = now or datetime.now(UTC)
    legs = list(
        db.session.scalars(
            select(Leg).where(Leg.mission_id == mission.id).order_by(Leg.position, Leg.id)
        )
    )
    rows = db.session.scalars(
        select(Meeting)
        .where(Meeting.mission_id == mission.id)
        .options(
            joinedload(Meeting.venue),
            selectinload(Meeting.follow_up),
            selectinload(Meeting.request).selectinload(MeetingRequest.attendees),
            selectinload(Meeting.request)
            .selectinload(MeetingRequest.delegation)
            .selectinload(Organisation.people),
            selectinload(Meeting.request)
            .selectinload(MeetingRequest.host)
            .selectinload(Organisation.people),
        )
        .order_by(Meeting.start_at, Meeting.table_number, Meeting.id)
    ).all()
    leg_by_id = {leg.id: leg for leg in legs}
    by_place: dict[tuple[int, date], list[Meeting]] = defaultdict(list)
    for meeting in rows:
        leg = leg_by_id.get(meeting.venue.leg_id)
        if leg is not None:
            by_place[(leg.id, _local_day(meeting.start_at, leg.timezone))].append(meeting)
    tabs = [
        LegDays(
            leg,
            [
                DayTab(d, leg.timezone, DayCounts.of(day_state(m) for m in meetings))
                for (leg_key, d), meetings in sorted(by_place.items(), key=lambda i: i[0][1])
                if leg_key == leg.id
            ],
        )
        for leg in legs
    ]
    sheet = DaySheet(mission=mission, legs=tabs)
    if leg_id is not None:
        sheet.leg = leg_by_id.get(leg_id)
        if sheet.leg is None:
            raise NotFound(f"leg {leg_id}")
    else:
        sheet.leg = next(
            (
                tab.leg
                for tab in tabs
                if any(d.day == _local_day(now, tab.leg.timezone) for d in tab.days)
            ),
            legs[0] if legs else None,
        )
    if sheet.leg is None:
        return sheet
    leg = sheet.leg
    sheet.today = _local_day(now, leg.timezone)
    days = next(tab.days for tab in tabs if tab.leg.id == leg.id)
    if day is None:
        day = sheet.today if any(d.day == sheet.today for d in days) else None
        day = day or (days[0].day if days else None)
    sheet.day = day
    if day is None:
        return sheet
    for meeting in by_place.get((leg.id, day), []):
        request = meeting.request
        sheet.meetings.append(
            DayMeeting(
                id=meeting.id,
                version=meeting.lock_version,
                start=meeting.start_at,
                end=meeting.end_at,
                zone=leg.timezone,
                venue=meeting.venue.name,
                table=meeting.table_number,
                delegation=request.delegation.name,
                host=request.host.name,
                host_category=request.host.category,
                delegation_people=_people(meeting, request.delegation),
                host_people=_people(meeting, request.host),
                state=day_state(meeting),
                has_follow_up=meeting.follow_up is not None,
            )
        )
    sheet.counts = DayCounts.of(m.state for m in sheet.meetings)
    if day == sheet.today:
        # The round under way, or the next one: where the organiser is needed now.
        sheet.current_start = next((m.start for m in sheet.meetings if m.end > now), None)
    return sheet
