"""First-fit: priority order, earliest slot, first free table. The baseline, and the solver's
first hint."""

from __future__ import annotations

from collections import defaultdict

from .placements import Index, Placement
from .problem import Key, Request


class Occupancy:
    """People's time and venues' tables taken so far, at slot-start points."""

    def __init__(self, index: Index):
        self.index = index
        self.person_points: dict[Key, set[int]] = defaultdict(set)
        self.load: dict[tuple[Key, int], int] = defaultdict(int)
        self.chosen: dict[Key, Placement] = {}
        problem = index.problem
        self.before: dict[Key, list[Key]] = defaultdict(list)
        self.after: dict[Key, list[Key]] = defaultdict(list)
        for prec in problem.precedences:
            self.before[prec.after_id].append(prec.before_id)
            self.after[prec.before_id].append(prec.after_id)

    def fits(self, request: Request, p: Placement) -> bool:
        index = self.index
        for point in p.points:
            if self.load[(p.venue_id, point)] >= index.capacity(p.venue_id, point):
                return False
        for person_id in request.attendees:
            taken = self.person_points.get(person_id)
            if taken and not taken.isdisjoint(p.points):
                return False
        rank = index.rank
        for other in self.before.get(request.id, ()):
            q = self.chosen.get(other)
            if q is not None and rank[q.end] > rank[p.start]:
                return False
        for other in self.after.get(request.id, ()):
            q = self.chosen.get(other)
            if q is not None and rank[p.end] > rank[q.start]:
                return False
        return True

    def place(self, request: Request, p: Placement, counted: bool = True) -> None:
        if counted:
            for point in p.points:
                self.load[(p.venue_id, point)] += 1
        for person_id in request.attendees:
            self.person_points[person_id].update(p.points)
        self.chosen[request.id] = p


def first_fit(index: Index, order: list[Request] | None = None) -> dict[Key, Placement]:
    """Locked meetings, then published ones where they still fit (unless fresh), then the rest by
    priority, each at its earliest possible place."""
    problem = index.problem
    occupancy = Occupancy(index)
    for request_id, p in index.locked.items():
        # locked load is already subtracted from capacity
        occupancy.place(problem.request_by_id[request_id], p, counted=False)
    for request_id, existing in index.published.items():
        request = problem.request_by_id[request_id]
        for p in index.candidates[request_id]:
            if p.start_slot == existing.start_slot and occupancy.fits(request, p):
                occupancy.place(request, p)
                break
    if order is None:
        order = sorted(problem.requests, key=lambda r: r.priority)  # stable: file order within
    for request in order:
        if request.id in occupancy.chosen:
            continue
        for p in index.candidates[request.id]:
            if occupancy.fits(request, p):
                occupancy.place(request, p)
                break
    return occupancy.chosen
