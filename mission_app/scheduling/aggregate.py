"""A relaxation by window: which requests are held, and in which window, without their slot.

Every constraint here is implied by the exact rules (a person's meetings in a window fit in their
free slots; a venue's meetings in a window fit in its tables times its slots), so its optimum is
a proven upper bound for the exact problem. On large missions it is also much smaller than the
slot-level model (one Boolean per request and window instead of per request and slot), which is
what makes weight and fairness solvable in seconds; slots are then chosen window by window.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from .placements import Index, Placement
from .problem import Key


class WindowModel:
    def __init__(self, index: Index):
        self.index = index
        problem = index.problem
        self.model = cp_model.CpModel()
        m = self.model
        self.vars: dict[Key, dict[Key, cp_model.IntVar]] = {}
        person_window: dict[tuple[Key, Key], list] = defaultdict(list)
        venue_window: dict[Key, list] = defaultdict(list)
        self.requests = [r for r in problem.requests if r.id not in index.locked]
        for r in self.requests:
            windows = list(dict.fromkeys(p.window_id for p in index.candidates[r.id]))
            self.vars[r.id] = {w: m.new_bool_var("") for w in windows}
            if len(windows) > 1:
                # a linear row, so that the LP relaxation sees it (it bounds the weight)
                m.add(sum(self.vars[r.id].values()) <= 1)
            for w, v in self.vars[r.id].items():
                venue_window[w].append((r.duration_slots, v))
                for person_id in r.attendees:
                    person_window[(person_id, w)].append((r.duration_slots, v))
        locked_use: dict[tuple[Key, Key], int] = defaultdict(int)
        for request_id, p in index.locked.items():
            for person_id in problem.request_by_id[request_id].attendees:
                locked_use[(person_id, p.window_id)] += len(p.slots)
        for (person_id, w), terms in person_window.items():
            person = problem.person_by_id.get(person_id)
            busy = person.busy_slots if person else frozenset()
            slots = problem.window_by_id[w].slot_indices
            free = sum(1 for s in slots if s not in busy) - locked_use[(person_id, w)]
            if sum(d for d, _ in terms) > free:
                m.add(sum(d * v for d, v in terms) <= max(0, free))
        self._add_interval_limits(index)
        for w, terms in venue_window.items():
            window = problem.window_by_id[w]
            room = sum(index.capacity(window.venue_id, s) for s in window.slot_indices)
            if sum(d for d, _ in terms) > room:
                m.add(sum(d * v for d, v in terms) <= room)
        self.weight = sum(r.weight * v for r in self.requests for v in self.vars[r.id].values())

    def _add_interval_limits(self, index: Index) -> None:
        """Hall's condition on intervals of a window: the requests of a person (or venue) that
        can only take place within slots a..b fit in the free slots (tables) of a..b."""
        problem = index.problem
        positions = problem.position_in_window
        spans: dict[tuple[Key, Key], list[tuple[int, int, int, cp_model.IntVar]]] = defaultdict(
            list
        )
        for r in self.requests:
            by_window: dict[Key, list[Placement]] = defaultdict(list)
            for p in index.candidates[r.id]:
                by_window[p.window_id].append(p)
            for w, places in by_window.items():
                lo = min(positions[p.slots[0]] for p in places)
                hi = max(positions[p.slots[-1]] for p in places)
                item = (lo, hi, r.duration_slots, self.vars[r.id][w])
                for person_id in r.attendees:
                    spans[(person_id, w)].append(item)
                spans[("venue", w)].append(item)
        for (owner, w), items in spans.items():
            indices = problem.window_by_id[w].slot_indices
            n = len(indices)
            if owner == "venue":
                venue_id = problem.window_by_id[w].venue_id
                room = [index.capacity(venue_id, s) for s in indices]
            else:
                person = problem.person_by_id.get(owner)
                busy = person.busy_slots if person else frozenset()
                room = [0 if s in busy else 1 for s in indices]
            if len(items) < 2:
                continue
            for a in range(n):
                for b in range(a, n):
                    inside = [(d, v) for lo, hi, d, v in items if a <= lo and hi <= b]
                    free = sum(room[a : b + 1])
                    if inside and sum(d for d, _ in inside) > free and (a, b) != (0, n - 1):
                        self.model.add(sum(d * v for d, v in inside) <= free)

    def scheduled(self, request_id: Key):
        return sum(self.vars[request_id].values())

    def literals(self, request_id: Key) -> list[int]:
        """Variable indices of the request's windows (so that clones of the model can use them)."""
        return [v.index for v in self.vars.get(request_id, {}).values()]

    def values(self, chosen: dict[Key, Placement | Key]) -> dict[int, int]:
        """Variable index -> value, for a selection (request -> placement or window id)."""
        out = {}
        for request_id, by_window in self.vars.items():
            c = chosen.get(request_id)
            window = c.window_id if isinstance(c, Placement) else c
            for w, v in by_window.items():
                out[v.index] = int(w == window)
        return out

    def hint(self, chosen: dict[Key, Placement | Key]) -> None:
        """`chosen`: request -> placement or window id."""
        self.model.clear_hints()
        for request_id, by_window in self.vars.items():
            c = chosen.get(request_id)
            window = c.window_id if isinstance(c, Placement) else c
            for w, v in by_window.items():
                self.model.add_hint(v, w == window)

    def read_values(self, values: list[int]) -> dict[Key, Key]:
        """The windows of a full solution given as a list of variable values."""
        return {
            request_id: w
            for request_id, by_window in self.vars.items()
            for w, v in by_window.items()
            if values[v.index]
        }

    def read(self, solver: cp_model.CpSolver) -> dict[Key, Key]:
        return {
            request_id: w
            for request_id, by_window in self.vars.items()
            for w, v in by_window.items()
            if solver.boolean_value(v)
        }

    def size(self) -> int:
        return sum(len(v) for v in self.vars.values())
