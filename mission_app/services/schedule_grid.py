"""The schedule as organisers read it: a grid of tables × slots per leg and day, each person's
agenda, and every broken rule in words.

Both pages check the saved meetings with `scheduling.find_conflicts` on the problem that
`build_problem` makes of the mission, so that the grid, the importer and the scheduler agree on
what a conflict is. The pure package words its conflicts in English for developers; here each
rule is worded again for organisers, through Babel, with the names of the people and firms.
Everything is loaded in a fixed number of queries, whatever the size of the mission.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # lazy, named so that pybabel extracts it
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mission_app import scheduling
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
from mission_app.services.errors import NotFound
from mission_app.services.participants import home_leg
from mission_app.services.schedule_runs import unscheduled_item, unscheduled_reason
from mission_app.services.scheduling import build_problem

# The rule of a meeting that starts on no slot: the scheduler cannot even be asked about it.
OFF_SLOT = "off_slot"


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str
    side: str  # "delegation" | "host"


@dataclass
class GridMeeting:
    """A meeting with what a cell shows: who meets whom, at which table, and what is wrong."""

    meeting: Meeting
    leg: Leg
    venue: Venue
    delegation: Organisation
    host: Organisation
    people: list[PersonRef]
    problems: list = field(default_factory=list)  # reasons in words (lazy strings)
    span: int = 1  # slots the meeting covers in the grid

    @property
    def id(self) -> int:
        return self.meeting.id

    @property
    def zone(self) -> str:
        return self.leg.timezone

    @property
    def day(self) -> date:
        return _local_day(self.meeting.start_at, self.leg.timezone)

    @property
    def has_conflict(self) -> bool:
        return bool(self.problems)


@dataclass(frozen=True)
class ConflictItem:
    message: object  # a lazy string
    meetings: tuple[GridMeeting, ...]  # in time order

    @property
    def meeting_ids(self) -> tuple[int, ...]:
        return tuple(m.id for m in self.meetings)


@dataclass(frozen=True)
class Column:
    """A slot of the day, or (`is_break`) the pause between two meeting windows."""

    start: datetime
    end: datetime
    is_break: bool = False


@dataclass
class Cell:
    meetings: list[GridMeeting] = field(default_factory=list)
    colspan: int = 1
    column: Column | None = None


@dataclass
class Row:
    table: int
    exists: bool  # False: a meeting sits at a table the venue does not have
    cells: list[Cell]


@dataclass
class VenueGrid:
    venue: Venue
    columns: list[Column]
    rows: list[Row]


@dataclass(frozen=True)
class UnplacedRequest:
    """A request of the leg with no scheduled meeting: the organiser can place it by hand."""

    id: int
    delegation: Organisation
    host: Organisation
    priority: int
    duration_slots: int
    held_back: bool = False  # its meeting was cancelled by hand: runs leave it off
    reason: str | None = None  # why it has no place beside the meetings as they stand


@dataclass(frozen=True)
class DayTab:
    day: date
    zone: str
    meetings: int
    conflicts: int

    @property
    def noon(self) -> datetime:
        """An instant of the day, for the `local` filter to name it."""
        return _noon(self.day, self.zone)


@dataclass(frozen=True)
class LegTab:
    leg: Leg
    days: list[DayTab]

    @property
    def conflicts(self) -> int:
        return sum(d.conflicts for d in self.days)


@dataclass
class Grid:
    mission: Mission
    legs: list[LegTab]
    leg: Leg | None
    day: date | None
    has_windows: bool = False
    venues: list[VenueGrid] = field(default_factory=list)
    meetings: list[GridMeeting] = field(default_factory=list)  # scheduled, this day and leg
    off_grid: list[GridMeeting] = field(default_factory=list)  # scheduled, but in no cell
    cancelled: list[GridMeeting] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    conflicts: list[ConflictItem] = field(default_factory=list)
    unplaced: list[UnplacedRequest] = field(default_factory=list)  # this leg, no meeting

    @property
    def zone(self) -> str:
        return self.leg.timezone if self.leg else "UTC"

    @property
    def noon(self) -> datetime | None:
        return _noon(self.day, self.zone) if self.day else None

    @property
    def tables_used(self) -> int:
        return len({(m.meeting.venue_id, m.meeting.table_number) for m in self.meetings})

    @property
    def tables_total(self) -> int:
        return sum(v.venue.tables for v in self.venues)


@dataclass(frozen=True)
class AgendaItem:
    kind: str  # "meeting" | "activity" | "gap"
    start: datetime
    end: datetime
    meeting: GridMeeting | None = None
    activity: Activity | None = None


@dataclass
class AgendaDay:
    leg: Leg | None
    zone: str
    day: date
    items: list[AgendaItem]

    @property
    def noon(self) -> datetime:
        return _noon(self.day, self.zone)

    @property
    def meeting_count(self) -> int:
        return sum(1 for item in self.items if item.kind == "meeting")


@dataclass
class PersonSchedule:
    person: Person
    organisation: Organisation
    zone: str  # where the person's availability is read
    days: list[AgendaDay]
    cancelled: list[GridMeeting]
    conflicts: list[ConflictItem]

    @property
    def meeting_count(self) -> int:
        return sum(day.meeting_count for day in self.days)

    @property
    def activity_count(self) -> int:
        return sum(1 for day in self.days for item in day.items if item.kind == "activity")


def _local_day(value: datetime, zone: str) -> date:
    return value.astimezone(ZoneInfo(zone)).date()


def _noon(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(zone))


# ----- loading and checking -------------------------------------------------------------------


@dataclass
class _Schedule:
    legs: list[Leg]
    organisations: dict[int, Organisation]
    people: dict[int, Person]
    activities: list[Activity]
    meetings: list[GridMeeting]  # every meeting of the mission, scheduled or cancelled
    conflicts: list[ConflictItem]
    slot_times: dict[int, tuple[datetime, datetime]]
    windows: dict[int, list]  # leg id -> its meeting windows
    mission_problem: object = None  # the MissionProblem the meetings were checked against


def _load(mission: Mission) -> _Schedule:
    mission_problem = build_problem(mission)
    legs = list(
        db.session.scalars(
            select(Leg)
            .where(Leg.mission_id == mission.id)
            .options(selectinload(Leg.venues), selectinload(Leg.windows))
            .order_by(Leg.position, Leg.id)
        )
    )
    organisations = {
        o.id: o
        for o in db.session.scalars(
            select(Organisation)
            .where(Organisation.mission_id == mission.id)
            .options(selectinload(Organisation.people).selectinload(Person.availabilities))
        )
    }
    people = {p.id: p for o in organisations.values() for p in o.people}
    activities = list(
        db.session.scalars(
            select(Activity)
            .where(Activity.mission_id == mission.id)
            .options(selectinload(Activity.attendees))
            .order_by(Activity.start_at, Activity.id)
        )
    )
    rows = db.session.scalars(
        select(Meeting)
        .where(Meeting.mission_id == mission.id)
        .options(selectinload(Meeting.request).selectinload(MeetingRequest.attendees))
        .order_by(Meeting.start_at, Meeting.table_number, Meeting.id)
    )
    leg_of_venue = {venue.id: leg for leg in legs for venue in leg.venues}
    venue_by_id = {venue.id: venue for leg in legs for venue in leg.venues}
    meetings = []
    for meeting in rows:
        request = meeting.request
        delegation = organisations[request.delegation_id]
        host = organisations[request.host_id]
        attendees = request.attendees or [*delegation.people, *host.people]
        sides = {delegation.id: "delegation", host.id: "host"}
        refs = sorted(
            (PersonRef(p.id, p.name, sides.get(p.organisation_id, "host")) for p in attendees),
            key=lambda ref: (ref.side != "delegation", ref.name),
        )
        meetings.append(
            GridMeeting(
                meeting,
                leg_of_venue[meeting.venue_id],
                venue_by_id[meeting.venue_id],
                delegation,
                host,
                refs,
            )
        )
    schedule = _Schedule(
        legs=legs,
        organisations=organisations,
        people=people,
        activities=activities,
        meetings=meetings,
        conflicts=[],
        slot_times=mission_problem.slot_times,
        windows={leg.id: list(leg.windows) for leg in legs},
        mission_problem=mission_problem,
    )
    _check(schedule, mission_problem)
    return schedule


def _check(schedule: _Schedule, mission_problem) -> None:
    """Find every broken rule, word it, and note it on the meetings it concerns.

    The pure package reports one conflict per person and slot; organisers read one line per
    problem, naming everyone it concerns (two people of one firm double-booked are one problem).
    Each cell says what is wrong from its own meeting's side; the list above the grid names both.
    """
    problem = mission_problem.problem
    scheduled = [m for m in schedule.meetings if m.meeting.status == "scheduled"]
    by_request = {m.meeting.request_id: m for m in scheduled}
    assignments = []
    found: list[_Found] = []
    for item in scheduled:
        meeting = item.meeting
        start_slot = mission_problem.slot_by_start.get((meeting.venue_id, meeting.start_at))
        if start_slot is None:
            found.append(_Found(OFF_SLOT, (item,)))
            continue
        slots = (
            problem.slots_of(meeting.request_id, start_slot)
            if meeting.request_id in problem.request_by_id
            else None
        )
        item.span = len(slots) if slots else 1
        assignments.append(
            scheduling.Assignment(
                meeting.request_id, start_slot, meeting.venue_id, meeting.table_number
            )
        )
    for conflict in scheduling.find_conflicts(problem, assignments):
        concerned = tuple(by_request[r] for r in conflict.request_ids if r in by_request)
        if not concerned:
            continue
        person = schedule.people.get(conflict.person_id)
        detail = None
        if conflict.rule == "person_busy":
            activity = _activity_at(schedule, conflict.person_id, concerned[0])
            detail = activity.title if activity is not None else None
        found.append(_Found(conflict.rule, concerned, person, detail, conflict.message))

    listed: dict[tuple, _Problem] = {}
    in_cells: dict[tuple, _Problem] = {}
    for f in found:
        ids = tuple(sorted(m.id for m in f.meetings))
        _add(listed, (f.rule, ids, f.detail), f, None)
        for m in f.meetings:
            _add(in_cells, (m.id, f.rule, ids, f.detail), f, m)
    order = {m.id: k for k, m in enumerate(scheduled)}
    for entry in sorted(listed.values(), key=lambda e: min(order[m.id] for m in e.found.meetings)):
        meetings = tuple(sorted(entry.found.meetings, key=lambda m: order[m.id]))
        schedule.conflicts.append(ConflictItem(_message(entry, None), meetings))
    for entry in in_cells.values():
        entry.seen_from.problems.append(_message(entry, entry.seen_from))


@dataclass(frozen=True)
class _Found:
    rule: str
    meetings: tuple[GridMeeting, ...]
    person: Person | None = None
    detail: str | None = None  # the activity a busy person is at
    english: str = ""


@dataclass
class _Problem:
    found: _Found
    seen_from: GridMeeting | None
    names: list[str] = field(default_factory=list)


def _add(problems: dict, key: tuple, found: _Found, seen_from: GridMeeting | None) -> None:
    entry = problems.setdefault(key, _Problem(found, seen_from))
    if found.person is not None and found.person.name not in entry.names:
        entry.names.append(found.person.name)


def _pair(meeting: GridMeeting) -> str:
    return f"{meeting.delegation.name} – {meeting.host.name}"


def _counterpart(meeting: GridMeeting, names: list[str], other: GridMeeting) -> str:
    """Who the people of `meeting` also meet in `other`: the organisation across the table."""
    ours = {p.name for p in meeting.people if p.side == "delegation"}
    return other.host.name if ours.intersection(names) else other.delegation.name


def _message(entry: _Problem, seen_from: GridMeeting | None):
    """The problem in the organiser's language, with names: for the list (`seen_from` None)
    or for the cell of one of its meetings. The pure package's English message for a rule
    this function does not know."""
    found = entry.found
    first = found.meetings[0]
    others = [m for m in found.meetings if m is not seen_from]
    people = ", ".join(entry.names)
    n = len(entry.names)
    rule = found.rule
    if rule == OFF_SLOT:
        return _l("Outside any meeting window: this time is not a slot of the day.")
    if rule == "outside_window":
        return _l(
            "Outside the meeting windows of %(leg)s, where %(host)s meets.",
            leg=first.leg.city,
            host=first.host.name,
        )
    if rule == "wrong_venue":
        return _l("%(venue)s has no meeting window open at that time.", venue=first.venue.name)
    if rule == "bad_table":
        return _l(
            "Table %(table)d does not exist: %(venue)s has %(tables)d tables.",
            table=first.meeting.table_number,
            venue=first.venue.name,
            tables=first.venue.tables,
        )
    if rule == "not_allowed":
        return _l("Outside the times allowed for this request.")
    if rule == "table_clash":
        if seen_from is None:
            return _l(
                "Table %(table)d holds two meetings at once: %(first)s and %(second)s.",
                table=first.meeting.table_number,
                first=_pair(found.meetings[0]),
                second=_pair(found.meetings[-1]),
            )
        return _l("The table is also given to %(other)s at that time.", other=_pair(others[0]))
    if rule == "person_clash":
        if seen_from is None:
            return ngettext(
                "%(people)s is expected at two meetings at once: %(first)s and %(second)s.",
                "%(people)s are expected at two meetings at once: %(first)s and %(second)s.",
                n,
                people=people,
                first=_pair(found.meetings[0]),
                second=_pair(found.meetings[-1]),
            )
        return ngettext(
            "%(people)s also meets %(other)s at that time.",
            "%(people)s also meet %(other)s at that time.",
            n,
            people=people,
            other=_counterpart(seen_from, entry.names, others[0]),
        )
    if rule == "person_busy" and found.detail is not None:
        return ngettext(
            "%(people)s is at “%(activity)s” at that time.",
            "%(people)s are at “%(activity)s” at that time.",
            n,
            people=people,
            activity=found.detail,
        )
    if rule == "person_busy":
        return ngettext(
            "%(people)s is not available at that time.",
            "%(people)s are not available at that time.",
            n,
            people=people,
        )
    if rule == "duplicate_request":
        return _l("More than one meeting for the same request.")
    if rule == "locked_moved":
        return _l("This locked meeting has moved.")
    if rule == "precedence":
        return _l(
            "%(first)s must be held before %(second)s.",
            first=_pair(found.meetings[0]),
            second=_pair(found.meetings[-1]),
        )
    if rule == "unknown_request":
        return _l(
            "%(host)s meets in no leg of the mission, so this meeting cannot be checked.",
            host=first.host.name,
        )
    return found.english


def _activity_at(schedule: _Schedule, person_id, item: GridMeeting) -> Activity | None:
    start, end = item.meeting.start_at, item.meeting.end_at
    for activity in schedule.activities:
        overlaps = activity.start_at < end and start < activity.end_at
        if overlaps and any(p.id == person_id for p in activity.attendees):
            return activity
    return None


def _leg_days(schedule: _Schedule, leg: Leg) -> list[date]:
    days = {_local_day(w.start_at, leg.timezone) for w in schedule.windows[leg.id]}
    days.update(
        m.day for m in schedule.meetings if m.leg.id == leg.id and m.meeting.status == "scheduled"
    )
    return sorted(days)


# ----- the grid ------------------------------------------------------------------------------


def load_grid(
    mission: Mission,
    leg_id: int | None = None,
    day: date | None = None,
    explain_unplaced: bool = False,
) -> Grid:
    """The leg's day as tables × slots, in the leg's zone. Defaults: the first leg, its first
    day. A leg of another mission is NotFound. With `explain_unplaced` (for those who can
    place requests: it takes a fifth of a second on a 2,000-request mission), each request
    without a meeting says why."""
    schedule = _load(mission)
    scheduled = [m for m in schedule.meetings if m.meeting.status == "scheduled"]
    conflict_count: dict[tuple[int, date], int] = defaultdict(int)
    for conflict in schedule.conflicts:
        places = {
            (m.leg.id, m.day) for m in scheduled if m.id in conflict.meeting_ids
        }  # one conflict counts once per day it touches
        for place in places:
            conflict_count[place] += 1
    meeting_count: dict[tuple[int, date], int] = defaultdict(int)
    for m in scheduled:
        meeting_count[(m.leg.id, m.day)] += 1
    tabs = [
        LegTab(
            leg,
            [
                DayTab(d, leg.timezone, meeting_count[(leg.id, d)], conflict_count[(leg.id, d)])
                for d in _leg_days(schedule, leg)
            ],
        )
        for leg in schedule.legs
    ]
    if leg_id is None:
        leg = schedule.legs[0] if schedule.legs else None
    else:
        leg = next((leg for leg in schedule.legs if leg.id == leg_id), None)
        if leg is None:
            raise NotFound(f"leg {leg_id}")
    grid = Grid(mission=mission, legs=tabs, leg=leg, day=None)
    if leg is None:
        return grid
    days = next(tab.days for tab in tabs if tab.leg.id == leg.id)
    grid.day = day or (days[0].day if days else None)
    if grid.day is None:
        return grid
    zone = leg.timezone
    grid.meetings = [m for m in scheduled if m.leg.id == leg.id and m.day == grid.day]
    grid.cancelled = [
        m
        for m in schedule.meetings
        if m.meeting.status == "cancelled" and m.leg.id == leg.id and m.day == grid.day
    ]
    grid.activities = [
        a
        for a in schedule.activities
        if (a.leg_id == leg.id or a.leg_id is None) and _local_day(a.start_at, zone) == grid.day
    ]
    windows = [w for w in schedule.windows[leg.id] if _local_day(w.start_at, zone) == grid.day]
    grid.has_windows = bool(windows)
    placed: set[int] = set()
    for venue in leg.venues:
        venue_grid = _venue_grid(venue, leg, windows, grid.meetings, placed)
        if venue_grid is not None:
            grid.venues.append(venue_grid)
    grid.off_grid = [m for m in grid.meetings if m.id not in placed]
    day_ids = {m.id for m in grid.meetings}
    grid.conflicts = [c for c in schedule.conflicts if day_ids.intersection(c.meeting_ids)]
    grid.unplaced = _unplaced(schedule, leg, explain_unplaced)
    return grid


def _unplaced(schedule: _Schedule, leg: Leg, explain: bool) -> list[UnplacedRequest]:
    met = {m.meeting.request_id for m in schedule.meetings if m.meeting.status == "scheduled"}
    organisations = schedule.organisations
    problem = schedule.mission_problem.problem
    held_back = set(schedule.mission_problem.held_back)
    left_out = [r for r in problem.requests if r.leg_id == leg.id and r.id not in met]
    explained = [r.id for r in left_out if r.id not in held_back] if explain else []
    reasons = _reasons(schedule, leg, explained)
    out = [
        UnplacedRequest(
            r.id,
            organisations[r.delegation_id],
            organisations[r.host_id],
            r.priority,
            r.duration_slots,
            r.id in held_back,
            reasons.get(r.id),
        )
        for r in left_out
    ]
    return sorted(out, key=lambda u: (u.priority, u.delegation.name, u.host.name, u.id))


def _reasons(schedule: _Schedule, leg: Leg, request_ids: list[int]) -> dict[int, str]:
    """Why each request has no meeting, in the reader's language, against every scheduled
    meeting as it stands (on a slot or not)."""
    if not request_ids:
        return {}
    held = [
        scheduling.HeldMeeting(
            m.meeting.request_id,
            m.meeting.venue_id,
            m.meeting.table_number,
            m.meeting.start_at,
            m.meeting.end_at,
        )
        for m in schedule.meetings
        if m.meeting.status == "scheduled"
    ]
    names = {person.id: person.name for person in schedule.people.values()}
    return {
        u.request_id: unscheduled_reason(unscheduled_item(u), names, leg.timezone, by_hand=True)
        for u in scheduling.explain_left_out(schedule.mission_problem.problem, held, request_ids)
    }


def _venue_grid(venue: Venue, leg: Leg, windows, meetings, placed: set[int]) -> VenueGrid | None:
    length = timedelta(minutes=leg.slot_minutes)
    columns: list[Column] = []
    for window in sorted((w for w in windows if w.venue_id == venue.id), key=lambda w: w.start_at):
        if columns and columns[-1].end < window.start_at:
            columns.append(Column(columns[-1].end, window.start_at, is_break=True))
        start = window.start_at
        while start + length <= window.end_at:
            columns.append(Column(start, start + length))
            start += length
    here = [m for m in meetings if m.meeting.venue_id == venue.id]
    if not columns and not here:
        return None
    index_of = {c.start: k for k, c in enumerate(columns) if not c.is_break}
    starts: dict[tuple[int, int], list[GridMeeting]] = defaultdict(list)
    for m in here:
        k = index_of.get(m.meeting.start_at)
        if k is not None:
            starts[(m.meeting.table_number, k)].append(m)
            placed.add(m.id)
    tables = max([venue.tables, *(m.meeting.table_number for m in here)])
    rows = []
    for table in range(1, tables + 1):
        cells: list[Cell] = []
        k = 0
        while k < len(columns):
            items = starts.get((table, k), [])
            span = items[0].span if len(items) == 1 else 1
            # A meeting spans its slots unless another meeting starts within them (a clash,
            # shown as two meetings side by side rather than hidden under one).
            span = min(span, len(columns) - k)
            if any(starts.get((table, j)) or columns[j].is_break for j in range(k + 1, k + span)):
                span = 1
            cells.append(Cell(items, span, columns[k]))
            k += span
        rows.append(Row(table, table <= venue.tables, cells))
    return VenueGrid(venue, columns, rows)


# ----- one person's schedule -----------------------------------------------------------------


def load_person_schedule(mission: Mission, person_id: int) -> PersonSchedule:
    """Everything a person does, day by day in each leg's zone: meetings, activities and the
    free time between them. A person of another mission is NotFound."""
    schedule = _load(mission)
    person = schedule.people.get(person_id)
    if person is None:
        raise NotFound(f"person {person_id}")
    organisation = schedule.organisations[person.organisation_id]
    home_leg = _home_leg(organisation, schedule.legs)
    mine = [m for m in schedule.meetings if any(ref.id == person.id for ref in m.people)]
    by_day: dict[tuple[int | None, date], list[AgendaItem]] = defaultdict(list)
    legs = {leg.id: leg for leg in schedule.legs}
    for m in mine:
        if m.meeting.status == "scheduled":
            by_day[(m.leg.id, m.day)].append(
                AgendaItem("meeting", m.meeting.start_at, m.meeting.end_at, meeting=m)
            )
    for activity in schedule.activities:
        if any(p.id == person.id for p in activity.attendees):
            leg = legs.get(activity.leg_id) or home_leg
            zone = leg.timezone if leg else "UTC"
            by_day[(leg.id if leg else None, _local_day(activity.start_at, zone))].append(
                AgendaItem("activity", activity.start_at, activity.end_at, activity=activity)
            )
    days = []
    for (leg_id, day), items in sorted(
        by_day.items(), key=lambda entry: min(item.start for item in entry[1])
    ):
        leg = legs.get(leg_id)
        zone = leg.timezone if leg else "UTC"
        days.append(AgendaDay(leg, zone, day, _with_gaps(sorted(items, key=_order))))
    mine_ids = {m.id for m in mine}
    return PersonSchedule(
        person=person,
        organisation=organisation,
        zone=home_leg.timezone if home_leg else "UTC",
        days=days,
        cancelled=[m for m in mine if m.meeting.status == "cancelled"],
        conflicts=[c for c in schedule.conflicts if mine_ids.intersection(c.meeting_ids)],
    )


def _order(item: AgendaItem):
    return (item.start, item.end, item.kind)


def _with_gaps(items: list[AgendaItem]) -> list[AgendaItem]:
    """The day's items with the free time between them."""
    out: list[AgendaItem] = []
    busy_until: datetime | None = None
    for item in items:
        if busy_until is not None and item.start > busy_until:
            out.append(AgendaItem("gap", busy_until, item.start))
        out.append(item)
        busy_until = item.end if busy_until is None else max(busy_until, item.end)
    return out


def _home_leg(organisation: Organisation, legs: list[Leg]) -> Leg | None:
    """Its leg, else the first: where activities without a leg are shown for this person."""
    return home_leg(organisation, legs) or (legs[0] if legs else None)


# ----- editing one meeting, placing one request (the pages that work without script) ---------


@dataclass(frozen=True)
class DayChoices:
    """The slot starts of one local day of a leg, for a <select> grouped by day."""

    day: date
    zone: str
    starts: list[datetime]

    @property
    def noon(self) -> datetime:
        return _noon(self.day, self.zone)


@dataclass
class PlaceChoices:
    """Where a meeting of a leg can go: its slots by day, its venues and tables."""

    leg: Leg
    days: list[DayChoices]
    venues: list[Venue]

    @property
    def tables(self) -> list[int]:
        return list(range(1, max((v.tables for v in self.venues), default=0) + 1))


@dataclass
class MeetingEditor:
    meeting: GridMeeting
    places: PlaceChoices
    swap_with: list[GridMeeting]  # the leg's other scheduled meetings, in time order
    conflicts: list[ConflictItem]


@dataclass
class RequestPlacement:
    request: UnplacedRequest
    places: PlaceChoices
    meeting: GridMeeting | None  # the scheduled meeting it already has, if any


def _place_choices(schedule: _Schedule, leg: Leg) -> PlaceChoices:
    length = timedelta(minutes=leg.slot_minutes)
    starts: set[datetime] = set()
    for window in schedule.windows[leg.id]:
        start = window.start_at
        while start + length <= window.end_at:
            starts.add(start)
            start += length
    by_day: dict[date, list[datetime]] = defaultdict(list)
    for start in sorted(starts):
        by_day[_local_day(start, leg.timezone)].append(start)
    days = [DayChoices(day, leg.timezone, items) for day, items in by_day.items()]
    return PlaceChoices(leg, days, list(leg.venues))


def load_meeting_editor(mission: Mission, meeting_id: int) -> MeetingEditor:
    """One meeting with every place it could move to and the meetings it could swap with. A
    meeting of another mission is NotFound."""
    schedule = _load(mission)
    item = next((m for m in schedule.meetings if m.id == meeting_id), None)
    if item is None:
        raise NotFound(f"meeting {meeting_id}")
    swap_with = [
        m
        for m in schedule.meetings
        if m.meeting.status == "scheduled" and m.leg.id == item.leg.id and m.id != item.id
    ]
    swap_with.sort(key=lambda m: (m.meeting.start_at, m.venue.id, m.meeting.table_number))
    return MeetingEditor(
        meeting=item,
        places=_place_choices(schedule, item.leg),
        swap_with=swap_with,
        conflicts=[c for c in schedule.conflicts if item.id in c.meeting_ids],
    )


def load_request_placement(mission: Mission, request_id: int) -> RequestPlacement:
    """A request, where it could be placed, and its meeting if it has one already. A request
    of another mission, or of a host that meets in no leg, is NotFound."""
    schedule = _load(mission)
    problem_request = schedule.mission_problem.problem.request_by_id.get(request_id)
    if problem_request is None:
        raise NotFound(f"request {request_id}")
    leg = next(leg for leg in schedule.legs if leg.id == problem_request.leg_id)
    organisations = schedule.organisations
    request = UnplacedRequest(
        problem_request.id,
        organisations[problem_request.delegation_id],
        organisations[problem_request.host_id],
        problem_request.priority,
        problem_request.duration_slots,
    )
    meeting = next(
        (
            m
            for m in schedule.meetings
            if m.meeting.request_id == request_id and m.meeting.status == "scheduled"
        ),
        None,
    )
    return RequestPlacement(request, _place_choices(schedule, leg), meeting)


def meeting_position(mission: Mission, meeting_id: int) -> tuple[int, date] | None:
    """The leg and local day a meeting of the mission is shown on, for going back to it."""
    row = db.session.execute(
        select(Meeting.start_at, Leg.id, Leg.timezone)
        .join(Venue, Venue.id == Meeting.venue_id)
        .join(Leg, Leg.id == Venue.leg_id)
        .where(Meeting.id == meeting_id, Meeting.mission_id == mission.id)
    ).first()
    if row is None:
        return None
    return row[1], _local_day(row[0], row[2])
