"""The bridge between the database and the pure scheduler.

`build_problem` turns a mission into a scheduling.Problem (slots cut from the meeting windows,
people busy outside their availability and during their activities); `propose_schedule` solves
it and compares the result with the meetings in the database; `apply_schedule` writes it.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
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
    User,
)
from mission_app.services.errors import ValidationFailed
from mission_app.services.keys import free_key
from mission_app.services.meeting_requests import host_leg_id

log = logging.getLogger(__name__)


@dataclass
class MissionProblem:
    """A Problem, and what is needed to map its answer back to rows."""

    problem: scheduling.Problem
    slot_times: dict[int, tuple[datetime, datetime]]
    slot_by_start: dict[tuple[int, datetime], int]  # (venue id, start) -> slot index
    meetings_by_request: dict[int, Meeting]  # the current scheduled meeting of each request
    # requests whose meeting an organiser cancelled: runs leave them off the schedule
    held_back: list[int] = field(default_factory=list)
    # requests whose meeting was held (or missed) where no slot can hold it now: runs keep it
    frozen: list[int] = field(default_factory=list)

    def to_solve(self) -> scheduling.Problem:
        """The problem a scheduler run solves: without the requests held back or frozen.
        (Edits and checks use the whole problem: an organiser may still place held-back
        requests by hand.)"""
        left_alone = set(self.held_back) | set(self.frozen)
        if not left_alone:
            return self.problem
        requests = tuple(r for r in self.problem.requests if r.id not in left_alone)
        return dataclasses.replace(self.problem, requests=requests)


@dataclass(frozen=True)
class MeetingChange:
    request_id: int
    kind: str  # "new" | "moved" | "dropped" | "kept"
    before: Meeting | None
    after: scheduling.Assignment | None


@dataclass
class ScheduleProposal:
    solution: scheduling.Solution
    changes: list[MeetingChange] = field(default_factory=list)
    held_back: list[int] = field(default_factory=list)  # left off: cancelled by hand

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)


def build_problem(mission: Mission) -> MissionProblem:
    """The mission as a scheduling problem, loaded in a fixed number of queries."""
    legs = list(
        db.session.scalars(
            select(Leg)
            .where(Leg.mission_id == mission.id)
            .options(selectinload(Leg.venues), selectinload(Leg.windows))
            .order_by(Leg.position, Leg.id)
        )
    )
    organisations = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.mission_id == mission.id)
            .options(selectinload(Organisation.people).selectinload(Person.availabilities))
        )
    )
    activities = list(
        db.session.scalars(
            select(Activity)
            .where(Activity.mission_id == mission.id)
            .options(selectinload(Activity.attendees))
        )
    )
    requests = list(
        db.session.scalars(
            select(MeetingRequest)
            .where(MeetingRequest.mission_id == mission.id)
            .options(selectinload(MeetingRequest.attendees))
            .order_by(MeetingRequest.id)
        )
    )
    meetings = list(
        db.session.scalars(
            select(Meeting).where(
                Meeting.mission_id == mission.id,
                or_(Meeting.status == "scheduled", Meeting.cancelled_by_hand),
            )
        )
    )
    scheduled = [m for m in meetings if m.status == "scheduled"]
    # A request whose meeting an organiser cancelled stays off scheduler runs until it is placed
    # again (restored, or by hand).
    held_back = {m.request_id for m in meetings if m.status == "cancelled"} - {
        m.request_id for m in scheduled
    }

    slots: list[scheduling.Slot] = []
    windows: list[scheduling.Window] = []
    slot_by_start: dict[tuple[int, datetime], int] = {}
    for leg in legs:
        length = timedelta(minutes=leg.slot_minutes)
        for window in leg.windows:
            indices = []
            start = window.start_at
            while start + length <= window.end_at:
                index = len(slots)
                slots.append(scheduling.Slot(index, window.id, start, start + length))
                slot_by_start[(window.venue_id, start)] = index
                indices.append(index)
                start += length
            windows.append(scheduling.Window(window.id, leg.id, window.venue_id, tuple(indices)))

    people = []
    people_of: dict[int, list[int]] = {
        organisation.id: [person.id for person in organisation.people]
        for organisation in organisations
    }
    busy_in_activities: dict[int, set[int]] = {}
    for activity in activities:
        taken = {s.index for s in slots if s.start < activity.end_at and activity.start_at < s.end}
        for person in activity.attendees:
            busy_in_activities.setdefault(person.id, set()).update(taken)
    # A meeting recorded as held or no-show that no slot can hold any more (its window moved,
    # its request got longer) stays as it happened: runs leave its request alone, and its people
    # are busy at the time it took.
    request_by_id = {r.id: r for r in requests}
    frozen: set[int] = set()
    for meeting in scheduled:
        if meeting.outcome is None or _fits_slots(
            meeting, request_by_id[meeting.request_id], slots, windows, slot_by_start
        ):
            continue
        frozen.add(meeting.request_id)
        request = request_by_id[meeting.request_id]
        attendees = [p.id for p in request.attendees] or (
            people_of[request.delegation_id] + people_of[request.host_id]
        )
        taken = {s.index for s in slots if s.start < meeting.end_at and meeting.start_at < s.end}
        for person_id in attendees:
            busy_in_activities.setdefault(person_id, set()).update(taken)
    for organisation in organisations:
        for person in organisation.people:
            busy = set(busy_in_activities.get(person.id, ()))
            if person.availabilities:
                busy.update(
                    s.index
                    for s in slots
                    if not any(
                        a.start_at <= s.start and s.end <= a.end_at for a in person.availabilities
                    )
                )
            people.append(
                scheduling.Person(person.id, person.name, organisation.id, frozenset(busy))
            )

    organisation_by_id = {o.id: o for o in organisations}
    problem_requests = []
    for request in requests:
        leg_id = host_leg_id(organisation_by_id[request.host_id], legs)
        if leg_id is None:
            continue  # a host with no leg cannot meet; the requests page says so
        attendees = [p.id for p in request.attendees] or (
            people_of[request.delegation_id] + people_of[request.host_id]
        )
        problem_requests.append(
            scheduling.Request(
                request.id,
                request.delegation_id,
                request.host_id,
                leg_id,
                tuple(attendees),
                request.priority,
                request.duration_slots,
            )
        )

    existing = []
    for meeting in scheduled:
        start_slot = slot_by_start.get((meeting.venue_id, meeting.start_at))
        if start_slot is not None and meeting.request_id not in frozen:
            existing.append(
                scheduling.ExistingMeeting(
                    meeting.request_id,
                    start_slot,
                    meeting.venue_id,
                    meeting.table_number,
                    # a meeting recorded as held or missed stays where it happened
                    locked=meeting.locked or meeting.outcome is not None,
                    published=True,
                )
            )

    problem = scheduling.Problem(
        slots=tuple(slots),
        windows=tuple(windows),
        venues=tuple(scheduling.Venue(v.id, v.tables, v.name) for leg in legs for v in leg.venues),
        organisations=tuple(scheduling.Organisation(o.id, o.name, o.side) for o in organisations),
        people=tuple(people),
        requests=tuple(problem_requests),
        legs=tuple(scheduling.Leg(leg.id, leg.city, leg.timezone) for leg in legs),
        existing=tuple(existing),
    )
    return MissionProblem(
        problem=problem,
        slot_times={s.index: (s.start, s.end) for s in slots},
        slot_by_start=slot_by_start,
        meetings_by_request={m.request_id: m for m in scheduled},
        held_back=sorted(held_back),
        frozen=sorted(frozen),
    )


def _fits_slots(meeting, request, slots, windows, slot_by_start) -> bool:
    """Whether the meeting starts on a slot and ends where its request's length of slots does."""
    start_slot = slot_by_start.get((meeting.venue_id, meeting.start_at))
    if start_slot is None:
        return False
    window = next(w for w in windows if w.id == slots[start_slot].window_id)
    position = window.slot_indices.index(start_slot)
    taken = window.slot_indices[position : position + request.duration_slots]
    return len(taken) == request.duration_slots and slots[taken[-1]].end == meeting.end_at


def compare(mission_problem: MissionProblem, solution: scheduling.Solution) -> list[MeetingChange]:
    """What applying the solution would change, request by request."""
    changes = []
    placed = {a.request_id: a for a in solution.assignments}
    times = mission_problem.slot_times
    problem = mission_problem.problem
    for request_id, assignment in placed.items():
        before = mission_problem.meetings_by_request.get(request_id)
        if before is None:
            changes.append(MeetingChange(request_id, "new", None, assignment))
            continue
        start = times[assignment.start_slot][0]
        slots = problem.slots_of(request_id, assignment.start_slot)
        end = times[slots[-1]][1]
        same = (
            before.start_at == start
            and before.end_at == end
            and before.venue_id == assignment.venue_id
            and before.table_number == assignment.table
        )
        changes.append(MeetingChange(request_id, "kept" if same else "moved", before, assignment))
    frozen = set(mission_problem.frozen)
    for request_id, before in mission_problem.meetings_by_request.items():
        if request_id in frozen and request_id not in placed:
            changes.append(MeetingChange(request_id, "kept", before, None))
        elif request_id not in placed:
            changes.append(MeetingChange(request_id, "dropped", before, None))
    return changes


def propose_schedule(
    actor: User, mission: Mission, options: scheduling.SolveOptions
) -> ScheduleProposal:
    mission_problem = build_problem(mission)
    solution = scheduling.solve(mission_problem.to_solve(), options)
    return ScheduleProposal(
        solution, compare(mission_problem, solution), list(mission_problem.held_back)
    )


def apply_schedule(
    actor: User, mission: Mission, assignments: list[scheduling.Assignment]
) -> list[MeetingChange]:
    """Write a schedule: new meetings created, moved ones updated (SEQUENCE bumped), dropped
    ones cancelled. Meetings keep their rows, so their calendar UIDs never change."""
    mission_problem = build_problem(mission)
    _refuse_moving_what_happened(mission_problem, assignments)
    _refuse_new_conflicts(mission_problem, assignments)
    solution = scheduling.Solution(tuple(assignments), (), empty_figures())
    changes = compare(mission_problem, solution)
    _refuse_tables_of_what_happened(mission_problem, changes)
    moving = [c.before for c in changes if c.kind in ("moved", "dropped")]
    # Free every table that changes hands first: the database refuses two scheduled meetings
    # at one table even for a moment, and a swap would pass through such a moment.
    for meeting in moving:
        meeting.status = "cancelled"
    db.session.flush()
    new_request_ids = [c.request_id for c in changes if c.kind == "new"]
    requests = {
        r.id: r
        for r in db.session.scalars(
            select(MeetingRequest).where(MeetingRequest.id.in_(new_request_ids))
        )
    }
    taken_keys = set(
        db.session.scalars(select(Meeting.key).where(Meeting.mission_id == mission.id))
    )
    times = mission_problem.slot_times
    for change in changes:
        if change.kind == "dropped":
            change.before.sequence += 1
            change.before.cancelled_by_hand = False  # dropped by the run: a later run may place it
        if change.kind not in ("new", "moved"):
            continue
        assignment = change.after
        slots = mission_problem.problem.slots_of(change.request_id, assignment.start_slot)
        meeting = change.before
        if meeting is None:
            request = requests[change.request_id]
            meeting = Meeting(
                mission_id=mission.id,
                request_id=request.id,
                key=free_key(f"m-{request.key}", taken_keys),
            )
            db.session.add(meeting)
        else:
            meeting.sequence += 1
        meeting.status = "scheduled"
        meeting.venue_id = assignment.venue_id
        meeting.table_number = assignment.table
        meeting.start_at, meeting.end_at = times[slots[0]][0], times[slots[-1]][1]
    # Every scheduled meeting now sits where the (conflict-free) schedule puts it, and any
    # subset of it is conflict-free too, so the rows can be written in any order.
    db.session.flush()
    return changes


def _refuse_moving_what_happened(
    mission_problem: MissionProblem, assignments: list[scheduling.Assignment]
) -> None:
    """A meeting recorded as held or no-show after the schedule was computed stays where it
    took place: a schedule that moves or drops it is refused."""
    placed = {a.request_id: a for a in assignments}
    times = mission_problem.slot_times
    frozen = set(mission_problem.frozen)
    for request_id, meeting in mission_problem.meetings_by_request.items():
        if meeting.outcome is None or (request_id in frozen and request_id not in placed):
            continue
        after = placed.get(request_id)
        if (
            after is None
            or times[after.start_slot][0] != meeting.start_at
            or after.venue_id != meeting.venue_id
            or after.table != meeting.table_number
        ):
            raise ValidationFailed(
                _l(
                    "%(pair)s was recorded as held or no-show after this schedule was computed, "
                    "which would move it: compute a new one.",
                    pair=_pairs([request_id]).get(request_id, "?"),
                )
            )


def _refuse_new_conflicts(
    mission_problem: MissionProblem, assignments: list[scheduling.Assignment]
) -> None:
    """Refuse a schedule that breaks a rule the saved one does not (the mission changed since it
    was computed: availability, activities, requests). Rules already broken among meetings that
    stay, such as two held meetings that clashed, do not block every later run."""
    problem = mission_problem.problem
    saved = [
        scheduling.Assignment(request_id, start_slot, meeting.venue_id, meeting.table_number)
        for request_id, meeting in mission_problem.meetings_by_request.items()
        if (start_slot := mission_problem.slot_by_start.get((meeting.venue_id, meeting.start_at)))
        is not None
    ]
    before = {c.identity for c in scheduling.find_conflicts(problem, saved)}
    new = [c for c in scheduling.find_conflicts(problem, assignments) if c.identity not in before]
    if not new:
        return
    # the checker's own words are for developers; the organiser gets the meetings and what to do
    log.info("schedule refused: %s", "; ".join(c.message for c in new[:5]))
    request_ids = list(dict.fromkeys(r for c in new for r in c.request_ids))[:3]
    pairs = _pairs(request_ids)
    raise ValidationFailed(
        _l(
            "The mission changed since this schedule was computed (availability, activities or "
            "requests), so it no longer fits (%(meetings)s): compute a new one.",
            meetings=", ".join(pairs[r] for r in request_ids if r in pairs),
        )
    )


def _pairs(request_ids) -> dict[int, str]:
    """ "Firm – Host" of each request, for messages."""
    requests = db.session.scalars(
        select(MeetingRequest)
        .where(MeetingRequest.id.in_(list(request_ids)))
        .options(selectinload(MeetingRequest.delegation), selectinload(MeetingRequest.host))
    )
    return {r.id: f"{r.delegation.name} – {r.host.name}" for r in requests}


def _refuse_tables_of_what_happened(
    mission_problem: MissionProblem, changes: list[MeetingChange]
) -> None:
    """The solver does not see the tables of frozen meetings (no slot holds them): refuse a
    schedule that would seat another meeting at one of those tables while it took place."""
    frozen = [mission_problem.meetings_by_request[r] for r in mission_problem.frozen]
    if not frozen:
        return
    times = mission_problem.slot_times
    for change in changes:
        if change.kind not in ("new", "moved"):
            continue
        a = change.after
        slots = mission_problem.problem.slots_of(change.request_id, a.start_slot)
        start, end = times[slots[0]][0], times[slots[-1]][1]
        for meeting in frozen:
            if (meeting.venue_id, meeting.table_number) == (a.venue_id, a.table) and (
                meeting.start_at < end and start < meeting.end_at
            ):
                pairs = _pairs([change.request_id, meeting.request_id])
                raise ValidationFailed(
                    _l(
                        "%(pair)s would sit at table %(table)d while %(other)s, recorded as "
                        "held or no-show, took place there: compute a new one.",
                        pair=pairs.get(change.request_id, "?"),
                        table=a.table,
                        other=pairs.get(meeting.request_id, "?"),
                    )
                )


def empty_figures() -> scheduling.Figures:
    return scheduling.Figures(weight=0, weight_requested=0, weight_bound=0, min_share=None)
