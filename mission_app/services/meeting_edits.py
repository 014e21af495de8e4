"""Organisers' edits of the working schedule: move, swap, cancel, restore, lock, add by hand.

Every edit follows the same steps, so that two organisers editing at once can never build a
double booking between them:

1. Lock the mission: `SELECT … FOR UPDATE` on its row (PostgreSQL), or take SQLite's write
   lock at once with a write that changes nothing. Edits of one mission then run one after the
   other; everything is read again after the lock, so each edit sees the one before it.
2. Check the version the organiser saw (`Meeting.lock_version`): a stale page is refused with
   StaleEdit instead of overwriting someone else's change.
3. Apply the change to the schedule in memory and run `scheduling.find_conflicts` on the
   result: an edit that breaks a rule that was not already broken is refused with EditRefused,
   its reasons worded for organisers (people, tables, local times).
4. Write: `sequence` goes up on every change of time, place or status, for calendar clients.
   Flush, never commit: the caller commits once.

A refused edit leaves the session with nothing written by it; the caller rolls back.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # lazy, named so that pybabel extracts it
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from mission_app import scheduling
from mission_app.extensions import db
from mission_app.models import Activity, Leg, Meeting, MeetingRequest, Mission, User, Venue
from mission_app.services.errors import DomainError, NotFound
from mission_app.services.keys import free_key
from mission_app.services.scheduling import MissionProblem, build_problem
from mission_app.services.timezones import format_local

# Rules the service checks itself before asking find_conflicts (locks have their own message).
_IGNORED_RULES = {"locked_moved"}


class StaleEdit(DomainError):
    """The meeting changed since the organiser loaded the page."""

    def __init__(self, message=None, meeting_id: int | None = None):
        self.message = message or _l(
            "This meeting was changed by someone else in the meantime: reload the grid."
        )
        self.meeting_id = meeting_id
        super().__init__(str(self.message))


class EditRefused(DomainError):
    """The edit would break a rule; `reasons` say which, in the organiser's language."""

    def __init__(self, message, reasons: Iterable = (), meeting_id: int | None = None):
        self.message = message
        self.reasons = list(reasons)
        self.meeting_id = meeting_id
        super().__init__("; ".join(str(part) for part in [message, *self.reasons]))


# ----- the edits ------------------------------------------------------------------------------


def move_meeting(
    mission: Mission,
    actor: User | None,
    meeting_id: int,
    *,
    expected_version: int,
    start_at: datetime,
    venue_id: int,
    table_number: int,
) -> Meeting:
    """Put a meeting at another slot and/or table (or venue) of its leg."""
    edit = _Edit.begin(mission)
    meeting = edit.meeting(meeting_id, expected_version)
    edit.refuse_if_not_movable(meeting, swapping=False)
    venue = edit.venue_of_leg(venue_id, edit.leg_of(meeting), meeting.id)
    start_slot = edit.slot_at(venue, start_at, meeting.id)
    target = scheduling.Assignment(meeting.request_id, start_slot, venue.id, table_number)
    if target == edit.assignment_of(meeting):
        return meeting
    edit.check({meeting.request_id: target}, meeting.id)
    edit.place(meeting, target)
    edit.flush(meeting.id)
    return meeting


def swap_meetings(
    mission: Mission,
    actor: User | None,
    first_id: int,
    first_version: int,
    second_id: int,
    second_version: int,
) -> tuple[Meeting, Meeting]:
    """Each meeting takes the other's time and table."""
    edit = _Edit.begin(mission)
    if first_id == second_id:
        raise EditRefused(_l("Choose two different meetings to swap."), meeting_id=first_id)
    first = edit.meeting(first_id, first_version)
    second = edit.meeting(second_id, second_version)
    for meeting in (first, second):
        edit.refuse_if_not_movable(meeting, swapping=True)
    if edit.leg_of(first).id != edit.leg_of(second).id:
        raise EditRefused(
            _l("These two meetings are not in the same city: they cannot be swapped."),
            meeting_id=first.id,
        )
    a, b = edit.assignment_of(first), edit.assignment_of(second)
    for meeting, assignment in ((first, a), (second, b)):
        if assignment is None:
            raise EditRefused(
                _l(
                    "%(pair)s starts at a time that is not a slot: move it before swapping it.",
                    pair=edit.pair(meeting.request_id),
                ),
                meeting_id=meeting.id,
            )
    first_target = scheduling.Assignment(first.request_id, b.start_slot, b.venue_id, b.table)
    second_target = scheduling.Assignment(second.request_id, a.start_slot, a.venue_id, a.table)
    edit.check(
        {first.request_id: first_target, second.request_id: second_target},
        first.id,
    )
    # The database refuses two scheduled meetings at one table even for a moment, and a swap
    # passes through such a moment: take the first meeting off the schedule while both move.
    first.status = "cancelled"
    edit.flush(first.id)
    edit.place(second, second_target)
    edit.flush(second.id)
    first.status = "scheduled"
    edit.place(first, first_target)
    edit.flush(first.id)
    return first, second


def cancel_meeting(
    mission: Mission, actor: User | None, meeting_id: int, expected_version: int
) -> Meeting:
    """Take a meeting off the schedule. Its row stays, so that calendars get a cancellation
    with the same UID; a day-of outcome recorded for it no longer applies."""
    edit = _Edit.begin(mission)
    meeting = edit.meeting(meeting_id, expected_version)
    if meeting.status == "cancelled":
        raise EditRefused(_l("This meeting is already cancelled."), meeting_id=meeting.id)
    meeting.status = "cancelled"
    meeting.cancelled_by_hand = True  # scheduler runs leave the request alone from now on
    meeting.outcome = None
    meeting.sequence += 1
    edit.flush(meeting.id)
    return meeting


def restore_meeting(
    mission: Mission, actor: User | None, meeting_id: int, expected_version: int
) -> Meeting:
    """Put a cancelled meeting back where it was, if that place and its people are still free."""
    edit = _Edit.begin(mission)
    meeting = edit.meeting(meeting_id, expected_version)
    if meeting.status == "scheduled":
        raise EditRefused(_l("This meeting is not cancelled."), meeting_id=meeting.id)
    other = edit.scheduled_by_request.get(meeting.request_id)
    if other is not None:
        raise EditRefused(
            _l(
                "%(pair)s already has another meeting, at %(time)s: cancel that one first.",
                pair=edit.pair(meeting.request_id),
                time=edit.when(other.start_at, edit.leg_of(other)),
            ),
            meeting_id=meeting.id,
        )
    start_slot = edit.mission_problem.slot_by_start.get((meeting.venue_id, meeting.start_at))
    if start_slot is None:
        raise EditRefused(
            _l(
                "Its time is no longer a slot of a meeting window: add a new meeting for this "
                "request instead."
            ),
            meeting_id=meeting.id,
        )
    target = scheduling.Assignment(
        meeting.request_id, start_slot, meeting.venue_id, meeting.table_number
    )
    edit.check({meeting.request_id: target}, meeting.id)
    meeting.status = "scheduled"
    clear_hand_cancellations(meeting.request_id)
    edit.place(meeting, target, bump=False)
    meeting.sequence += 1
    edit.flush(meeting.id)
    return meeting


def set_meeting_locked(
    mission: Mission, actor: User | None, meeting_id: int, expected_version: int, locked: bool
) -> Meeting:
    """A locked meeting is never moved by the scheduler, nor by hand until it is unlocked."""
    edit = _Edit.begin(mission)
    meeting = edit.meeting(meeting_id, expected_version)
    if meeting.locked != locked:
        meeting.locked = locked
        edit.flush(meeting.id)
    return meeting


def add_meeting(
    mission: Mission,
    actor: User | None,
    request_id: int,
    *,
    start_at: datetime,
    venue_id: int,
    table_number: int,
) -> Meeting:
    """Place by hand a request that has no scheduled meeting."""
    edit = _Edit.begin(mission)
    request = db.session.scalar(
        select(MeetingRequest)
        .where(MeetingRequest.id == request_id, MeetingRequest.mission_id == mission.id)
        .options(selectinload(MeetingRequest.delegation), selectinload(MeetingRequest.host))
    )
    if request is None:
        raise NotFound(f"request {request_id}")
    other = edit.scheduled_by_request.get(request.id)
    if other is not None:
        raise EditRefused(
            _l(
                "%(pair)s already has a meeting, at %(time)s.",
                pair=edit.pair(request.id),
                time=edit.when(other.start_at, edit.leg_of(other)),
            ),
            meeting_id=other.id,
        )
    problem_request = edit.problem.request_by_id.get(request.id)
    if problem_request is None:
        raise EditRefused(
            _l(
                "%(host)s meets in no city of the mission: give it a leg first.",
                host=request.host.name,
            )
        )
    leg = edit.legs[problem_request.leg_id]
    venue = edit.venue_of_leg(venue_id, leg, None)
    start_slot = edit.slot_at(venue, start_at, None)
    target = scheduling.Assignment(request.id, start_slot, venue.id, table_number)
    edit.check({request.id: target}, None)
    taken = set(db.session.scalars(select(Meeting.key).where(Meeting.mission_id == mission.id)))
    meeting = Meeting(
        mission_id=mission.id,
        request_id=request.id,
        key=free_key(f"m-{request.key}", taken),
        status="scheduled",
        sequence=0,
    )
    db.session.add(meeting)
    edit.place(meeting, target, bump=False)
    clear_hand_cancellations(request.id)
    edit.flush(None)
    return meeting


def clear_hand_cancellations(request_id: int) -> None:
    """The request is placed again (restored, by hand or by a run): scheduler runs take care of
    it from now on, whichever of its meetings an organiser had cancelled."""
    # no autoflush: the edit's own changes go out in the same UPDATE (one version bump)
    with db.session.no_autoflush:
        for cancelled in db.session.scalars(
            select(Meeting).where(Meeting.request_id == request_id, Meeting.cancelled_by_hand)
        ):
            cancelled.cancelled_by_hand = False


# ----- shared steps ---------------------------------------------------------------------------


def lock_mission(mission: Mission) -> None:
    """Serialise the edits of one mission until the transaction ends, then read afresh."""
    db.session.flush()
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks; a write takes the database's write lock now (other writers
        # wait for the commit), instead of at the first real write, after the checks.
        db.session.execute(text("UPDATE mission SET id = id WHERE id = :id"), {"id": mission.id})
    else:
        db.session.execute(select(Mission.id).where(Mission.id == mission.id).with_for_update())
    # What this session read before the lock may have changed since: read it again.
    db.session.expire_all()


@dataclasses.dataclass
class _Edit:
    mission: Mission
    mission_problem: MissionProblem
    problem: scheduling.Problem
    legs: dict[int, Leg]
    venues: dict[int, Venue]
    scheduled_by_request: dict[int, Meeting]
    _names: dict[int, tuple[str, str]] | None = None

    @classmethod
    def begin(cls, mission: Mission) -> _Edit:
        lock_mission(mission)
        mission_problem = build_problem(mission)
        legs = {
            leg.id: leg
            for leg in db.session.scalars(
                select(Leg).where(Leg.mission_id == mission.id).options(selectinload(Leg.venues))
            )
        }
        return cls(
            mission=mission,
            mission_problem=mission_problem,
            # Locks are checked by the edits themselves, with their own message.
            problem=dataclasses.replace(mission_problem.problem, existing=()),
            legs=legs,
            venues={venue.id: venue for leg in legs.values() for venue in leg.venues},
            scheduled_by_request=dict(mission_problem.meetings_by_request),
        )

    # --- reading

    def meeting(self, meeting_id: int, expected_version: int | None) -> Meeting:
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or meeting.mission_id != self.mission.id:
            raise NotFound(f"meeting {meeting_id}")
        if expected_version is None or meeting.lock_version != expected_version:
            raise StaleEdit(meeting_id=meeting.id)
        return meeting

    def leg_of(self, meeting: Meeting) -> Leg:
        return self.venues[meeting.venue_id].leg

    def assignment_of(self, meeting: Meeting) -> scheduling.Assignment | None:
        start_slot = self.mission_problem.slot_by_start.get((meeting.venue_id, meeting.start_at))
        if start_slot is None:
            return None
        return scheduling.Assignment(
            meeting.request_id, start_slot, meeting.venue_id, meeting.table_number
        )

    def refuse_if_not_movable(self, meeting: Meeting, swapping: bool) -> None:
        if meeting.status != "scheduled":
            raise EditRefused(
                _l(
                    "%(pair)s is cancelled: restore it first.",
                    pair=self.pair(meeting.request_id),
                ),
                meeting_id=meeting.id,
            )
        if meeting.outcome is not None:
            # it took place (or was missed) at that time and place: moving it would rewrite that
            raise EditRefused(
                _l(
                    "%(pair)s is already recorded as held or no-show: set it back to “not "
                    "recorded” on the day sheet first.",
                    pair=self.pair(meeting.request_id),
                ),
                meeting_id=meeting.id,
            )
        if meeting.locked:
            pair = self.pair(meeting.request_id)
            raise EditRefused(
                _l("%(pair)s is locked: unlock it before swapping it.", pair=pair)
                if swapping
                else _l("%(pair)s is locked: unlock it before moving it.", pair=pair),
                meeting_id=meeting.id,
            )

    def venue_of_leg(self, venue_id: int, leg: Leg, meeting_id: int | None) -> Venue:
        venue = self.venues.get(venue_id)
        if venue is None:
            raise NotFound(f"venue {venue_id}")
        if venue.leg_id != leg.id:
            raise EditRefused(
                _l(
                    "%(venue)s is in %(other)s, but this meeting takes place in %(city)s.",
                    venue=venue.name,
                    other=venue.leg.city,
                    city=leg.city,
                ),
                meeting_id=meeting_id,
            )
        return venue

    def slot_at(self, venue: Venue, start_at: datetime, meeting_id: int | None) -> int:
        start_slot = self.mission_problem.slot_by_start.get((venue.id, start_at))
        if start_slot is None:
            raise EditRefused(
                _l(
                    "%(time)s is not the start of a meeting slot at %(venue)s.",
                    time=self.when(start_at, venue.leg, with_day=True),
                    venue=venue.name,
                ),
                meeting_id=meeting_id,
            )
        return start_slot

    def pair(self, request_id: int) -> str:
        if self._names is None:
            requests = db.session.scalars(
                select(MeetingRequest)
                .where(MeetingRequest.mission_id == self.mission.id)
                .options(selectinload(MeetingRequest.delegation), selectinload(MeetingRequest.host))
            )
            self._names = {r.id: (r.delegation.name, r.host.name) for r in requests}
        delegation, host = self._names[request_id]
        return f"{delegation} – {host}"

    def when(self, instant: datetime, leg: Leg, with_day: bool = False) -> str:
        time = format_local(instant, leg.timezone, "time")
        if not with_day:
            return time
        return f"{format_local(instant, leg.timezone, 'short_date')} {time}"

    # --- checking

    def current(self) -> dict[int, scheduling.Assignment]:
        """The saved schedule, as the scheduler sees it (meetings off every slot left out: see
        `off_grid_clashes`)."""
        out = {}
        for meeting in self.scheduled_by_request.values():
            assignment = self.assignment_of(meeting)
            if assignment is not None:
                out[meeting.request_id] = assignment
        return out

    def check(self, targets: dict[int, scheduling.Assignment], meeting_id: int | None) -> None:
        """Refuse if the schedule with `targets` breaks a rule the saved one did not."""
        if any(request_id not in self.problem.request_by_id for request_id in targets):
            # Its host meets in no leg: the scheduler cannot even say where it may go.
            raise EditRefused(
                _l("This change is refused: it would break the schedule."),
                [_l("The host of this meeting meets in no city of the mission: give it a leg.")],
                meeting_id=meeting_id,
            )
        before_schedule = self.current()
        after_schedule = {**before_schedule, **targets}
        before = {
            c.identity for c in scheduling.find_conflicts(self.problem, before_schedule.values())
        }
        new = [
            c
            for c in scheduling.find_conflicts(self.problem, after_schedule.values())
            if c.rule not in _IGNORED_RULES and c.identity not in before
        ]
        off_grid = self.off_grid_clashes(targets)
        if new or off_grid:
            raise EditRefused(
                _l("This change is refused: it would break the schedule."),
                self.reasons(new, after_schedule, set(targets)) + off_grid,
                meeting_id=meeting_id,
            )

    def off_grid_clashes(self, targets: dict[int, scheduling.Assignment]) -> list:
        """Scheduled meetings that no longer start on a slot (their window was changed after
        they were placed) are invisible to find_conflicts, yet people and tables are taken at
        their real times: refuse a target that newly overlaps one of them."""
        off_grid = [
            m
            for request_id, m in self.scheduled_by_request.items()
            if request_id not in targets and self.assignment_of(m) is None
        ]
        out: list = []
        for request_id, target in targets.items():
            slots = self.problem.slots_of(request_id, target.start_slot)
            if not slots:
                continue
            start = self.problem.slot_by_index[slots[0]].start
            end = self.problem.slot_by_index[slots[-1]].end
            attendees = self.problem.request_by_id[request_id].attendees
            saved = self.scheduled_by_request.get(request_id)
            for other in off_grid:
                if not (start < other.end_at and other.start_at < end):
                    continue
                # What the saved meeting already overlapped is not new.
                overlapped = saved is not None and (
                    saved.start_at < other.end_at and other.start_at < saved.end_at
                )
                time = self.when(other.start_at, self.leg_of(other))
                other_request = self.problem.request_by_id.get(other.request_id)
                shared = [
                    self.problem.person_by_id[p].name
                    for p in attendees
                    if other_request is not None and p in other_request.attendees
                ]
                if shared and not overlapped:
                    out.append(
                        ngettext(
                            "%(people)s already has a meeting at %(time)s: %(other)s.",
                            "%(people)s already have a meeting at %(time)s: %(other)s.",
                            len(shared),
                            people=", ".join(shared),
                            time=time,
                            other=self.pair(other.request_id),
                        )
                    )
                same_table = (other.venue_id, other.table_number) == (
                    target.venue_id,
                    target.table,
                )
                was_same_table = overlapped and (saved.venue_id, saved.table_number) == (
                    other.venue_id,
                    other.table_number,
                )
                if same_table and not was_same_table:
                    out.append(
                        _l(
                            "Table %(table)d of %(venue)s is already taken at %(time)s by "
                            "%(other)s.",
                            table=target.table,
                            venue=self.venues[target.venue_id].name,
                            time=time,
                            other=self.pair(other.request_id),
                        )
                    )
        return out

    def reasons(self, conflicts, schedule, edited: set[int]) -> list:
        """One sentence per problem, from the side of the edited meeting(s), naming the people
        and the other meeting, in the leg's local time."""
        problem = self.problem
        grouped: dict[tuple, list] = defaultdict(list)
        for c in conflicts:
            detail = None
            if c.rule == "person_busy":
                detail = self._activity_at(c.person_id, c.slot)
                grouped[(c.rule, c.request_ids, detail, None)].append(c)
            else:
                slot = None if c.rule == "person_clash" else c.slot
                grouped[(c.rule, c.request_ids, None, slot)].append(c)
        out = []
        for (rule, request_ids, detail, _slot), group in grouped.items():
            names = []
            for c in group:
                person = problem.person_by_id.get(c.person_id)
                if person is not None and person.name not in names:
                    names.append(person.name)
            others = [r for r in request_ids if r not in edited] or list(request_ids[1:])
            own = next((r for r in request_ids if r in edited), request_ids[0])
            other = others[0] if others else own
            out.append(self._word(rule, own, other, names, detail, group[0], schedule))
        return out

    def _word(self, rule, own, other, names, detail, conflict, schedule):
        problem = self.problem
        request = problem.request_by_id.get(own)
        leg = self.legs.get(request.leg_id) if request else None
        assignment = schedule.get(other) or schedule.get(own)
        time = ""
        if assignment is not None and leg is not None:
            time = self.when(problem.slot_by_index[assignment.start_slot].start, leg)
        people = ", ".join(names)
        if rule == "table_clash":
            venue = self.venues.get(assignment.venue_id)
            return _l(
                "Table %(table)d of %(venue)s is already taken at %(time)s by %(other)s.",
                table=assignment.table,
                venue=venue.name if venue else "",
                time=time,
                other=self.pair(other),
            )
        if rule == "person_clash":
            return ngettext(
                "%(people)s already has a meeting at %(time)s: %(other)s.",
                "%(people)s already have a meeting at %(time)s: %(other)s.",
                len(names),
                people=people,
                time=time,
                other=self.pair(other),
            )
        if rule == "person_busy":
            slot_time = (
                self.when(problem.slot_by_index[conflict.slot].start, leg)
                if conflict.slot is not None and leg is not None
                else time
            )
            if detail is not None:
                return ngettext(
                    "%(people)s is at “%(activity)s” at %(time)s.",
                    "%(people)s are at “%(activity)s” at %(time)s.",
                    len(names),
                    people=people,
                    activity=detail,
                    time=slot_time,
                )
            return ngettext(
                "%(people)s is not available at %(time)s.",
                "%(people)s are not available at %(time)s.",
                len(names),
                people=people,
                time=slot_time,
            )
        if rule == "bad_table":
            own_assignment = schedule[own]
            venue = self.venues[own_assignment.venue_id]
            return _l(
                "Table %(table)d does not exist: %(venue)s has %(tables)d tables.",
                table=own_assignment.table,
                venue=venue.name,
                tables=venue.tables,
            )
        if rule == "outside_window":
            return ngettext(
                "This meeting lasts %(num)d slot and would run past the end of the meeting window.",
                "This meeting lasts %(num)d slots and would run past the end of the meeting "
                "window.",
                request.duration_slots if request else 1,
            )
        if rule == "not_allowed":
            return _l("Outside the times allowed for this request.")
        if rule == "duplicate_request":
            return _l("This request already has a meeting.")
        if rule == "precedence":
            first, second = conflict.request_ids
            return _l(
                "%(first)s must be held before %(second)s.",
                first=self.pair(first),
                second=self.pair(second),
            )
        return conflict.message

    def _activity_at(self, person_id, slot: int | None) -> str | None:
        if slot is None:
            return None
        start = self.problem.slot_by_index[slot].start
        end = self.problem.slot_by_index[slot].end
        title = db.session.scalar(
            select(Activity.title)
            .where(
                Activity.mission_id == self.mission.id,
                Activity.start_at < end,
                Activity.end_at > start,
                Activity.attendees.any(id=person_id),
            )
            .order_by(Activity.start_at)
            .limit(1)
        )
        return title

    # --- writing

    def place(self, meeting: Meeting, target: scheduling.Assignment, bump: bool = True) -> None:
        slots = self.problem.slots_of(target.request_id, target.start_slot)
        start = self.problem.slot_by_index[slots[0]].start
        end = self.problem.slot_by_index[slots[-1]].end
        if bump and (
            meeting.start_at != start
            or meeting.end_at != end
            or meeting.venue_id != target.venue_id
            or meeting.table_number != target.table
        ):
            meeting.sequence += 1
        meeting.venue_id = target.venue_id
        meeting.table_number = target.table
        meeting.start_at, meeting.end_at = start, end

    def flush(self, meeting_id: int | None) -> None:
        try:
            db.session.flush()
        except StaleDataError:
            raise StaleEdit(meeting_id=meeting_id) from None
        except IntegrityError:
            # The database's own rules (one meeting per table at a time, one per request) are
            # the last line; the checks above should have refused first.
            raise EditRefused(
                _l("This change is refused: it would break the schedule."),
                [_l("The table or the request is already taken at that time.")],
                meeting_id=meeting_id,
            ) from None
