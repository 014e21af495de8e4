"""Meeting requests: which delegation firm wants to meet which host, and how much.

Pages here are loaded in a fixed number of queries: the request matrix of a mission with
hundreds of organisations and thousands of requests costs the same handful as a tiny one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from mission_app.extensions import db
from mission_app.models import (
    Leg,
    Meeting,
    MeetingRequest,
    Mission,
    Organisation,
    Person,
    User,
    Venue,
)
from mission_app.models.followups import FollowUp
from mission_app.models.meetings import PRIORITIES, REQUESTERS
from mission_app.models.participants import HOST_CATEGORIES
from mission_app.services.errors import NotFound, ValidationFailed
from mission_app.services.keys import slugify
from mission_app.services.participants import home_leg

MAX_DURATION_SLOTS = 16  # as the database's duration_range constraint


class RequestChoice(NamedTuple):
    """One host checked on a delegation firm's request page."""

    host_id: int
    priority: int
    requested_by: str
    duration_slots: int = 1


@dataclass
class CategoryGroup:
    category: str
    hosts: list[Organisation] = field(default_factory=list)


@dataclass
class LegGroup:
    """Hosts of one leg by category; `leg` is None for hosts whose leg cannot be told."""

    leg: Leg | None
    categories: list[CategoryGroup] = field(default_factory=list)

    @property
    def hosts(self) -> list[Organisation]:
        return [host for group in self.categories for host in group.hosts]


@dataclass(frozen=True)
class Cell:
    request_id: int
    priority: int
    has_meeting: bool


@dataclass
class RequestMatrix:
    delegations: list[Organisation]
    groups: list[LegGroup]
    cells: dict[tuple[int, int], Cell]
    row_counts: Counter
    column_counts: Counter
    legs: list[Leg]

    @property
    def hosts(self) -> list[Organisation]:
        return [host for group in self.groups for host in group.hosts]

    @property
    def columns(self) -> list[tuple[Organisation, str]]:
        """Each host with the boundary it starts: 'leg', 'category' or ''."""
        columns = []
        for group in self.groups:
            for index, category in enumerate(group.categories):
                for position, host in enumerate(category.hosts):
                    boundary = "" if position else ("category" if index else "leg")
                    columns.append((host, boundary))
        return columns

    @property
    def total(self) -> int:
        return len(self.cells)

    def cell(self, delegation_id: int, host_id: int) -> Cell | None:
        return self.cells.get((delegation_id, host_id))


@dataclass(frozen=True)
class FirmSummary:
    delegation: Organisation
    by_priority: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.by_priority.values())


@dataclass
class FirmRequestsPage:
    delegation: Organisation
    groups: list[LegGroup]
    requests: dict[int, MeetingRequest]  # by host id
    with_meeting: set[int]  # request ids that have a scheduled meeting
    previous: Organisation | None
    next: Organisation | None


@dataclass(frozen=True)
class SaveSummary:
    added: int
    changed: int
    removed: int
    meetings_removed: int


# ----------------------------------------------------------------------------- loading


def _legs(mission: Mission) -> list[Leg]:
    return list(
        db.session.scalars(
            select(Leg).where(Leg.mission_id == mission.id).order_by(Leg.position, Leg.id)
        )
    )


def _organisations(mission: Mission, side: str) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.mission_id == mission.id, Organisation.side == side)
            .order_by(Organisation.name, Organisation.id)
        )
    )


def host_leg_id(host: Organisation, legs: list[Leg]) -> int | None:
    leg = home_leg(host, legs)
    return leg.id if leg else None


def group_hosts(hosts: list[Organisation], legs: list[Leg]) -> list[LegGroup]:
    """Hosts by leg (in leg order, hosts without a leg last), then by category, then by name."""
    order = {category: index for index, category in enumerate(HOST_CATEGORIES)}
    by_leg: dict[int | None, list[Organisation]] = {}
    for host in hosts:
        by_leg.setdefault(host_leg_id(host, legs), []).append(host)
    groups = []
    for leg in [*legs, None]:
        members = by_leg.get(leg.id if leg is not None else None)
        if not members:
            continue
        group = LegGroup(leg=leg)
        for host in sorted(members, key=lambda h: (order.get(h.category, 99), h.name, h.id)):
            if not group.categories or group.categories[-1].category != host.category:
                group.categories.append(CategoryGroup(category=host.category))
            group.categories[-1].hosts.append(host)
        groups.append(group)
    return groups


def _scheduled_request_ids(mission: Mission) -> set[int]:
    return set(
        db.session.scalars(
            select(Meeting.request_id).where(
                Meeting.mission_id == mission.id, Meeting.status == "scheduled"
            )
        )
    )


def load_request_matrix(mission: Mission, leg_id: int | None = None) -> RequestMatrix:
    """Delegation firms × hosts with every request, in five queries whatever the size.

    `leg_id` keeps only the hosts of that leg (the rows stay: every firm travels everywhere).
    """
    legs = _legs(mission)
    delegations = _organisations(mission, "delegation")
    hosts = _organisations(mission, "host")
    groups = group_hosts(hosts, legs)
    if leg_id is not None:
        groups = [group for group in groups if group.leg is not None and group.leg.id == leg_id]
    shown_hosts = {host.id for group in groups for host in group.hosts}
    scheduled = _scheduled_request_ids(mission)
    rows = db.session.execute(
        select(
            MeetingRequest.id,
            MeetingRequest.delegation_id,
            MeetingRequest.host_id,
            MeetingRequest.priority,
        ).where(MeetingRequest.mission_id == mission.id)
    ).all()
    cells: dict[tuple[int, int], Cell] = {}
    row_counts: Counter = Counter()
    column_counts: Counter = Counter()
    for request_id, delegation_id, host_id, priority in rows:
        if host_id not in shown_hosts:
            continue
        cells[(delegation_id, host_id)] = Cell(request_id, priority, request_id in scheduled)
        row_counts[delegation_id] += 1
        column_counts[host_id] += 1
    return RequestMatrix(
        delegations=delegations,
        groups=groups,
        cells=cells,
        row_counts=row_counts,
        column_counts=column_counts,
        legs=legs,
    )


@dataclass(frozen=True)
class CellState:
    """One cell after a change, with the counts of its row and column."""

    delegation_id: int
    host_id: int
    cell: Cell | None
    row_count: int
    column_count: int


def load_matrix_cell(
    mission: Mission, delegation_id: int, host_id: int, leg_id: int | None = None
) -> CellState:
    """What the matrix shows for one pair, for redrawing a single cell in place.

    The row count covers the hosts shown: all of them, or those of `leg_id`.
    """
    request = db.session.scalar(
        select(MeetingRequest).where(
            MeetingRequest.mission_id == mission.id,
            MeetingRequest.delegation_id == delegation_id,
            MeetingRequest.host_id == host_id,
        )
    )
    cell = None
    if request is not None:
        has_meeting = db.session.scalar(
            select(Meeting.id).where(
                Meeting.request_id == request.id, Meeting.status == "scheduled"
            )
        )
        cell = Cell(request.id, request.priority, has_meeting is not None)
    row_hosts = db.session.scalars(
        select(MeetingRequest.host_id).where(MeetingRequest.delegation_id == delegation_id)
    ).all()
    if leg_id is not None and row_hosts:
        legs = _legs(mission)
        hosts = db.session.scalars(select(Organisation).where(Organisation.id.in_(row_hosts))).all()
        row_count = sum(1 for host in hosts if host_leg_id(host, legs) == leg_id)
    else:
        row_count = len(row_hosts)
    column_count = db.session.scalar(
        select(func.count(MeetingRequest.id)).where(MeetingRequest.host_id == host_id)
    )
    return CellState(delegation_id, host_id, cell, row_count, column_count)


def summarise_requests(mission: Mission) -> list[FirmSummary]:
    """Each delegation firm with its number of requests per priority, in two queries."""
    delegations = _organisations(mission, "delegation")
    counts: dict[int, Counter] = {}
    for delegation_id, priority in db.session.execute(
        select(MeetingRequest.delegation_id, MeetingRequest.priority).where(
            MeetingRequest.mission_id == mission.id
        )
    ):
        counts.setdefault(delegation_id, Counter())[priority] += 1
    return [
        FirmSummary(
            delegation=delegation,
            by_priority={p: counts.get(delegation.id, Counter())[p] for p in PRIORITIES},
        )
        for delegation in delegations
    ]


def get_delegation(mission: Mission, delegation_id: int) -> Organisation:
    delegation = db.session.scalar(
        select(Organisation).where(
            Organisation.id == delegation_id,
            Organisation.mission_id == mission.id,
            Organisation.side == "delegation",
        )
    )
    if delegation is None:
        raise NotFound(f"delegation firm {delegation_id}")
    return delegation


def load_firm_requests(mission: Mission, delegation: Organisation) -> FirmRequestsPage:
    """Every host of the mission, grouped, with the firm's request to each (if any)."""
    legs = _legs(mission)
    delegations = _organisations(mission, "delegation")
    hosts = _organisations(mission, "host")
    requests = {
        request.host_id: request
        for request in db.session.scalars(
            select(MeetingRequest).where(MeetingRequest.delegation_id == delegation.id)
        )
    }
    with_meeting = set(
        db.session.scalars(
            select(Meeting.request_id).where(
                Meeting.request_id.in_([request.id for request in requests.values()]),
                Meeting.status == "scheduled",
            )
        )
    )
    position = next(i for i, firm in enumerate(delegations) if firm.id == delegation.id)
    return FirmRequestsPage(
        delegation=delegation,
        groups=group_hosts(hosts, legs),
        requests=requests,
        with_meeting=with_meeting,
        previous=delegations[position - 1] if position > 0 else None,
        next=delegations[position + 1] if position + 1 < len(delegations) else None,
    )


def get_request(mission: Mission, request_id: int) -> MeetingRequest:
    request = db.session.scalar(
        select(MeetingRequest)
        .where(MeetingRequest.id == request_id, MeetingRequest.mission_id == mission.id)
        .options(
            selectinload(MeetingRequest.attendees),
            selectinload(MeetingRequest.delegation).selectinload(Organisation.people),
            selectinload(MeetingRequest.host).selectinload(Organisation.people),
            selectinload(MeetingRequest.meetings)
            .selectinload(Meeting.venue)
            .selectinload(Venue.leg),
        )
    )
    if request is None:
        raise NotFound(f"meeting request {request_id}")
    return request


# ----------------------------------------------------------------------------- changing


class _KeyMaker:
    """Unique request keys for a batch, reading the mission's taken keys once."""

    def __init__(self, mission_id: int):
        self.taken = set(
            db.session.scalars(
                select(MeetingRequest.key).where(MeetingRequest.mission_id == mission_id)
            )
        )

    def __call__(self, delegation: Organisation, host: Organisation) -> str:
        base = slugify(f"{delegation.key}-{host.key}", max_length=56)
        key, n = base, 2
        while key in self.taken:
            key, n = f"{base}-{n}", n + 1
        self.taken.add(key)
        return key


def _check_choices(choices: list[RequestChoice], hosts: dict[int, Organisation]) -> list:
    """Each broken rule once, however many rows break it."""
    host_ids = [choice.host_id for choice in choices]
    broken = [
        (
            any(host_id not in hosts for host_id in host_ids),
            _l("Choose hosts among the host organisations of this mission."),
        ),
        (
            any(choice.priority not in PRIORITIES for choice in choices),
            _l("The priority is Must, High or Normal."),
        ),
        (
            any(not 1 <= choice.duration_slots <= MAX_DURATION_SLOTS for choice in choices),
            _l("A meeting lasts from 1 to %(max)d slots.", max=MAX_DURATION_SLOTS),
        ),
        (
            any(choice.requested_by not in REQUESTERS for choice in choices),
            _l("Say who asked for the meeting."),
        ),
        (len(set(host_ids)) != len(host_ids), _l("Each host can be chosen once.")),
    ]
    return [reason for is_broken, reason in broken if is_broken]


def _refuse_removing_history(requests: list[MeetingRequest]) -> None:
    """A request whose meeting took place (an outcome recorded on the day) or has a follow-up
    keeps it: removing the request would delete that record with it. Meetings only scheduled or
    published may go (publishing tells their people of the cancellation)."""
    if not requests:
        return
    by_id = {request.id: request for request in requests}
    rows = db.session.execute(
        select(Meeting.request_id, Meeting.outcome, FollowUp.id)
        .outerjoin(FollowUp, FollowUp.meeting_id == Meeting.id)
        .where(
            Meeting.request_id.in_(by_id),
            or_(Meeting.outcome.is_not(None), FollowUp.id.is_not(None)),
        )
        .order_by(Meeting.request_id, Meeting.id)
    ).all()
    reasons, named = [], set()
    for request_id, outcome, follow_up_id in rows:
        if request_id in named:  # one reason per request, from its first such meeting
            continue
        named.add(request_id)
        request = by_id[request_id]
        if follow_up_id is not None and outcome == "held":
            why = _l("its meeting was held and has a follow-up")
        elif follow_up_id is not None:
            why = _l("its meeting has a follow-up")
        elif outcome == "held":
            why = _l("its meeting was held")
        else:
            why = _l("its meeting is recorded as a no-show")
        reasons.append(
            _l(
                "The request of %(firm)s to meet %(host)s cannot be removed: %(why)s.",
                firm=request.delegation.name,
                host=request.host.name,
                why=why,
            )
        )
    if reasons:
        raise ValidationFailed({"": reasons})


def set_firm_requests(
    actor: User, delegation: Organisation, choices: list[RequestChoice]
) -> SaveSummary:
    """Make the firm's requests exactly `choices`: add, change, and remove the unchecked ones.

    Removing a request removes its meetings too, unless one of them took place or has a
    follow-up: then nothing is saved.
    """
    if delegation.side != "delegation":
        raise ValidationFailed(_l("Only a delegation firm asks for meetings."))
    mission_id = delegation.mission_id
    hosts = {
        host.id: host
        for host in db.session.scalars(
            select(Organisation).where(
                Organisation.mission_id == mission_id, Organisation.side == "host"
            )
        )
    }
    reasons = _check_choices(choices, hosts)
    if reasons:
        raise ValidationFailed({"": reasons})

    existing = {
        request.host_id: request
        for request in db.session.scalars(
            select(MeetingRequest)
            .where(MeetingRequest.delegation_id == delegation.id)
            .options(selectinload(MeetingRequest.meetings))
        )
    }
    wanted = {choice.host_id: choice for choice in choices}
    _refuse_removing_history([r for host_id, r in existing.items() if host_id not in wanted])
    added = changed = removed = meetings_removed = 0
    for host_id, request in existing.items():
        if host_id not in wanted:
            meetings_removed += sum(1 for m in request.meetings if m.status == "scheduled")
            db.session.delete(request)
            removed += 1
    make_key = _KeyMaker(mission_id)
    for host_id, choice in wanted.items():
        request = existing.get(host_id)
        if request is None:
            db.session.add(
                MeetingRequest(
                    mission_id=mission_id,
                    key=make_key(delegation, hosts[host_id]),
                    delegation_id=delegation.id,
                    host_id=host_id,
                    priority=choice.priority,
                    requested_by=choice.requested_by,
                    duration_slots=choice.duration_slots,
                )
            )
            added += 1
        elif (request.priority, request.requested_by, request.duration_slots) != (
            choice.priority,
            choice.requested_by,
            choice.duration_slots,
        ):
            request.priority = choice.priority
            request.requested_by = choice.requested_by
            request.duration_slots = choice.duration_slots
            changed += 1
    db.session.flush()
    return SaveSummary(added, changed, removed, meetings_removed)


def toggle_request(
    actor: User, mission: Mission, delegation_id: int, host_id: int
) -> MeetingRequest | None:
    """Switch a request on (priority Normal, asked by the organiser) or off (with its meetings,
    refused if one of them took place or has a follow-up).

    Returns the new request, or None when it was switched off.
    """
    organisations = {
        organisation.id: organisation
        for organisation in db.session.scalars(
            select(Organisation).where(
                Organisation.id.in_([delegation_id, host_id]),
                Organisation.mission_id == mission.id,
            )
        )
    }
    delegation, host = organisations.get(delegation_id), organisations.get(host_id)
    if delegation is None or host is None:
        raise NotFound(f"organisations {delegation_id}, {host_id}")
    if delegation.side != "delegation" or host.side != "host":
        raise ValidationFailed(_l("A request goes from a delegation firm to a host."))
    request = db.session.scalar(
        select(MeetingRequest).where(
            MeetingRequest.delegation_id == delegation_id, MeetingRequest.host_id == host_id
        )
    )
    if request is not None:
        _refuse_removing_history([request])
        db.session.delete(request)
        db.session.flush()
        return None
    request = MeetingRequest(
        mission_id=mission.id,
        key=_KeyMaker(mission.id)(delegation, host),
        delegation_id=delegation_id,
        host_id=host_id,
        priority=3,
        requested_by="organiser",
        duration_slots=1,
    )
    db.session.add(request)
    db.session.flush()
    return request


def update_request(
    actor: User, request: MeetingRequest, *, attendee_ids: tuple[int, ...], duration_slots: int
) -> MeetingRequest:
    """Who attends (people of either organisation; none chosen: everyone) and how long."""
    errors: dict[str, list] = {}
    allowed = {person.id: person for person in [*request.delegation.people, *request.host.people]}
    if any(person_id not in allowed for person_id in attendee_ids):
        errors["attendees"] = [_l("Choose attendees among the people of the two organisations.")]
    if not 1 <= duration_slots <= MAX_DURATION_SLOTS:
        errors["duration_slots"] = [
            _l("A meeting lasts from 1 to %(max)d slots.", max=MAX_DURATION_SLOTS)
        ]
    if errors:
        raise ValidationFailed(errors)
    chosen = sorted({allowed[i] for i in attendee_ids}, key=lambda p: (p.name, p.id))
    request.attendees = chosen
    request.duration_slots = duration_slots
    db.session.flush()
    return request


def request_people(request: MeetingRequest) -> list[Person]:
    """Who will be at the meeting: the chosen attendees, else everyone of both organisations."""
    if request.attendees:
        return list(request.attendees)
    return [*request.delegation.people, *request.host.people]
