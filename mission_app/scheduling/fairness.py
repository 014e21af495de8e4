"""Fairness: the largest smallest share of a delegation firm's schedulable weight.

Maximising z under "z <= every firm's share" leaves CP-SAT a flat objective (only the worst-off
firm counts) and a weak LP, and it stalls far below the best share on large missions. But a firm
can only have a few shares (the sums of some of its requests' weights over its total), so the
search asks instead "can every firm reach share t?" for those few values of t. Each question is a
model with one lower bound per firm, which propagates well. The LP answers it first: an LP
infeasible at t proves that no schedule reaches t (a bound); CP-SAT then runs a binary search
between the share known to be reachable and that bound, each question hinted by its rounded LP.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from ortools.sat.python import cp_model

from .lp import Relaxation, integral_solution
from .placements import Index
from .problem import Key

Solve = Callable[[cp_model.CpModel, float], tuple[int, cp_model.CpSolver]]


class FirmShares:
    """Each firm's share as a function of a model's variables."""

    def __init__(
        self, index: Index, literals: Callable[[Key], list[int]], schedulable: dict[Key, int]
    ):
        problem = index.problem
        self.total = {firm: total for firm, total in schedulable.items() if total > 0}
        self.fixed: dict[Key, int] = defaultdict(int)  # weight of locked meetings
        self.terms: dict[Key, list[tuple[int, list[int]]]] = defaultdict(list)
        self.weights: dict[Key, list[int]] = defaultdict(list)
        for r in problem.requests:
            if r.delegation_id not in self.total or not index.candidates.get(r.id):
                continue
            self.weights[r.delegation_id].append(r.weight)
            if r.id in index.locked:
                self.fixed[r.delegation_id] += r.weight
            else:
                indices = literals(r.id)
                if indices:
                    self.terms[r.delegation_id].append((r.weight, indices))

    def candidates(self) -> list[Fraction]:
        """Every share some firm can have, in increasing order (so the smallest share of any
        schedule is one of them)."""
        values: set[Fraction] = set()
        for firm, total in self.total.items():
            sums = {0}
            for w in self.weights[firm]:
                sums |= {s + w for s in sums}
            values |= {Fraction(s, total) for s in sums}
        return sorted(values)

    def share(self, values: dict[int, int]) -> Fraction:
        """The smallest share in a solution given as variable index -> value."""
        smallest = Fraction(1)
        for firm, total in self.total.items():
            got = self.fixed[firm] + sum(
                w * sum(values.get(i, 0) for i in indices) for w, indices in self.terms[firm]
            )
            smallest = min(smallest, Fraction(got, total))
        return smallest

    def needs(self, t: Fraction) -> dict[Key, int] | None:
        """The weight each firm must get from the model for every share to reach t, or None if
        some firm cannot reach it even with all its requests held."""
        out = {}
        for firm, total in self.total.items():
            need = math.ceil(t * total) - self.fixed[firm]
            if need <= 0:
                continue
            if need > sum(w for w, _ in self.terms[firm]):
                return None
            out[firm] = need
        return out

    def constrain(self, model: cp_model.CpModel, t: Fraction) -> bool:
        """Adds "every share >= t" to `model` (the model or a clone of it); False if impossible."""
        needs = self.needs(t)
        if needs is None:
            return False
        for firm, need in needs.items():
            model.add(
                sum(
                    w * model.get_bool_var_from_proto_index(i)
                    for w, indices in self.terms[firm]
                    for i in indices
                )
                >= need
            )
        return True


@dataclass
class ShareResult:
    share: Fraction  # the smallest share of the best solution found (or of the start)
    bound: Fraction  # proven: no solution of the model has a larger smallest share
    values: list[int] | None  # the solution that has `share` (every variable of the model), or
    # None: the start stands
    proven: bool


class _Thresholds:
    """The LP of the model with "every share >= t", built once; t changes bounds only."""

    def __init__(self, model: cp_model.CpModel, shares: FirmShares):
        trial = model.clone()
        trial.clear_objective()
        self.shares = shares
        self.relaxation = Relaxation(trial)
        self.rows = {}
        if self.relaxation.ready:
            for firm, terms in shares.terms.items():
                indices = [i for _, group in terms for i in group]
                weights = [w for w, group in terms for _ in group]
                self.rows[firm] = self.relaxation.add_lower_row(indices, weights)

    def feasible(self, t: Fraction) -> tuple[bool | None, list[float] | None]:
        """Whether the LP has a solution with every share >= t (None: GLOP could not tell), and
        that solution."""
        needs = self.shares.needs(t)
        if needs is None:
            return False, None
        if not self.relaxation.ready:
            return None, None
        for firm, row in self.rows.items():
            self.relaxation.set_lower(row, needs.get(firm))
        return self.relaxation.feasible()


def best_share_search(
    model: cp_model.CpModel,
    shares: FirmShares,
    start: dict[int, int] | None,
    solve: Solve,
    budget: float,
    on_found: Callable[[float], None] | None = None,
    ceiling: Fraction | None = None,
) -> ShareResult:
    """The largest t such that the model has a solution with every firm's share >= t.

    `model` holds every earlier stage's constraints; `start` (variable index -> value) is one of
    its solutions, if one is known. `solve(model, seconds)` runs CP-SAT. `ceiling`, if given, is
    a bound already proven (on a relaxation)."""
    deadline = time.monotonic() + budget
    current = shares.share(start) if start is not None else Fraction(0)
    values = [t for t in shares.candidates() if t > current and (ceiling is None or t <= ceiling)]
    # the LP, by a binary search (feasibility is monotone in t): each firm's bound is rounded up
    # to a whole weight, which makes it much tighter than the LP of "maximise the smallest share"
    proven_top = len(values)  # values[proven_top:] are proven out of reach
    lp = _Thresholds(model, shares)
    lp_hints: dict[int, list[float] | None] = {}
    lo, hi = 0, len(values)
    while lo < hi and lp.relaxation.ready and time.monotonic() < deadline:
        mid = (lo + hi) // 2
        feasible, lp_hints[mid] = lp.feasible(values[mid])
        if feasible is None:
            break  # the LP proves nothing: CP-SAT alone decides
        if feasible:
            lo = mid + 1
        else:
            hi = proven_top = mid
    best: list[int] | None = None
    # CP-SAT: values[:known] are reached (by `current`), values[top:] are out of reach or given
    # up. The LP's best is often reached: try it first (one solve, then proven), with a third of
    # the time; then a binary search below it.
    known, top = 0, proven_top
    first = True
    while known < top:
        left = deadline - time.monotonic()
        if left <= 0.05:
            break
        if first:
            mid, seconds = top - 1, left / 3
        else:
            mid = (known + top) // 2
            seconds = left / max(1, math.ceil(math.log2(top - known + 1)))
        first = False
        trial = model.clone()
        trial.clear_objective()
        if not shares.constrain(trial, values[mid]):
            top = proven_top = mid  # some firm cannot reach it even with every request held
            continue
        hint = lp_hints[mid] if mid in lp_hints else lp.feasible(values[mid])[1]
        whole = integral_solution(trial, hint) if hint is not None else None
        if whole is None:  # else the LP's solution is one: no search needed
            if hint is not None:
                trial.clear_hints()
                for i, v in enumerate(trial.proto.variables):
                    if list(v.domain) == [0, 1]:
                        trial.add_hint(trial.get_bool_var_from_proto_index(i), int(hint[i] > 0.5))
            status, solver = solve(trial, max(min(left, 1.0), seconds))
            if status == cp_model.INFEASIBLE:
                top = proven_top = mid
                continue
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                top = mid  # given up, unproven
                continue
            whole = [int(x) for x in solver.response_proto.solution]
        current = shares.share(dict(enumerate(whole)))
        best = whole
        known = sum(1 for t in values if t <= current)
        if on_found is not None:
            on_found(float(current))
    bound = values[proven_top - 1] if proven_top > 0 else current
    return ShareResult(current, max(bound, current), best, known >= proven_top)
