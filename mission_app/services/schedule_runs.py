"""Scheduling runs: start one, follow it, stop it, review and apply its result."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # lazy, named so that pybabel extracts it
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from mission_app import scheduling
from mission_app.extensions import db
from mission_app.models import Meeting, MeetingRequest, Mission, Person, ScheduleRun, User, Venue
from mission_app.models.types import utcnow
from mission_app.services.errors import NotFound, ValidationFailed
from mission_app.services.meeting_edits import lock_mission
from mission_app.services.scheduling import (
    MeetingChange,
    apply_schedule,
    build_problem,
    compare,
    empty_figures,
)
from mission_app.services.timezones import format_local

TIME_LIMITS = (10, 30, 60, 120, 300)


def list_runs(mission: Mission, limit: int = 10) -> list[ScheduleRun]:
    return list(
        db.session.scalars(
            select(ScheduleRun)
            .where(ScheduleRun.mission_id == mission.id)
            .order_by(ScheduleRun.id.desc())
            .limit(limit)
        )
    )


def get_run(mission: Mission, run_id: int) -> ScheduleRun:
    run = db.session.get(ScheduleRun, run_id)
    if run is None or run.mission_id != mission.id:
        raise NotFound(f"schedule run {run_id}")
    return run


def start_run(actor: User, mission: Mission, *, time_limit: int, fresh: bool) -> ScheduleRun:
    """A queued run. The caller enqueues the job once this is committed."""
    if time_limit not in TIME_LIMITS:
        raise ValidationFailed({"time_limit": [_l("Choose one of the proposed durations.")]})
    active = db.session.scalar(
        select(ScheduleRun.id).where(
            ScheduleRun.mission_id == mission.id, ScheduleRun.status.in_(("queued", "running"))
        )
    )
    if active is not None:
        raise ValidationFailed(_l("A schedule is already being computed for this mission."))
    run = ScheduleRun(
        mission_id=mission.id,
        created_by_id=actor.id if actor else None,
        time_limit_seconds=time_limit,
        fresh=fresh,
        input_fingerprint=schedule_fingerprint(mission),
    )
    db.session.add(run)
    db.session.flush()
    return run


def schedule_fingerprint(mission: Mission) -> str:
    """A digest of what a scheduler run starts from: every meeting of the mission, where and
    when it is, and whether it is scheduled, locked or cancelled by hand. What happens on the
    day (held, no-show) is left out: organisers mark it all day long, and `apply_schedule`
    refuses to move such a meeting anyway."""
    rows = db.session.execute(
        select(
            Meeting.id,
            Meeting.request_id,
            Meeting.status,
            Meeting.start_at,
            Meeting.end_at,
            Meeting.venue_id,
            Meeting.table_number,
            Meeting.locked,
            Meeting.cancelled_by_hand,
        )
        .where(Meeting.mission_id == mission.id)
        .order_by(Meeting.id)
    ).all()
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()


def request_stop(actor: User, run: ScheduleRun) -> None:
    """Ask the solver to stop; it keeps the best schedule found so far."""
    if run.is_active:
        run.stop_requested = True
        db.session.flush()


def figures_as_dict(figures: scheduling.Figures | scheduling.Progress) -> dict:
    fields = (
        "weight",
        "weight_requested",
        "weight_bound",
        "min_share",
        "min_share_bound",
        "idle_gaps",
        "table_changes",
        "published_moved",
        "seconds",
        "status",
        "stage",
    )
    return {name: getattr(figures, name) for name in fields if hasattr(figures, name)}


def store_result(
    run: ScheduleRun,
    solution: scheduling.Solution,
    slot_times: dict[int, tuple[datetime, datetime]],
    stopped: bool,
) -> None:
    run.figures = figures_as_dict(solution.figures)
    run.assignments = [
        {
            "request": a.request_id,
            "venue": a.venue_id,
            "table": a.table,
            "start": slot_times[a.start_slot][0].isoformat(),
        }
        for a in solution.assignments
    ]
    run.unscheduled = [unscheduled_item(u) for u in solution.unscheduled]
    run.status = "stopped" if stopped else "done"
    run.finished_at = utcnow()


def unscheduled_item(u: scheduling.Unscheduled) -> dict:
    """A left-out request as stored with a run (JSON), and as `unscheduled_reason` reads it."""
    return {
        "request": u.request_id,
        "code": u.code,
        "people": list(u.people),
        "reason": u.reason,
        "only_at": [[start.isoformat(), end.isoformat()] for start, end in u.only_at],
    }


def _stored_assignments(run: ScheduleRun, slot_by_start) -> tuple[list, list[str]]:
    """The run's meetings on today's slot grid; meetings whose slot is gone are reported."""
    assignments, lost = [], []
    for item in run.assignments or ():
        start = datetime.fromisoformat(item["start"])
        slot = slot_by_start.get((item["venue"], start))
        if slot is None:
            lost.append(item["request"])
        else:
            assignments.append(
                scheduling.Assignment(item["request"], slot, item["venue"], item["table"])
            )
    return assignments, lost


@dataclass(frozen=True)
class Placement:
    start: datetime
    venue: str
    table: int
    zone: str


@dataclass(frozen=True)
class ChangeRow:
    kind: str  # "new" | "moved" | "dropped" | "kept"
    delegation: str
    host: str
    before: Placement | None
    after: Placement | None


@dataclass(frozen=True)
class RunReview:
    rows: list[ChangeRow]
    unscheduled: list[tuple[str, str, str]]  # delegation, host, reason

    def of_kind(self, kind: str) -> list[ChangeRow]:
        return [row for row in self.rows if row.kind == kind]


def review_run(mission: Mission, run: ScheduleRun) -> RunReview:
    """What applying the run would change in today's schedule, ready to show."""
    mission_problem = build_problem(mission)
    assignments, _ = _stored_assignments(run, mission_problem.slot_by_start)
    solution = scheduling.Solution(tuple(assignments), (), empty_figures())
    changes = compare(mission_problem, solution)
    requests = {
        r.id: r
        for r in db.session.scalars(
            select(MeetingRequest)
            .where(MeetingRequest.mission_id == mission.id)
            .options(joinedload(MeetingRequest.delegation), joinedload(MeetingRequest.host))
        )
    }
    venues = {
        v.id: v
        for v in db.session.scalars(
            select(Venue).where(Venue.mission_id == mission.id).options(joinedload(Venue.leg))
        )
    }

    def before(meeting) -> Placement | None:
        if meeting is None:
            return None
        venue = venues[meeting.venue_id]
        return Placement(meeting.start_at, venue.name, meeting.table_number, venue.leg.timezone)

    def after(assignment) -> Placement | None:
        if assignment is None:
            return None
        venue = venues[assignment.venue_id]
        start = mission_problem.slot_times[assignment.start_slot][0]
        return Placement(start, venue.name, assignment.table, venue.leg.timezone)

    order = {"moved": 0, "dropped": 1, "new": 2, "kept": 3}
    rows = sorted(
        (
            ChangeRow(
                change.kind,
                requests[change.request_id].delegation.name,
                requests[change.request_id].host.name,
                before(change.before),
                after(change.after),
            )
            for change in changes
        ),
        key=lambda row: (order[row.kind], (row.after or row.before).start, row.delegation),
    )
    names = dict(
        db.session.execute(
            select(Person.id, Person.name).where(Person.mission_id == mission.id)
        ).all()
    )
    problem = mission_problem.problem

    def zone_of(request_id: int) -> str:
        request = problem.request_by_id.get(request_id)  # None: its host has lost its leg
        leg = problem.leg_by_id.get(request.leg_id) if request else None
        return leg.timezone if leg else "UTC"

    unscheduled = [
        (
            requests[item["request"]].delegation.name,
            requests[item["request"]].host.name,
            unscheduled_reason(item, names, zone_of(item["request"])),
        )
        for item in run.unscheduled or ()
        if item["request"] in requests
    ]
    placed = {change.request_id for change in changes}
    unscheduled += [
        (
            requests[request_id].delegation.name,
            requests[request_id].host.name,
            str(
                _l(
                    "Its meeting was cancelled by hand, so runs leave it off the schedule: "
                    "restore that meeting or place the request in the grid."
                )
            ),
        )
        for request_id in mission_problem.held_back
        if request_id in requests and request_id not in placed
    ]
    return RunReview(rows, unscheduled)


def unscheduled_reason(item: dict, names: dict[int, str], zone: str, by_hand: bool = False) -> str:
    """Why a request was left out, in the reader's language. The scheduler's own words are
    English; its reason code, the people concerned and the times left to them carry what is
    needed to say it again (times in `zone`, the leg's). `by_hand`: said of the schedule as it
    stands on the grid, in the present, rather than of a run's choices."""
    named = [names.get(person_id, "?") for person_id in item.get("people", ())]
    people = ", ".join(named)
    if item.get("code") == "free":
        return str(
            _l(
                "A slot is free %(times)s: put the request on the grid.",
                times=_spans_text(item["only_at"], zone),
            )
        )
    if item.get("code") == "full":
        busy = people or _l("the attendees")
        many = len(named) or 2  # "the attendees" take the plural
        times = _spans_text(item["only_at"], zone) if item.get("only_at") else None
        if by_hand and times:
            return str(
                ngettext(
                    "Only possible %(times)s: at those times %(people)s already has other "
                    "meetings or every table is taken.",
                    "Only possible %(times)s: at those times %(people)s already have other "
                    "meetings or every table is taken.",
                    many,
                    times=times,
                    people=busy,
                )
            )
        if by_hand:
            return str(
                ngettext(
                    "At the times when all can meet, %(people)s already has other meetings or "
                    "every table is taken.",
                    "At the times when all can meet, %(people)s already have other meetings or "
                    "every table is taken.",
                    many,
                    people=busy,
                )
            )
        if times:
            return str(
                ngettext(
                    "Only possible %(times)s: at those times %(people)s already had other "
                    "meetings or every table was taken; other requests came first.",
                    "Only possible %(times)s: at those times %(people)s already had other "
                    "meetings or every table was taken; other requests came first.",
                    many,
                    times=times,
                    people=busy,
                )
            )
        return str(
            ngettext(
                "At the times when all could meet, %(people)s already had other meetings or "
                "every table was taken; other requests came first.",
                "At the times when all could meet, %(people)s already had other meetings or "
                "every table was taken; other requests came first.",
                many,
                people=busy,
            )
        )
    reasons = {
        "no_window": _l("No meeting window of the host's leg can hold a meeting this long."),
        "never_available": _l(
            "%(people)s: never available during the meeting windows of this leg.",
            people=people,
        ),
        "no_common_time": _l("%(people)s are never available at the same time.", people=people),
        "no_table": _l(
            "At the times when all could meet, no single table stays free for the whole "
            "meeting: meetings that stay in place (locked, held or no-show) hold their tables."
        ),
    }
    reason = reasons.get(item.get("code"))
    return str(reason) if reason is not None else item["reason"]


def _spans_text(spans: list[list[str]], zone: str) -> str:
    """ "mar. 23 mars 11:00–12:00, …" in the reader's language, from stored ISO instants."""
    parts = []
    for start_text, end_text in spans:
        start, end = datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
        day = format_local(start, zone, "short_date")
        parts.append(f"{day} {format_local(start, zone, 'time')}–{format_local(end, zone, 'time')}")
    return ", ".join(parts)


def apply_run(actor: User, mission: Mission, run: ScheduleRun) -> list[MeetingChange]:
    """Write the run's schedule in the caller's transaction; refused if it no longer fits."""
    if not run.can_apply:
        raise ValidationFailed(_l("This result cannot be applied any more."))
    # Applying a schedule computed from an older one would undo the edits made since; the
    # grid's lock makes an edit wait until this apply is committed, or the other way round.
    lock_mission(mission)
    db.session.refresh(run)
    if run.input_fingerprint is not None and run.input_fingerprint != schedule_fingerprint(mission):
        raise ValidationFailed(
            _l("The schedule was changed since this calculation started: run it again.")
        )
    mission_problem = build_problem(mission)
    assignments, lost = _stored_assignments(run, mission_problem.slot_by_start)
    if lost:
        raise ValidationFailed(
            _l("The meeting windows changed since this schedule was computed: compute a new one.")
        )
    changes = apply_schedule(actor, mission, assignments)
    run.status = "applied"
    db.session.flush()
    return changes


def discard_run(actor: User, run: ScheduleRun) -> None:
    if run.status in ("done", "stopped", "failed"):
        run.status = "discarded"
        db.session.flush()
