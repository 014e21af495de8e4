"""Plain input and output types of the scheduler.

Everything here is immutable data that a service layer builds from the database (or a benchmark
builds from a file). Ids are whatever the caller uses (database ints, file keys): the scheduler
only compares them and uses them as dict keys.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Literal

Key = int | str

PRIORITY_WEIGHTS: dict[int, int] = {1: 4, 2: 2, 3: 1}

Side = Literal["delegation", "host"]
Mode = Literal["mission", "breaks"]


@dataclass(frozen=True)
class Leg:
    id: Key
    name: str = ""
    timezone: str = "UTC"  # IANA zone, only used to word reasons for the organiser


@dataclass(frozen=True)
class Venue:
    id: Key
    tables: int
    name: str = ""


@dataclass(frozen=True)
class Slot:
    """One meeting slot. `index` is unique over the whole problem."""

    index: int
    window_id: Key
    start: datetime  # timezone-aware, UTC
    end: datetime


@dataclass(frozen=True)
class Window:
    """A block of back-to-back slots at one venue. Idle gaps are counted within one window."""

    id: Key
    leg_id: Key
    venue_id: Key
    slot_indices: tuple[int, ...]  # in time order


@dataclass(frozen=True)
class Organisation:
    id: Key
    name: str
    side: Side


@dataclass(frozen=True)
class Person:
    """`busy_slots`: slots the person cannot meet in (unavailable, at an activity, ...)."""

    id: Key
    name: str
    organisation_id: Key
    busy_slots: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Request:
    """A requested one-to-one meeting between a delegation firm and a host organisation.

    `allowed_slots` (None: any) restricts where the meeting may start and run, e.g. a session.
    """

    id: Key
    delegation_id: Key
    host_id: Key
    leg_id: Key
    attendees: tuple[Key, ...]
    priority: int = 3
    duration_slots: int = 1
    allowed_slots: frozenset[int] | None = None

    @property
    def weight(self) -> int:
        return PRIORITY_WEIGHTS[self.priority]


@dataclass(frozen=True)
class ExistingMeeting:
    """A meeting already in the schedule. Locked ones never move; published ones move only when
    they must (unless the organiser asks for a fresh schedule)."""

    request_id: Key
    start_slot: int
    venue_id: Key | None = None
    table: int | None = None
    locked: bool = False
    published: bool = False


@dataclass(frozen=True)
class Precedence:
    """Meeting of `before_id` must end no later than the meeting of `after_id` starts."""

    before_id: Key
    after_id: Key


@dataclass(frozen=True)
class Assignment:
    """A scheduled meeting: the request, its first slot, the venue and the table (1-based)."""

    request_id: Key
    start_slot: int
    venue_id: Key
    table: int


@dataclass(frozen=True)
class HeldMeeting:
    """A meeting as it stands in the database, slot or not: who it takes, where and when."""

    request_id: Key
    venue_id: Key
    table: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Problem:
    slots: tuple[Slot, ...]
    windows: tuple[Window, ...]
    venues: tuple[Venue, ...]
    organisations: tuple[Organisation, ...]
    people: tuple[Person, ...]
    requests: tuple[Request, ...]
    legs: tuple[Leg, ...] = ()
    existing: tuple[ExistingMeeting, ...] = ()
    precedences: tuple[Precedence, ...] = ()

    @cached_property
    def slot_by_index(self) -> dict[int, Slot]:
        return {s.index: s for s in self.slots}

    @cached_property
    def window_by_id(self) -> dict[Key, Window]:
        return {w.id: w for w in self.windows}

    @cached_property
    def venue_by_id(self) -> dict[Key, Venue]:
        return {v.id: v for v in self.venues}

    @cached_property
    def organisation_by_id(self) -> dict[Key, Organisation]:
        return {o.id: o for o in self.organisations}

    @cached_property
    def person_by_id(self) -> dict[Key, Person]:
        return {p.id: p for p in self.people}

    @cached_property
    def request_by_id(self) -> dict[Key, Request]:
        return {r.id: r for r in self.requests}

    @cached_property
    def leg_by_id(self) -> dict[Key, Leg]:
        return {leg.id: leg for leg in self.legs}

    @cached_property
    def existing_by_request(self) -> dict[Key, ExistingMeeting]:
        return {m.request_id: m for m in self.existing}

    @cached_property
    def position_in_window(self) -> dict[int, int]:
        """Slot index -> its position within its window."""
        return {s: k for w in self.windows for k, s in enumerate(w.slot_indices)}

    def meeting_slots(self, window_id: Key, position: int, duration: int) -> tuple[int, ...] | None:
        """The slot indices a meeting starting at `position` of the window takes, or None if it
        runs past the end of the window."""
        indices = self.window_by_id[window_id].slot_indices
        if position < 0 or position + duration > len(indices):
            return None
        return indices[position : position + duration]

    def slots_of(self, request_id: Key, start_slot: int) -> tuple[int, ...] | None:
        request = self.request_by_id[request_id]
        slot = self.slot_by_index.get(start_slot)
        if slot is None or slot.window_id not in self.window_by_id:
            return None
        return self.meeting_slots(
            slot.window_id, self.position_in_window[start_slot], request.duration_slots
        )


@dataclass(frozen=True)
class Progress:
    """Best-so-far figures, passed to `SolveOptions.progress` while the solver runs."""

    stage: str  # "first_fit", "weight", "fairness", "gaps", "breaks", "done"
    weight: int
    weight_bound: int
    min_share: float | None
    idle_gaps: int | None
    breaks: int | None
    seconds: float


@dataclass(frozen=True)
class SolveOptions:
    time_limit_s: float = 30.0
    fresh: bool = False  # ignore where published meetings are
    mode: Mode = "mission"
    fairness_d: int = 2  # "breaks" mode: breaks of any two participants differ by at most d
    workers: int = 2
    progress: Callable[[Progress], None] | None = None
    stop: threading.Event | None = None
    seed: int = 0
    log: bool = False


@dataclass(frozen=True)
class Unscheduled:
    """A request left out, with a reason an organiser can act on.

    `code`: "no_window" | "never_available" | "no_common_time" | "full" | "no_table" |
    "infeasible" | "not_solved". `people` names the attendees the reason is about. `only_at`,
    for "full" when the attendees' availability leaves only part of the meeting windows: per
    window, the span (start, end) where the meeting could have been held.
    """

    request_id: Key
    code: str
    reason: str
    people: tuple[Key, ...] = ()
    only_at: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True)
class Figures:
    weight: int  # weighted requests scheduled (priority 1: 4, 2: 2, 3: 1)
    weight_requested: int
    weight_bound: int  # proven upper bound on `weight`
    min_share: float | None  # smallest share of a delegation firm's schedulable weight
    min_share_bound: float | None = None  # proven best min share at this weight, if solved
    shares: dict[Key, float] = field(default_factory=dict)  # per delegation firm
    idle_gaps: int = 0  # free slots between two meetings of a person within one window
    breaks: int = 0  # maximal runs of non-meeting slots between two meetings of a person
    breaks_bound: int | None = None  # "breaks" mode: proven lower bound on total breaks
    max_breaks: int = 0  # most breaks of one person
    table_changes: int = 0  # a host person switching table between meetings of one window
    published_moved: int = 0  # published meetings that moved or were dropped
    seconds: float = 0.0
    # "optimal": every stage proved optimal for what it decides (weight against `weight_bound`;
    # the smallest share at that weight; idle gaps with each meeting's window fixed; in "breaks"
    # mode, the total breaks). "feasible": a schedule, not proven. "infeasible" ("breaks" mode):
    # no schedule holds every request. "stopped": the stop event ended the run. "unknown": no
    # schedule found in the time given.
    status: str = "unknown"


@dataclass(frozen=True)
class Solution:
    assignments: tuple[Assignment, ...]
    unscheduled: tuple[Unscheduled, ...]
    figures: Figures
