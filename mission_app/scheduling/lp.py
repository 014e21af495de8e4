"""The LP relaxation of a CP-SAT model, solved with GLOP (part of OR-Tools).

CP-SAT's own LP often stalls far above the optimum on the assignment models here, so the bound
it reports cannot be shown as "proven" in practice. The relaxation of the same model, solved by a
real LP solver, gives a valid bound in well under a second; adding it back as a constraint lets
CP-SAT stop as soon as it reaches it. Enforced (conditional) constraints are left out, which
keeps the relaxation valid.

The LP's duals say more: once a solution reaching (nearly) the LP bound is known, every later
stage keeps that objective, so only near-optimal solutions of the LP remain. Variables whose
reduced cost exceeds the gap keep their LP bound, and rows whose dual times slack would exceed
it stay (nearly) tight (`add_optimality_cuts`). On the mission models, where the weight LP is
nearly integral, this removes most of the freedom that made later stages slow to search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

_INF_LOW = -(2**62)
_INF_HIGH = 2**62
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class LpRow:
    vars: tuple[int, ...]  # model variable indices
    coeffs: tuple[int, ...]
    lower: bool  # True: sum >= rhs; False: sum <= rhs
    rhs: int
    dual: float


@dataclass(frozen=True)
class LpSolution:
    bound: float  # on the model's objective: upper when maximising, lower when minimising
    values: list[float]  # per model variable
    reduced_costs: list[float]  # per model variable, of the minimised internal objective
    rows: list[LpRow]
    internal_value: float  # the LP optimum of the minimised internal objective


def lp_objective_bound(model: cp_model.CpModel) -> float | None:
    """Bound on the model's objective (upper when maximising, lower when minimising), or None
    if the LP could not be solved."""
    solved = lp_relaxation(model)
    return None if solved is None else solved[0]


def lp_relaxation(model: cp_model.CpModel) -> tuple[float, list[float]] | None:
    """(objective bound, value of each model variable) of the LP relaxation, or None."""
    solved = lp_solve(model)
    return None if solved is None else (solved.bound, solved.values)


def lp_solve(model: cp_model.CpModel) -> LpSolution | None:
    """The LP relaxation with its duals, or None if it is infeasible or could not be solved."""
    relaxation = Relaxation(model)
    return relaxation.solve() if relaxation.ready else None


class Relaxation:
    """The LP relaxation of a model, kept built so that rows can be added and their bounds
    changed between solves (GLOP restarts from the previous basis: a few milliseconds)."""

    def __init__(self, model: cp_model.CpModel):
        proto = model.proto
        self.solver = solver = pywraplp.Solver.CreateSolver("GLOP")
        self.ready = solver is not None
        if solver is None:
            return
        inf = solver.infinity()
        self.xs = xs = []
        for v in proto.variables:
            domain = list(v.domain)
            lo, hi = domain[0], domain[-1]
            xs.append(
                solver.NumVar(lo if lo > _INF_LOW else -inf, hi if hi < _INF_HIGH else inf, "")
            )
        self._rows: list[tuple[object, tuple[int, ...], tuple[int, ...], bool, int]] = []
        for c in proto.constraints:
            if len(c.enforcement_literal):
                continue
            if c.has_linear():
                domain = list(c.linear.domain)
                lo, hi = domain[0], domain[-1]
                self._add(
                    list(c.linear.vars),
                    list(c.linear.coeffs),
                    0,
                    lo if lo > _INF_LOW else None,
                    hi if hi < _INF_HIGH else None,
                )
            elif c.has_at_most_one():
                self._add_literals(c.at_most_one.literals, None, 1)
            elif c.has_exactly_one():
                self._add_literals(c.exactly_one.literals, 1, 1)
            elif c.has_bool_or():
                self._add_literals(c.bool_or.literals, 1, None)
        objective = proto.objective
        self._scaling = objective.scaling_factor or 1.0
        self._offset = objective.offset
        lp_objective = solver.Objective()
        for var, coeff in zip(objective.vars, objective.coeffs, strict=True):
            lp_objective.SetCoefficient(xs[var], lp_objective.GetCoefficient(xs[var]) + coeff)
        lp_objective.SetMinimization()

    def _add_literals(self, refs, lo: int | None, hi: int | None) -> None:
        """A row on a sum of literals (a negated literal is 1 - its variable)."""
        variables, coeffs, constant = [], [], 0
        for ref in refs:
            if ref >= 0:
                variables.append(ref)
                coeffs.append(1)
            else:
                variables.append(-ref - 1)
                coeffs.append(-1)
                constant += 1
        self._add(variables, coeffs, constant, lo, hi)

    def _add(self, variables, coeffs, constant: int, lo: int | None, hi: int | None) -> None:
        """lo <= sum(coeffs * vars) + constant <= hi, as one row per finite side."""
        merged: dict[int, int] = {}
        for v, c in zip(variables, coeffs, strict=True):
            merged[v] = merged.get(v, 0) + c
        key = (tuple(merged), tuple(merged.values()))
        inf = self.solver.infinity()
        for lower, rhs in ((True, lo), (False, hi)):
            if rhs is None:
                continue
            rhs -= constant
            row = self.solver.Constraint(rhs, inf) if lower else self.solver.Constraint(-inf, rhs)
            for v, c in merged.items():
                row.SetCoefficient(self.xs[v], c)
            self._rows.append((row, *key, lower, rhs))

    def add_lower_row(self, variables: list[int], coeffs: list[int]):
        """A row sum(coeffs * vars) >= lower, inactive until `set_lower` gives its bound."""
        row = self.solver.Constraint(-self.solver.infinity(), self.solver.infinity())
        for v, c in zip(variables, coeffs, strict=True):
            row.SetCoefficient(self.xs[v], row.GetCoefficient(self.xs[v]) + c)
        return row

    def set_lower(self, row, lower: int | None) -> None:
        row.SetLb(-self.solver.infinity() if lower is None else lower)

    def clear_objective(self) -> None:
        self.solver.Objective().Clear()
        self._scaling, self._offset = 1.0, 0.0

    def solve(self) -> LpSolution | None:
        solver = self.solver
        if solver.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        internal = solver.Objective().Value()
        return LpSolution(
            bound=self._scaling * (internal + self._offset),
            values=[x.solution_value() for x in self.xs],
            reduced_costs=[x.reduced_cost() for x in self.xs],
            rows=[
                LpRow(variables, coeffs, lower, rhs, row.dual_value())
                for row, variables, coeffs, lower, rhs in self._rows
            ],
            internal_value=internal,
        )

    def feasible(self) -> tuple[bool | None, list[float] | None]:
        """(True, the variables' values) if the LP has a solution, (False, None) if it is proven
        to have none, (None, None) if GLOP could not tell."""
        status = self.solver.Solve()
        if status == pywraplp.Solver.OPTIMAL:
            return True, [x.solution_value() for x in self.xs]
        return (False if status == pywraplp.Solver.INFEASIBLE else None), None


def optimality_cuts(
    model: cp_model.CpModel, lp: LpSolution, target: int
) -> list[tuple[tuple[int, ...], tuple[int, ...], bool, int]]:
    """Constraints that every solution of `model` whose objective reaches `target` (at least,
    when maximising; at most, when minimising) satisfies, as (vars, coeffs, lower, rhs).

    For any feasible point x, objective(x) - LP optimum = sum of dual * slack over the rows +
    sum of reduced cost * distance from the LP bound over the variables, each term >= 0; so no
    term can exceed the gap between the target and the LP optimum."""
    objective = model.proto.objective
    scaling = objective.scaling_factor or 1.0
    gap = target / scaling - objective.offset - lp.internal_value
    if gap < -_TOLERANCE:
        return []  # the target is out of reach: nothing to deduce
    gap = max(0.0, gap)
    cuts = []
    for i, reduced in enumerate(lp.reduced_costs):
        domain = list(model.proto.variables[i].domain)
        lo, hi = domain[0], domain[-1]
        if abs(reduced) <= gap + _TOLERANCE or lo <= _INF_LOW or hi >= _INF_HIGH or lo == hi:
            continue
        room = math.floor(gap / abs(reduced) + _TOLERANCE)
        if reduced > 0 and lo + room < hi:
            cuts.append(((i,), (1,), False, lo + room))
        elif reduced < 0 and hi - room > lo:
            cuts.append(((i,), (1,), True, hi - room))
    for row in lp.rows:
        if abs(row.dual) <= _TOLERANCE:
            continue
        room = math.floor(gap / abs(row.dual) + _TOLERANCE)
        if row.lower and row.dual > 0:
            cuts.append((row.vars, row.coeffs, False, row.rhs + room))
        elif not row.lower and row.dual < 0:
            cuts.append((row.vars, row.coeffs, True, row.rhs - room))
    return cuts


def add_cuts(model: cp_model.CpModel, cuts, values: dict[int, int] | None = None) -> int:
    """Adds cuts to `model` (or a clone of the model they were computed on), skipping any that
    `values` (a known solution: variable index -> value) would break, as a guard against
    numerical error. Returns how many were added."""
    added = 0
    for variables, coeffs, lower, rhs in cuts:
        if values is not None:
            activity = sum(c * values.get(v, 0) for v, c in zip(variables, coeffs, strict=True))
            if (activity < rhs) if lower else (activity > rhs):
                continue
        expr = sum(
            c * model.get_int_var_from_proto_index(v)
            for v, c in zip(variables, coeffs, strict=True)
        )
        model.add(expr >= rhs if lower else expr <= rhs)
        added += 1
    return added


def integral_solution(model: cp_model.CpModel, values: list[float]) -> list[int] | None:
    """The LP solution rounded, if it is whole and keeps every constraint of `model` (then CP-SAT
    has nothing left to find); None otherwise."""
    proto = model.proto
    rounded = [round(x) for x in values]
    if any(abs(x - r) > _TOLERANCE for x, r in zip(values, rounded, strict=True)):
        return None
    for i in range(len(rounded), len(proto.variables)):  # added after the LP: constants only
        domain = list(proto.variables[i].domain)
        if domain[0] != domain[-1]:
            return None
        rounded.append(domain[0])
    for v, r in zip(proto.variables, rounded, strict=True):
        if not _in_domain(r, list(v.domain)):
            return None

    def holds(ref: int) -> bool:
        return bool(rounded[ref]) if ref >= 0 else not rounded[-ref - 1]

    for c in proto.constraints:
        if not all(holds(ref) for ref in c.enforcement_literal):
            continue
        if c.has_linear():
            activity = sum(
                coeff * rounded[var]
                for var, coeff in zip(c.linear.vars, c.linear.coeffs, strict=True)
            )
            if not _in_domain(activity, list(c.linear.domain)):
                return None
        elif c.has_at_most_one():
            if sum(holds(ref) for ref in c.at_most_one.literals) > 1:
                return None
        elif c.has_exactly_one():
            if sum(holds(ref) for ref in c.exactly_one.literals) != 1:
                return None
        elif c.has_bool_or():
            if not any(holds(ref) for ref in c.bool_or.literals):
                return None
        elif c.has_bool_and():
            if not all(holds(ref) for ref in c.bool_and.literals):
                return None
        else:
            return None  # a kind of constraint this check does not know
    return rounded


def _in_domain(value: int, domain: list[int]) -> bool:
    return any(lo <= value <= hi for lo, hi in zip(domain[::2], domain[1::2], strict=True))
