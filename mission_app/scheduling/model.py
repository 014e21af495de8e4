"""The CP-SAT model: one Boolean per (request, possible place).

Tables are interchangeable, so capacity is "meetings at a venue at a slot start <= free tables";
numbers come afterwards (tables.py). People and venues are checked at slot starts ("points"),
which is exact for intervals. Idle time is encoded per person and window with monotone chains
(started / not yet ended) so that the LP relaxation sees it.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from ortools.sat.python import cp_model

from .placements import Index, Placement
from .problem import Key, Request


class CpModel:
    def __init__(
        self,
        index: Index,
        requests: Iterable[Request],
        must: set[Key] = frozenset(),
        restrict: dict[Key, list[Placement]] | None = None,
    ):
        self.index = index
        self.model = cp_model.CpModel()
        m = self.model
        self.vars: dict[Key, list[tuple[Placement, cp_model.IntVar]]] = {}
        self.requests = [r for r in requests if r.id not in index.locked]
        person_point: dict[tuple[Key, int], list] = defaultdict(list)
        venue_point: dict[tuple[Key, int], list] = defaultdict(list)
        self.infeasible = False
        for r in self.requests:
            candidates = restrict[r.id] if restrict is not None else index.candidates[r.id]
            pairs = [(p, m.new_bool_var("")) for p in candidates]
            self.vars[r.id] = pairs
            literals = [v for _, v in pairs]
            if r.id in must:
                if not literals:
                    self.infeasible = True
                m.add_exactly_one(literals)
            elif len(literals) > 1:
                m.add_at_most_one(literals)
            for p, v in pairs:
                for point in p.points:
                    venue_point[(p.venue_id, point)].append(v)
                    for person_id in r.attendees:
                        person_point[(person_id, point)].append(v)
        for (venue_id, point), literals in venue_point.items():
            capacity = index.capacity(venue_id, point)
            if len(literals) > capacity:
                m.add(sum(literals) <= capacity)
        for literals in person_point.values():
            if len(literals) > 1:
                m.add_at_most_one(literals)
        self.weight = sum(r.weight * v for r in self.requests for _, v in self.vars[r.id])
        self._add_precedences(must)

    def scheduled(self, request_id: Key):
        return sum(v for _, v in self.vars[request_id])

    def literals(self, request_id: Key) -> list[int]:
        """Variable indices of the request's places (so that clones of the model can use them)."""
        return [v.index for _, v in self.vars.get(request_id, ())]

    def values(self, chosen: dict[Key, Placement]) -> dict[int, int]:
        """Variable index -> value of the place variables, for a schedule."""
        return {
            v.index: int(chosen.get(request_id) == p)
            for request_id, pairs in self.vars.items()
            for p, v in pairs
        }

    def _add_precedences(self, must: set[Key]) -> None:
        index, m = self.index, self.model
        rank = index.rank

        def edges(request_id: Key):
            """(start rank, end rank, held) of a request, or None if not in this model."""
            if request_id in index.locked:
                p = index.locked[request_id]
                return rank[p.start], rank[p.end], None
            pairs = self.vars.get(request_id)
            if pairs is None:
                return None
            start = sum(rank[p.start] * v for p, v in pairs)
            end = sum(rank[p.end] * v for p, v in pairs)
            if request_id in must:
                return start, end, None
            held = m.new_bool_var("")
            m.add(sum(v for _, v in pairs) == held)
            return start, end, held

        for prec in index.problem.precedences:
            before, after = edges(prec.before_id), edges(prec.after_id)
            if before is None or after is None:
                continue
            enforce = [h for h in (before[2], after[2]) if h is not None]
            if isinstance(before[1], int) and isinstance(after[0], int):
                continue  # both locked: nothing to decide
            if enforce:
                m.add(after[0] >= before[1]).only_enforce_if(enforce)
            else:
                m.add(after[0] >= before[1])

    # ----- idle time -------------------------------------------------------------------------

    def _occupancy(self) -> dict[tuple[Key, Key], dict[int, list]]:
        """(person, window) -> position -> terms (literals, or 1 for a locked meeting).
        Only pairs with at least two possible meetings: one meeting alone is never idle."""
        index = self.index
        problem = index.problem
        positions = problem.position_in_window
        occ: dict[tuple[Key, Key], dict[int, list]] = defaultdict(lambda: defaultdict(list))
        sources: dict[tuple[Key, Key], set[Key]] = defaultdict(set)
        for r in self.requests:
            for p, v in self.vars[r.id]:
                for person_id in r.attendees:
                    sources[(person_id, p.window_id)].add(r.id)
                    for s in p.slots:
                        occ[(person_id, p.window_id)][positions[s]].append(v)
        for request_id, p in index.locked.items():
            for person_id in problem.request_by_id[request_id].attendees:
                key = (person_id, p.window_id)
                if key in occ:
                    sources[key].add(request_id)
                    for s in p.slots:
                        occ[key][positions[s]].append(1)
        return {key: by_position for key, by_position in occ.items() if len(sources[key]) > 1}

    def idle_slots(self) -> cp_model.LinearExpr:
        """Free, not busy slots between two meetings of a person within one window."""
        m = self.model
        problem = self.index.problem
        total = []
        for (person_id, window_id), by_position in self._occupancy().items():
            person = problem.person_by_id.get(person_id)
            busy = person.busy_slots if person else frozenset()
            indices = problem.window_by_id[window_id].slot_indices
            lo, hi = min(by_position), max(by_position)
            if hi - lo < 2:
                continue  # no room for a gap
            occ = {k: sum(by_position.get(k, [])) for k in range(lo, hi + 1)}
            started = {k: m.new_bool_var("") for k in range(lo, hi + 1)}
            pending = {k: m.new_bool_var("") for k in range(lo, hi + 1)}
            for k in range(lo, hi + 1):
                if by_position.get(k):
                    m.add(started[k] >= occ[k])
                    m.add(pending[k] >= occ[k])
                if k > lo:
                    m.add(started[k] >= started[k - 1])
                    m.add(pending[k - 1] >= pending[k])
            for k in range(lo + 1, hi):
                if indices[k] in busy:
                    continue
                idle = m.new_bool_var("")
                m.add(idle >= started[k] + pending[k] - 1 - occ[k])
                total.append(idle)
        self.idle_count = len(total)
        return sum(total)

    # ----- solving ---------------------------------------------------------------------------

    def hint(self, chosen: dict[Key, Placement]) -> None:
        self.model.clear_hints()
        for request_id, pairs in self.vars.items():
            p_chosen = chosen.get(request_id)
            for p, v in pairs:
                self.model.add_hint(v, p_chosen is not None and p == p_chosen)

    def read_values(self, values: list[int]) -> dict[Key, Placement]:
        """The placements of a full solution given as a list of variable values."""
        return {
            request_id: p
            for request_id, pairs in self.vars.items()
            for p, v in pairs
            if values[v.index]
        }

    def read(self, solver: cp_model.CpSolver) -> dict[Key, Placement]:
        out = {}
        for request_id, pairs in self.vars.items():
            for p, v in pairs:
                if solver.boolean_value(v):
                    out[request_id] = p
                    break
        return out

    def solve(self, *args, **kwargs) -> tuple[int, cp_model.CpSolver]:
        return solve_model(self.model, *args, **kwargs)


def solve_model(
    model: cp_model.CpModel,
    time_limit: float,
    workers: int,
    stop: threading.Event | None = None,
    on_solution: Callable[[float, float], None] | None = None,
    seed: int = 0,
    log: bool = False,
    params: dict | None = None,
    on_bound: Callable[[float], None] | None = None,
) -> tuple[int, cp_model.CpSolver]:
    solver = cp_model.CpSolver()
    if on_bound is not None:
        solver.best_bound_callback = on_bound
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    solver.parameters.log_search_progress = log
    for key, value in (params or {}).items():
        if isinstance(value, list):
            getattr(solver.parameters, key).extend(value)
        else:
            setattr(solver.parameters, key, value)
    callback = _Callback(on_solution, stop)
    done = threading.Event()
    watcher = None
    if stop is not None:

        def watch() -> None:
            while not done.wait(0.05):
                if stop.is_set():
                    solver.stop_search()
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
    try:
        status = solver.solve(model, callback)
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
    return status, solver


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, on_solution, stop):
        super().__init__()
        self._on_solution = on_solution
        self._stop = stop
        self._last = 0.0

    def on_solution_callback(self) -> None:
        now = time.monotonic()
        if self._on_solution is not None and now - self._last > 0.2:
            self._last = now
            self._on_solution(self.objective_value, self.best_objective_bound)
        if self._stop is not None and self._stop.is_set():
            self.stop_search()
