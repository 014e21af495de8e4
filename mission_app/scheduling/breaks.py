"""Breaks mode (the Girona B2B benchmark): every request is held; minimise the total number of
breaks (maximal idle runs between two meetings of a person), with any two people's breaks
differing by at most `fairness_d`."""

from __future__ import annotations

import math
from collections import defaultdict

from ortools.sat.python import cp_model

from .model import CpModel, solve_model
from .problem import Key, Solution
from .solver import _finish, _locked_consistent, _read, _Run

BREAKS_PARAMS: dict = {"subsolvers": ["core", "default_lp"]}


def add_breaks(
    cm: CpModel, occupied: dict[Key, int] | None = None
) -> tuple[dict[Key, cp_model.LinearExpr], dict[Key, list]]:
    """Per person: maximal runs of non-meeting slots between two meetings, over windows.

    `occupied`: for people whose meetings must all be held in their only window, how many
    slots those meetings take. For them the model also says that their slots add up, and
    that "no break" means one block of that many slots starting somewhere (a Boolean per
    start), which the search can branch on directly."""
    m = cm.model
    occupied = occupied or {}
    unary_breaks: dict[Key, list] = {}
    out: dict[Key, list] = defaultdict(list)
    occupancy = cm._occupancy()
    windows_of: dict[Key, int] = defaultdict(int)
    for person_id, _ in occupancy:
        windows_of[person_id] += 1
    for (person_id, _), by_position in occupancy.items():
        lo, hi = min(by_position), max(by_position)
        occ = {}
        for k in range(lo, hi + 1):
            terms = by_position.get(k)
            if terms:
                occ[k] = m.new_bool_var("")
                m.add(occ[k] == sum(terms))
            else:
                occ[k] = 0
        starts = []
        for k in range(lo, hi + 1):
            if isinstance(occ[k], int):
                continue
            run_start = m.new_bool_var("")
            m.add(run_start <= occ[k])
            if k > lo and not isinstance(occ[k - 1], int):
                m.add(run_start >= occ[k] - occ[k - 1])
                m.add(run_start + occ[k - 1] <= 1)
            else:
                m.add(run_start == occ[k])
            starts.append(run_start)
        n = occupied.get(person_id)
        if n is not None and windows_of[person_id] == 1:
            m.add(sum(v for v in occ.values() if not isinstance(v, int)) == n)
            m.add(sum(starts) >= 1)
            blocks = []
            for a in range(lo, hi - n + 2):
                if all(not isinstance(occ.get(k, 0), int) for k in range(a, a + n)):
                    block = m.new_bool_var("")
                    for k in range(a, a + n):
                        m.add_implication(block, occ[k])
                    blocks.append(block)
            # breaks in unary: extra[j] <=> at least j + 1 breaks (Booleans for the objective,
            # which core-based search works on)
            most = max(0, min(n - 1, (hi - lo + 1) - n))
            extra = [m.new_bool_var("") for _ in range(most)]
            for a, b in zip(extra, extra[1:], strict=False):
                m.add_implication(b, a)
            m.add(sum(starts) == 1 + sum(extra))
            if extra:
                m.add(sum(blocks) + extra[0] == 1)
            else:
                m.add(sum(blocks) == 1)
            unary_breaks[person_id] = extra
            out[person_id].append(sum(starts) - 1)
        else:
            used = m.new_bool_var("")
            for s in starts:
                m.add(used >= s)
            m.add(used <= sum(starts))
            out[person_id].append(sum(starts) - used)
    return {person_id: sum(terms) for person_id, terms in out.items()}, unary_breaks


def solve_breaks(run: _Run) -> Solution:
    index, problem, options = run.index, run.problem, run.options
    must = {r.id for r in problem.requests}
    cm = CpModel(index, problem.requests, must)
    if cm.infeasible or not _locked_consistent(index):
        return _finish(run, {}, None, "infeasible")
    active = {a for r in problem.requests for a in r.attendees}
    occupied: dict[Key, int] = defaultdict(int)
    for r in problem.requests:
        for a in r.attendees:
            occupied[a] += r.duration_slots
    breaks, unary = add_breaks(cm, occupied)
    m = cm.model
    most = max((len(index.problem.windows) * 64), 1)
    bmax = m.new_int_var(0, most, "bmax")
    bmin = m.new_int_var(0, most, "bmin")
    for person_id in active:
        b = breaks.get(person_id, 0)
        m.add(b <= bmax)
        m.add(b >= bmin)
    m.add(bmax - bmin <= options.fairness_d)
    total = sum(breaks.values())
    if isinstance(total, int):
        m.add(bmax == 0)
    else:
        # the same total, as a sum of Booleans where the unary encoding exists
        objective = sum(sum(bits) for bits in unary.values()) + sum(
            b for person_id, b in breaks.items() if person_id not in unary
        )
        m.minimize(objective)
        # Bottom-up probes: "at most k breaks" as a pure feasibility question, k = 0, 1, ...
        # Optima here are small, and a refuted k is a lower bound the main search would take
        # long to prove; the first k found is optimal.
        # first, is there any schedule at all (with the fairness rule)? Infeasible variants are
        # refuted here instead of looking like "no schedule with k breaks" for every k
        feasible = m.clone()
        feasible.clear_objective()
        status, first = solve_model(
            feasible, 0.3 * run.left(), options.workers, options.stop, seed=options.seed
        )
        if status == cp_model.INFEASIBLE:
            return _finish(run, {}, None, "infeasible")
        upper = None
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            upper = sum(int(first.value(b)) for b in breaks.values() if not isinstance(b, int))
            cm.hint(_read(cm, first))
        lower = 0
        while run.left() > 1.0 and not run.stopped() and (upper is None or lower < upper):
            probe = m.clone()
            probe.add(objective <= lower)
            probe.clear_objective()
            status, probe_solver = solve_model(
                probe, 0.4 * run.left(), options.workers, options.stop, seed=options.seed
            )
            if status == cp_model.INFEASIBLE:
                lower += 1
                run.report("breaks", 0, 0, breaks=None)
                continue
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                m.add(objective == lower)
                cm.hint(_read(cm, probe_solver))
            break
        m.add(objective >= lower)
    status, solver = run.run(
        cm,
        run.left(),
        lambda value, b: run.report("breaks", 0, 0, breaks=int(value)),
        params=BREAKS_PARAMS,
    )
    if status == cp_model.INFEASIBLE:
        return _finish(run, {}, None, "infeasible")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _finish(run, {}, None, "stopped" if run.stopped() else "unknown")
    chosen = cm.read(solver) | index.locked
    lower = 0 if isinstance(total, int) else math.ceil(solver.best_objective_bound - 1e-6)
    return _finish(
        run,
        chosen,
        None,
        "optimal" if status == cp_model.OPTIMAL else "feasible",
        breaks_bound=lower,
    )
