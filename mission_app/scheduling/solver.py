"""`solve(problem, options) -> Solution`.

Mission mode, lexicographic, one stage at a time, each stage keeping what the previous ones won:
1. first-fit, as a hint and a fallback;
2. the most weighted requests (whole problem; legs are independent blocks of one model). The
   LP relaxation gives the bound, and on a fresh schedule its solution is usually whole: then it
   is the answer and CP-SAT is not needed;
3. published meetings kept in place (unless fresh);
4. fairness: maximise the smallest share of a delegation firm's schedulable weight, by a search
   over the few shares a firm can have (fairness.py), in a model cut down by the weight LP's
   duals to the schedules that keep the weight (lp.py); the window relaxation proves its bound
   quickly;
5. idle gaps: with the set of meetings and each meeting's window fixed, gaps are local to a
   window, so each group of windows that overlap in time is a small model solved on its own.
Tables are numbered afterwards.

Breaks mode (the Girona benchmark): every request must be held; minimise total breaks with the
breaks of any two participants differing by at most `fairness_d`.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from fractions import Fraction

from ortools.sat.python import cp_model

from . import metrics
from .aggregate import WindowModel
from .fairness import FirmShares, best_share_search
from .greedy import Occupancy, first_fit
from .lp import LpSolution, add_cuts, integral_solution, lp_solve, optimality_cuts
from .model import CpModel, solve_model
from .placements import Index, Placement
from .problem import (
    Assignment,
    Figures,
    Key,
    Problem,
    Progress,
    Solution,
    SolveOptions,
    Unscheduled,
)
from .reasons import explain, taken_by
from .table_repair import repair_tables, reseat_unnumbered
from .tables import assign_tables

EXACT_LIMIT = 12_000  # placements; above this, weight and fairness are solved by window first


class _Run:
    def __init__(self, problem: Problem, options: SolveOptions):
        self.t0 = time.monotonic()
        self.problem = problem
        self.options = options
        self.index = Index(problem, fresh=options.fresh)
        # keep a little for numbering tables, reasons and figures after the last solve
        self.deadline = self.t0 + options.time_limit_s - min(1.0, 0.03 * options.time_limit_s)
        self.proven = True

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def stopped(self) -> bool:
        stop = self.options.stop
        return stop is not None and stop.is_set()

    def seconds(self) -> float:
        return time.monotonic() - self.t0

    def report(self, stage: str, weight: int, bound: int, **figures) -> None:
        if self.options.progress is not None:
            self.options.progress(
                Progress(
                    stage,
                    weight,
                    bound,
                    figures.get("min_share"),
                    figures.get("idle_gaps"),
                    figures.get("breaks"),
                    self.seconds(),
                )
            )

    def run(self, cm: CpModel | WindowModel, budget: float, on_solution=None, params=None):
        status, solver = self.solve(cm.model, budget, on_solution, params)
        if status != cp_model.OPTIMAL:
            self.proven = False
        return status, solver

    def solve(self, model: cp_model.CpModel, budget: float, on_solution=None, params=None):
        """A solve within the run's time, workers and stop, that leaves `proven` alone."""
        o = self.options
        return solve_model(
            model,
            min(budget, max(0.05, self.left())),
            o.workers,
            o.stop,
            on_solution,
            o.seed,
            o.log,
            params,
        )


def solve(problem: Problem, options: SolveOptions | None = None) -> Solution:
    options = options or SolveOptions()
    run = _Run(problem, options)
    if options.mode == "breaks":
        from .breaks import solve_breaks  # breaks mode builds on this module's helpers

        return solve_breaks(run)
    return _solve_mission(run)


def first_fit_solution(problem: Problem, options: SolveOptions | None = None) -> Solution:
    """The baseline alone: priority order, earliest slot, first free table."""
    run = _Run(problem, options or SolveOptions())
    chosen = first_fit(run.index)
    run.proven = False
    return _finish(run, chosen, bound=None, status="feasible")


# ----- mission mode --------------------------------------------------------------------------


def _solve_mission(run: _Run) -> Solution:
    index, problem = run.index, run.problem
    weight = lambda chosen: metrics.weight_of(problem, chosen)  # noqa: E731
    chosen = first_fit(index)
    # the reasons and figures at the end walk every request's places, as the first-fit did:
    # keep twice its time for them (more than the fixed margin when the machine is busy)
    run.deadline = min(run.deadline, run.t0 + run.options.time_limit_s - 2 * run.seconds())
    static_bound = sum(r.weight for r in problem.requests if index.candidates[r.id])
    bound = static_bound
    run.report("first_fit", weight(chosen), bound)
    if run.stopped() or run.left() <= 0:
        return _finish(run, chosen, bound, "stopped" if run.stopped() else "feasible")

    if not _exact(index):
        return _solve_mission_by_window(run, chosen, static_bound)
    locked_weight = metrics.weight_of(problem, index.locked)
    cm = CpModel(index, problem.requests)
    total = run.left()

    # 2. weight
    cm.hint(chosen)
    cm.model.maximize(cm.weight)
    # an LP solution ignores where published meetings are: on a re-run, the first-fit (which
    # keeps them) is the better start
    lp = _lp_cap(cm.model, cm.weight, hint_from_lp=not index.published)
    if lp is not None:
        bound = min(bound, math.floor(lp.bound + 1e-6) + locked_weight)
    whole = None
    if lp is not None and not index.published:
        whole = integral_solution(cm.model, lp.values)
    if whole is not None:
        # the LP's optimum is a schedule (usual on these models): nothing left for CP-SAT
        found = cm.read_values(whole) | index.locked
        if weight(found) >= weight(chosen):
            chosen = found
    else:
        status, solver = run.run(
            cm,
            0.35 * total,
            lambda value, b: run.report("weight", int(value) + locked_weight, bound),
        )
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = cm.read(solver)
            found.update(index.locked)
            if weight(found) >= weight(chosen):
                chosen = found
            bound = min(
                static_bound, int(math.floor(solver.best_objective_bound + 1e-6)) + locked_weight
            )
    bound = max(bound, weight(chosen))
    _keep_weight(cm, lp, weight(chosen) - locked_weight, chosen)
    run.report("weight", weight(chosen), bound)

    # 3. published meetings stay where they are
    if index.published and not run.stopped():
        kept = sum(
            v
            for request_id, existing in index.published.items()
            for p, v in cm.vars.get(request_id, [])
            if p.start_slot == existing.start_slot
        )
        cm.hint(chosen)
        cm.model.maximize(kept)
        status, solver = run.run(cm, 0.15 * total)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen = cm.read(solver) | index.locked
        cm.model.add(kept >= _kept(index, chosen))

    # 4. fairness
    share_bound = None
    schedulable = metrics.schedulable_weight(problem, index.candidates)
    if len(schedulable) > 1 and not run.stopped():
        budget, started = 0.4 * max(0.0, run.left()), time.monotonic()
        # the window relaxation often proves in a blink what the slot model cannot
        ceiling = _window_share_bound(
            index,
            chosen,
            weight(chosen) - locked_weight,
            schedulable,
            run.solve,
            0.3 * budget,
        )
        found, share_bound = _fairness(
            run,
            cm,
            chosen,
            schedulable,
            budget - (time.monotonic() - started),
            weight(chosen),
            bound,
            ceiling,
        )
        if found is not None:
            chosen = found | index.locked

    # 5. idle gaps, window group by window group; then, if some are left, across windows
    chosen = _reduce_gaps(run, chosen, bound)
    chosen = _reduce_gaps_across_windows(run, cm, chosen, schedulable, bound)
    return _finish(run, chosen, bound, None, share_bound=share_bound)


def _reduce_gaps_across_windows(
    run: _Run, cm: CpModel, chosen: dict[Key, Placement], schedulable: dict[Key, int], bound: int
) -> dict[Key, Placement]:
    """Gaps left once each meeting's window is fixed may vanish if meetings change window (the
    weight and fairness stages pick windows with no thought for gaps). With the weight, the
    published meetings kept and the smallest share all held, the whole model minimises idle
    slots from `chosen`, in the time left; the result is taken only if it has fewer."""
    index, problem = run.index, run.problem
    idle_now = _idle_slots(problem, chosen)
    if idle_now == 0 or run.stopped() or run.left() <= 0.2:
        return chosen
    shares = FirmShares(index, cm.literals, schedulable)
    if len(shares.total) > 1 and not shares.constrain(cm.model, shares.share(cm.values(chosen))):
        return chosen
    idle = cm.idle_slots()
    if isinstance(idle, int):
        return chosen
    cm.model.add(idle <= idle_now)
    cm.hint(chosen)
    cm.model.minimize(idle)
    status, solver = run.run(cm, run.left())
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        run.proven = False
        return chosen
    found = cm.read(solver) | index.locked
    if status != cp_model.OPTIMAL:
        run.proven = False
    if _idle_slots(problem, found) < idle_now:
        run.report("gaps", metrics.weight_of(problem, found), bound)
        return found
    return chosen


def _idle_slots(problem: Problem, chosen: dict[Key, Placement]) -> int:
    placed = [Assignment(r, p.start_slot, p.venue_id, 0) for r, p in chosen.items()]
    return metrics.idle_figures(problem, placed).idle_gaps


def _lp_cap(model: cp_model.CpModel, objective, hint_from_lp: bool = False) -> LpSolution | None:
    """Caps a maximised objective at its LP bound (valid, and lets CP-SAT prove optimality), and
    returns the LP solution. With `hint_from_lp`, the rounded LP solution replaces the hint on
    the Boolean variables (the window relaxation's LP is nearly integral)."""
    solved = lp_solve(model)
    if solved is None:
        return None
    model.add(objective <= math.floor(solved.bound + 1e-6))
    if hint_from_lp:
        proto = model.proto
        hints = {}
        for i, v in enumerate(proto.variables):
            domain = list(v.domain)
            if domain == [0, 1]:
                hints[i] = int(solved.values[i] > 0.5)
        model.clear_hints()
        for i, value in hints.items():
            model.add_hint(model.get_bool_var_from_proto_index(i), value)
    return solved


def _keep_weight(
    cm: CpModel | WindowModel, lp: LpSolution | None, reached: int, chosen: dict
) -> None:
    """Later stages keep the weight reached (in the model's terms, locked meetings left out).
    Since that weight is (nearly) the LP bound, the LP's duals also say which variables and
    rows every such solution leaves at their LP value: adding that as constraints takes most of
    the search out of the later stages. The cuts are checked against `chosen`, which must keep
    them all (a guard against numerical error)."""
    if lp is not None:
        add_cuts(cm.model, optimality_cuts(cm.model, lp, reached), cm.values(chosen))
    cm.model.add(cm.weight >= reached)


def _fairness(
    run: _Run,
    cm: CpModel | WindowModel,
    chosen: dict,
    schedulable: dict[Key, int],
    budget: float,
    weight: int,
    bound: int,
    ceiling: Fraction | None = None,
) -> tuple[dict | None, float]:
    """The fairest solution of the model (all earlier stages' constraints kept), if better than
    `chosen`, as the model's read-out; and the proven bound on the smallest share."""
    shares = FirmShares(run.index, cm.literals, schedulable)
    result = best_share_search(
        cm.model,
        shares,
        cm.values(chosen),
        run.solve,
        budget,
        lambda share: run.report("fairness", weight, bound, min_share=share),
        ceiling,
    )
    if not result.proven:
        run.proven = False
    found = cm.read_values(result.values) if result.values is not None else None
    return found, float(result.bound)


def _kept(index: Index, chosen: dict[Key, Placement]) -> int:
    return sum(
        1
        for request_id, existing in index.published.items()
        if request_id in chosen and chosen[request_id].start_slot == existing.start_slot
    )


def _window_share_bound(
    index: Index,
    chosen: dict | None,
    weight: int,
    schedulable: dict[Key, int],
    solve,
    budget: float,
) -> Fraction | None:
    """A proven bound on the smallest share of schedules of at least `weight` (locked meetings
    left out), from the window relaxation; `chosen` (placements), if given, is one of them."""
    wm = WindowModel(index)
    if not _fix_weight(wm, weight, chosen):
        return None
    start = wm.values(chosen) if chosen is not None else None
    shares = FirmShares(index, wm.literals, schedulable)
    return best_share_search(wm.model, shares, start, solve, budget).bound


def _fix_weight(cm: CpModel | WindowModel, weight: int, chosen: dict | None) -> bool:
    """Restricts a fresh model to solutions of at least `weight`, with the weight LP's cuts;
    False if its LP could not be solved."""
    cm.model.maximize(cm.weight)
    lp = lp_solve(cm.model)
    if lp is None:
        return False
    values = cm.values(chosen) if chosen is not None else None
    add_cuts(cm.model, optimality_cuts(cm.model, lp, weight), values)
    cm.model.add(cm.weight >= weight)
    cm.model.clear_objective()
    return True


def best_share(
    problem: Problem, min_weight: int, time_limit_s: float = 60.0, workers: int = 2
) -> tuple[float, float]:
    """The best smallest firm share among schedules of at least `min_weight`, as (found, proven
    upper bound). A second solve, from scratch, used by the benchmark to judge `solve`; it uses
    the same notion of share (a firm's scheduled weight over the weight of its requests that
    have a possible place). Large missions use the window relaxation alone: its bound is valid
    for schedules, but its "found" may not be one."""
    index = Index(problem, fresh=True)
    weight = min_weight - metrics.weight_of(problem, index.locked)
    schedulable = metrics.schedulable_weight(problem, index.candidates)
    solve = lambda model, seconds: solve_model(model, seconds, workers)  # noqa: E731
    ceiling = None
    started = time.monotonic()
    if _exact(index):
        ceiling = _window_share_bound(index, None, weight, schedulable, solve, time_limit_s / 3)
        cm = CpModel(index, problem.requests)
    else:
        cm = WindowModel(index)
    _fix_weight(cm, weight, None)
    result = best_share_search(
        cm.model,
        FirmShares(index, cm.literals, schedulable),
        None,
        solve,
        time_limit_s - (time.monotonic() - started),
        ceiling=ceiling,
    )
    found = float(result.share) if result.values is not None else 0.0
    return found, float(result.bound)


def _exact(index: Index) -> bool:
    """Whether the slot-level model is small enough to solve whole."""
    placements = sum(len(c) for c in index.candidates.values())
    return bool(index.problem.precedences) or placements <= EXACT_LIMIT


def _window_groups(index: Index) -> list[set[Key]]:
    """Windows grouped so that groups do not overlap in time."""
    problem = index.problem
    spans = []
    for w in problem.windows:
        slots = [problem.slot_by_index[s] for s in w.slot_indices]
        if slots:
            spans.append((min(s.start for s in slots), max(s.end for s in slots), w.id))
    spans.sort(key=lambda item: (item[0], item[1]))
    groups: list[tuple[object, set[Key]]] = []
    for start, end, window_id in spans:
        if groups and start < groups[-1][0]:
            groups[-1] = (max(groups[-1][0], end), groups[-1][1] | {window_id})
        else:
            groups.append((end, {window_id}))
    return [members for _, members in groups]


def _reduce_gaps(run: _Run, chosen: dict[Key, Placement], bound: int) -> dict[Key, Placement]:
    """With the set of meetings and each one's window group fixed, fewest idle gaps, group by
    group; then the groups not proven optimal again with whatever time is left."""
    index, problem = run.index, run.problem
    chosen = dict(chosen)
    work = []
    for windows in _window_groups(index):
        ids = [r for r, p in chosen.items() if p.window_id in windows and r not in index.locked]
        if ids:
            work.append((windows, ids))
    for attempt in range(2):
        total_requests = sum(len(ids) for _, ids in work) or 1
        unproven = []
        for windows, ids in work:
            if run.stopped() or run.left() <= 0.05:
                run.proven = False
                return chosen
            budget = run.left() * len(ids) / total_requests
            total_requests -= len(ids)
            restrict = {}
            for r in ids:
                existing = index.published.get(r)
                if existing is not None and chosen[r].start_slot == existing.start_slot:
                    restrict[r] = [chosen[r]]  # a published meeting that kept its place stays
                else:
                    restrict[r] = [p for p in index.candidates[r] if p.window_id in windows]
            cm = CpModel(index, [problem.request_by_id[r] for r in ids], set(ids), restrict)
            idle = cm.idle_slots()
            if isinstance(idle, int):
                continue
            cm.hint(chosen)
            cm.model.minimize(idle)
            status, solver = solve_model(
                cm.model,
                min(budget, max(0.05, run.left())),
                run.options.workers,
                run.options.stop,
                seed=run.options.seed + attempt,
            )
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                chosen.update(cm.read(solver))
            if status != cp_model.OPTIMAL:
                unproven.append((windows, ids))
            run.report("gaps", metrics.weight_of(problem, chosen), bound)
        work = unproven
        if not work:
            return chosen
    run.proven = False
    return chosen


def _solve_mission_by_window(
    run: _Run, chosen: dict[Key, Placement], static_bound: int
) -> Solution:
    """Large missions: weight, published windows and fairness on the window relaxation (its
    bound is proven), then slots window group by window group, then first-fit of leftovers."""
    index, problem = run.index, run.problem
    locked_weight = metrics.weight_of(problem, index.locked)
    weight = lambda selection: locked_weight + metrics.weight_of(problem, selection)  # noqa: E731
    wm = WindowModel(index)
    selection = {r: p.window_id for r, p in chosen.items() if r not in index.locked}
    bound = static_bound
    total = run.left()

    wm.hint(selection)
    wm.model.maximize(wm.weight)
    lp = _lp_cap(wm.model, wm.weight, hint_from_lp=not index.published)  # as in _solve_mission
    if lp is not None:
        bound = min(bound, math.floor(lp.bound + 1e-6) + locked_weight)
    whole = None
    if lp is not None and not index.published:
        whole = integral_solution(wm.model, lp.values)
    if whole is not None:
        found = wm.read_values(whole)
        if weight(found) >= weight(selection):
            selection = found
    else:
        status, solver = run.run(
            wm,
            0.25 * total,
            lambda value, b: run.report("weight", int(value) + locked_weight, bound),
        )
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = wm.read(solver)
            if weight(found) >= weight(selection):
                selection = found
            bound = min(bound, int(math.floor(solver.best_objective_bound + 1e-6)) + locked_weight)
    bound = max(bound, metrics.weight_of(problem, chosen))
    _keep_weight(wm, lp, weight(selection) - locked_weight, selection)
    run.report("weight", weight(selection), bound)

    if index.published and not run.stopped():
        kept = sum(
            wm.vars[r][problem.slot_by_index[m.start_slot].window_id]
            for r, m in index.published.items()
            if r in wm.vars and problem.slot_by_index[m.start_slot].window_id in wm.vars[r]
        )
        wm.hint(selection)
        wm.model.maximize(kept)
        status, solver = run.run(wm, 0.1 * total)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            selection = wm.read(solver)
            wm.model.add(kept >= int(solver.objective_value))

    share_bound = None
    schedulable = metrics.schedulable_weight(problem, index.candidates)
    if len(schedulable) > 1 and not run.stopped():
        # fairness gets most of what is left: placing slots afterwards is usually quick
        found, share_bound = _fairness(
            run, wm, selection, schedulable, 0.6 * run.left(), weight(selection), bound
        )
        if found is not None:
            selection = found

    placed = _place_by_window(run, selection, bound)
    placed = _fill(index, placed)
    if metrics.weight_of(problem, placed) < bound:
        run.proven = False  # the relaxation's optimum could not all be placed
    return _finish(run, placed, bound, None, share_bound=share_bound)


def _place_by_window(run: _Run, selection: dict[Key, Key], bound: int) -> dict[Key, Placement]:
    """Slots for the selected requests, one group of windows at a time: first hold as much
    weight as possible (then keep published meetings in place), then fewest idle gaps."""
    index, problem = run.index, run.problem
    chosen: dict[Key, Placement] = dict(index.locked)
    work = []
    for windows in _window_groups(index):
        ids = [r for r, w in selection.items() if w in windows]
        if ids:
            work.append((windows, ids))
    for windows, ids in work:
        restrict = {r: [p for p in index.candidates[r] if p.window_id in windows] for r in ids}
        hint = _greedy(index, ids, restrict)
        if len(hint) < len(ids) and not run.stopped() and run.left() > 0.05:
            cm = CpModel(index, [problem.request_by_id[r] for r in ids], set(), restrict)
            kept = sum(
                v
                for r in ids
                if r in index.published
                for p, v in cm.vars[r]
                if p.start_slot == index.published[r].start_slot
            )
            n_published = sum(1 for r in ids if r in index.published)
            objective = (n_published + 1) * cm.weight + kept
            cm.model.maximize(objective)
            _lp_cap(cm.model, objective)
            cm.hint(hint)
            status, solver = run.run(cm, 0.2 * run.left())
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found = cm.read(solver)
                if metrics.weight_of(problem, found) >= metrics.weight_of(problem, hint):
                    hint = found
        chosen.update(hint)
    return _reduce_gaps(run, chosen, bound)


def _greedy(index: Index, ids: list[Key], restrict: dict[Key, list[Placement]]):
    """First-fit of some requests among their given placements, around the locked meetings;
    published meetings first, at their place if it is still free."""
    problem = index.problem
    occupancy = Occupancy(index)
    for request_id, p in index.locked.items():
        occupancy.place(problem.request_by_id[request_id], p, counted=False)
    for r in ids:
        existing = index.published.get(r)
        if existing is None:
            continue
        request = problem.request_by_id[r]
        for p in restrict[r]:
            if p.start_slot == existing.start_slot and occupancy.fits(request, p):
                occupancy.place(request, p)
                break
    for r in sorted(ids, key=lambda r: problem.request_by_id[r].priority):
        if r in occupancy.chosen:
            continue
        request = problem.request_by_id[r]
        for p in restrict[r]:
            if occupancy.fits(request, p):
                occupancy.place(request, p)
                break
    return {r: p for r, p in occupancy.chosen.items() if r not in index.locked}


def _fill(index: Index, chosen: dict[Key, Placement]) -> dict[Key, Placement]:
    """First-fit of requests still out, into whatever room is left."""
    problem = index.problem
    occupancy = Occupancy(index)
    for request_id, p in chosen.items():
        occupancy.place(
            problem.request_by_id[request_id], p, counted=request_id not in index.locked
        )
    schedulable = metrics.schedulable_weight(problem, index.candidates)
    got: dict[Key, int] = defaultdict(int)
    for request_id in chosen:
        request = problem.request_by_id[request_id]
        got[request.delegation_id] += request.weight

    def share(request) -> float:
        total = schedulable.get(request.delegation_id, 0)
        return got[request.delegation_id] / total if total else 1.0

    # weight first (priority), then the firms furthest behind
    for request in sorted(problem.requests, key=lambda r: (r.priority, share(r))):
        if request.id in occupancy.chosen:
            continue
        for p in index.candidates[request.id]:
            if occupancy.fits(request, p):
                occupancy.place(request, p)
                got[request.delegation_id] += request.weight
                break
    return dict(occupancy.chosen)


# ----- breaks mode ---------------------------------------------------------------------------


def _read(cm: CpModel, solver: cp_model.CpSolver) -> dict[Key, Placement]:
    """The placements of a solve of a clone of `cm.model` (clones keep variable indices)."""
    return {
        request_id: placement
        for request_id, pairs in cm.vars.items()
        for placement, v in pairs
        if solver.boolean_value(v)
    }


def _locked_consistent(index: Index) -> bool:
    """Whether the locked meetings alone keep every rule (else a hold-everything schedule cannot
    exist)."""
    problem = index.problem
    spans: dict[Key, list] = defaultdict(list)
    for request_id, p in index.locked.items():
        request = problem.request_by_id[request_id]
        if not index.allowed(request, p):
            return False
        for a in request.attendees:
            person = problem.person_by_id.get(a)
            if person is not None and any(s in person.busy_slots for s in p.slots):
                return False
            if any(s < p.end and p.start < e for s, e in spans[a]):
                return False
            spans[a].append((p.start, p.end))
    for (venue_id, _), load in index.locked_load.items():
        venue = problem.venue_by_id.get(venue_id)
        if load > (venue.tables if venue else 0):
            return False
    return True


# ----- result ---------------------------------------------------------------------------------


def _finish(
    run: _Run,
    chosen: dict[Key, Placement],
    bound: int | None,
    status: str | None,
    share_bound: float | None = None,
    breaks_bound: int | None = None,
) -> Solution:
    index, problem = run.index, run.problem
    chosen = dict(chosen)
    chosen.update(index.locked)
    assignments = repair_tables(index, chosen, assign_tables(index, chosen))
    had_no_table = {a.request_id for a in assignments if a.table == 0}
    chosen, assignments, no_table = reseat_unnumbered(index, chosen, assignments)
    order = {r.id: i for i, r in enumerate(problem.requests)}
    assignments.sort(key=lambda a: order[a.request_id])
    schedulable = metrics.schedulable_weight(problem, index.candidates)
    shares = metrics.shares(problem, assignments, schedulable)
    idle = metrics.idle_figures(problem, assignments)
    weight = metrics.weight_of(problem, chosen)
    if status is None:
        status = "stopped" if run.stopped() else ("optimal" if run.proven else "feasible")
    if had_no_table and status == "optimal":
        status = "feasible"  # the proofs counted tables, and no numbering of them fitted
    unscheduled = []
    taken = taken_by(index, chosen)
    for r in problem.requests:
        if r.id in chosen:
            continue
        if r.id in no_table:
            unscheduled.append(
                Unscheduled(
                    r.id,
                    "no_table",
                    "At the times when all could meet, no single table stays free for the "
                    "whole meeting: meetings that stay in place hold their tables.",
                )
            )
        elif status == "infeasible":
            unscheduled.append(
                Unscheduled(r.id, "infeasible", "No schedule can hold every meeting.")
            )
        elif status in ("unknown", "stopped") and not (set(chosen) - set(index.locked)):
            unscheduled.append(
                Unscheduled(r.id, "not_solved", "No schedule was found in the time given.")
            )
        else:
            unscheduled.append(explain(index, r, chosen, taken))
    moved = sum(
        1
        for request_id, existing in index.published.items()
        if request_id not in chosen or chosen[request_id].start_slot != existing.start_slot
    )
    figures = Figures(
        weight=weight,
        weight_requested=sum(r.weight for r in problem.requests),
        weight_bound=bound if bound is not None else sum(r.weight for r in problem.requests),
        min_share=min(shares.values()) if shares else None,
        min_share_bound=share_bound,
        shares=shares,
        idle_gaps=idle.idle_gaps,
        breaks=idle.breaks,
        breaks_bound=breaks_bound,
        max_breaks=idle.max_breaks,
        table_changes=metrics.table_changes(problem, assignments),
        published_moved=moved,
        seconds=run.seconds(),
        status=status,
    )
    run.report(
        "done",
        weight,
        figures.weight_bound,
        min_share=figures.min_share,
        idle_gaps=idle.idle_gaps,
        breaks=idle.breaks,
    )
    return Solution(tuple(assignments), tuple(unscheduled), figures)
