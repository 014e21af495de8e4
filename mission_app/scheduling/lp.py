"""The LP relaxation of a CP-SAT model, solved with GLOP (part of OR-Tools).

CP-SAT's own LP often stalls far above the optimum on the assignment models here, so the bound
it reports cannot be shown as "proven" in practice. The relaxation of the same model, solved by a
real LP solver, gives a valid bound in well under a second; adding it back as a constraint lets
CP-SAT stop as soon as it reaches it. Enforced (conditional) constraints are left out, which
keeps the relaxation valid.
"""

from __future__ import annotations

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

_INF_LOW = -(2**62)
_INF_HIGH = 2**62


def lp_objective_bound(model: cp_model.CpModel) -> float | None:
    """Bound on the model's objective (upper when maximising, lower when minimising), or None
    if the LP could not be solved."""
    solved = lp_relaxation(model)
    return None if solved is None else solved[0]


def lp_relaxation(model: cp_model.CpModel) -> tuple[float, list[float]] | None:
    """(objective bound, value of each model variable) of the LP relaxation, or None."""
    proto = model.proto
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    inf = solver.infinity()
    xs = []
    for v in proto.variables:
        domain = list(v.domain)
        lo, hi = domain[0], domain[-1]
        xs.append(solver.NumVar(lo if lo > _INF_LOW else -inf, hi if hi < _INF_HIGH else inf, ""))

    def lit(ref: int):
        return xs[ref] if ref >= 0 else 1 - xs[-ref - 1]

    for c in proto.constraints:
        if len(c.enforcement_literal):
            continue
        if c.has_linear():
            terms = [
                coeff * xs[var] for var, coeff in zip(c.linear.vars, c.linear.coeffs, strict=True)
            ]
            domain = list(c.linear.domain)
            lo, hi = domain[0], domain[-1]
            expr = solver.Sum(terms)
            if lo > _INF_LOW:
                solver.Add(expr >= lo)
            if hi < _INF_HIGH:
                solver.Add(expr <= hi)
        elif c.has_at_most_one():
            solver.Add(solver.Sum([lit(r) for r in c.at_most_one.literals]) <= 1)
        elif c.has_exactly_one():
            solver.Add(solver.Sum([lit(r) for r in c.exactly_one.literals]) == 1)
        elif c.has_bool_or():
            solver.Add(solver.Sum([lit(r) for r in c.bool_or.literals]) >= 1)
    objective = proto.objective
    solver.Minimize(
        solver.Sum(
            [coeff * xs[var] for var, coeff in zip(objective.vars, objective.coeffs, strict=True)]
        )
    )
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    scaling = objective.scaling_factor or 1.0
    bound = scaling * (solver.Objective().Value() + objective.offset)
    return bound, [x.solution_value() for x in xs]
