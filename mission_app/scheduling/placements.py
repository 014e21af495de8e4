"""Where each request could go, before any other meeting is taken into account.

A placement is a request starting at one slot of one window of its leg, with every attendee free
(not busy, not in a locked meeting) for the whole meeting. Two placements overlap in time when one
contains the start of the other's first slot, so capacity is checked at slot starts ("points").
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from .problem import ExistingMeeting, Key, Problem, Request


@dataclass(frozen=True)
class Placement:
    request_id: Key
    start_slot: int
    window_id: Key
    venue_id: Key
    slots: tuple[int, ...]
    start: datetime
    end: datetime
    points: tuple[int, ...]  # slots whose start lies within [start, end)


class Index:
    """Precomputed lookups for one problem; shared by the first-fit, the solver and the reasons."""

    def __init__(self, problem: Problem, fresh: bool = False):
        self.problem = problem
        self.fresh = fresh
        slots = sorted(problem.slots, key=lambda s: (s.start, s.index))
        self._starts = [s.start for s in slots]
        self._start_slots = [s.index for s in slots]
        times = sorted({s.start for s in slots} | {s.end for s in slots})
        self.rank = {t: i for i, t in enumerate(times)}  # datetime -> order, for precedences

        self.locked: dict[Key, Placement] = {}
        for m in problem.existing:
            if m.locked and m.request_id in problem.request_by_id:
                placement = self.placement_at(problem.request_by_id[m.request_id], m.start_slot)
                if placement is not None:
                    self.locked[m.request_id] = placement
        self.published: dict[Key, ExistingMeeting] = {}
        if not fresh:
            self.published = {
                m.request_id: m
                for m in problem.existing
                if m.published and not m.locked and m.request_id in problem.request_by_id
            }

        # people's time taken by locked meetings: (start, end) spans
        self.locked_spans: dict[Key, list[tuple[datetime, datetime]]] = defaultdict(list)
        # tables taken by locked meetings at each point, per venue
        self.locked_load: dict[tuple[Key, int], int] = defaultdict(int)
        for placement in self.locked.values():
            for person_id in problem.request_by_id[placement.request_id].attendees:
                self.locked_spans[person_id].append((placement.start, placement.end))
            for point in placement.points:
                self.locked_load[(placement.venue_id, point)] += 1

    def placement_at(self, request: Request, start_slot: int) -> Placement | None:
        """The request held from `start_slot`, or None where it does not fit in that window."""
        problem = self.problem
        slots = problem.slots_of(request.id, start_slot)
        if slots is None:
            return None
        window = problem.window_by_id[problem.slot_by_index[start_slot].window_id]
        start = problem.slot_by_index[slots[0]].start
        end = problem.slot_by_index[slots[-1]].end
        lo = bisect.bisect_left(self._starts, start)
        hi = bisect.bisect_left(self._starts, end)
        return Placement(
            request.id,
            start_slot,
            window.id,
            window.venue_id,
            slots,
            start,
            end,
            tuple(self._start_slots[lo:hi]),
        )

    @cached_property
    def windows_by_leg(self) -> dict[Key, list]:
        by_leg: dict[Key, list] = defaultdict(list)
        for w in self.problem.windows:
            by_leg[w.leg_id].append(w)
        return by_leg

    def all_placements(self, request: Request) -> list[Placement]:
        """Every place of the right leg and length, ignoring people and rules."""
        out = []
        for window in self.windows_by_leg.get(request.leg_id, []):
            for position in range(len(window.slot_indices) - request.duration_slots + 1):
                placement = self.placement_at(request, window.slot_indices[position])
                if placement is not None:
                    out.append(placement)
        out.sort(key=lambda p: (p.start, p.start_slot))
        return out

    def person_free(self, person_id: Key, placement: Placement) -> bool:
        person = self.problem.person_by_id.get(person_id)
        if person is not None and any(s in person.busy_slots for s in placement.slots):
            return False
        return not any(
            start < placement.end and placement.start < end
            for start, end in self.locked_spans.get(person_id, ())
        )

    def allowed(self, request: Request, placement: Placement) -> bool:
        return request.allowed_slots is None or set(placement.slots) <= request.allowed_slots

    @cached_property
    def candidates(self) -> dict[Key, list[Placement]]:
        """Request id -> feasible placements in time order. Locked requests: their one place."""
        return {request.id: self._candidates(request) for request in self.problem.requests}

    def candidates_of(self, request: Request) -> list[Placement]:
        """One request's candidates, without computing every request's when they are not yet
        (the grid explains a few requests of a large mission)."""
        known = self.__dict__.get("candidates")
        return known[request.id] if known is not None else self._candidates(request)

    def _candidates(self, request: Request) -> list[Placement]:
        if request.id in self.locked:
            return [self.locked[request.id]]
        return [
            p
            for p in self.all_placements(request)
            if self.allowed(request, p) and all(self.person_free(a, p) for a in request.attendees)
        ]

    def capacity(self, venue_id: Key, point: int) -> int:
        venue = self.problem.venue_by_id.get(venue_id)
        tables = venue.tables if venue else 0
        return max(0, tables - self.locked_load.get((venue_id, point), 0))

    @cached_property
    def leg_groups(self) -> list[list[Key]]:
        """Legs grouped so that no two groups overlap in time (normally one leg per group)."""
        spans = {}
        for leg_id, windows in self.windows_by_leg.items():
            times = [
                self.problem.slot_by_index[s]
                for w in windows
                for s in w.slot_indices
                if s in self.problem.slot_by_index
            ]
            if times:
                spans[leg_id] = (min(t.start for t in times), max(t.end for t in times))
        groups: list[tuple[datetime, datetime, list[Key]]] = []
        for leg_id, (start, end) in sorted(spans.items(), key=lambda item: item[1]):
            if groups and start < groups[-1][1]:
                g_start, g_end, members = groups[-1]
                groups[-1] = (g_start, max(g_end, end), members + [leg_id])
            else:
                groups.append((start, end, [leg_id]))
        grouped = [members for _, _, members in groups]
        known = {leg for members in grouped for leg in members}
        leftovers = sorted({r.leg_id for r in self.problem.requests} - known, key=str)
        grouped.extend([leg] for leg in leftovers)
        return grouped
