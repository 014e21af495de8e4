"""Breaks mode (the Girona B2B benchmark): every request is held; minimise the total number of
breaks (maximal idle runs between two meetings of a person), with any two people's breaks
differing by at most `fairness_d`."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import defaultdict

from ortools.sat.python import cp_model

from .model import CpModel, solve_model
from .placements import Index, Placement
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


def _solve_breaks_general(run: _Run) -> Solution:
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


# ----- one-slot meetings: a dedicated model and a large-neighbourhood search -------------------


def solve_breaks(run: _Run) -> Solution:
    if run.stopped():
        return _finish(run, {}, None, "stopped")
    if all(r.duration_slots == 1 for r in run.problem.requests):
        return _solve_breaks_unit(run)
    return _solve_breaks_general(run)


class UnitModel:
    """Breaks mode when every meeting takes one slot.

    One Boolean per (request, slot) and per (person, slot) ("occupied"); a run of meetings starts
    where a person is occupied and was not the slot before. For a person whose meetings all fall
    in one window, breaks are unary Booleans `extra[j]` ("at least j + 1 breaks"), which is what
    core-based search and the fairness cap work on directly, and "no break" is one Boolean per
    block of n consecutive slots, with the clause "occupied at k -> a break, or a block covering
    k" so that propagation (not only the LP) sees that a person without a break is packed."""

    def __init__(self, index: Index, fairness_d: int):
        self.index = index
        problem = index.problem
        self.model = m = cp_model.CpModel()
        self.infeasible = False
        self.vars: dict[Key, list[tuple[Placement, cp_model.IntVar]]] = {}
        positions = problem.position_in_window
        free = [r for r in problem.requests if r.id not in index.locked]
        venue_point: dict[tuple[Key, int], list] = defaultdict(list)
        # (literals, tables): the meetings that may take a slot, and how many can
        self.capacity_limits: list[tuple[list, int]] = []
        # (person, window) -> position -> literals, or 1 where a locked meeting sits
        occupancy: dict[tuple[Key, Key], dict[int, list]] = defaultdict(lambda: defaultdict(list))
        meetings: dict[Key, int] = defaultdict(int)
        for r in free:
            pairs = [(p, m.new_bool_var("")) for p in index.candidates[r.id]]
            if not pairs:
                self.infeasible = True
                return
            self.vars[r.id] = pairs
            m.add_exactly_one(v for _, v in pairs)
            for p, v in pairs:
                for point in p.points:
                    venue_point[(p.venue_id, point)].append(v)
                for person_id in r.attendees:
                    occupancy[(person_id, p.window_id)][positions[p.start_slot]].append(v)
            for person_id in r.attendees:
                meetings[person_id] += 1
        for request_id, p in index.locked.items():
            for person_id in problem.request_by_id[request_id].attendees:
                occupancy[(person_id, p.window_id)][positions[p.start_slot]].append(1)
                meetings[person_id] += 1
        for (venue_id, point), literals in venue_point.items():
            capacity = index.capacity(venue_id, point)
            if len(literals) > capacity:
                m.add(sum(literals) <= capacity)
                self.capacity_limits.append((literals, capacity))
        self._add_precedences()

        windows_of: dict[Key, list[Key]] = defaultdict(list)
        for person_id, window_id in occupancy:
            windows_of[person_id].append(window_id)
        # someone with at most one meeting never has a break, so with fairness nobody may have
        # more than d; otherwise the smallest number of breaks is a variable
        self.min_is_zero = any(n <= 1 for n in meetings.values())
        self.objective_terms: list = []
        breaks: dict[Key, cp_model.LinearExpr] = {}
        self.occ: dict[tuple[Key, Key], dict[int, object]] = {}
        # person -> (window, start position -> "one block from there", extra, meetings)
        self.packed: dict[Key, tuple[Key, dict[int, cp_model.IntVar], list, int]] = {}
        for person_id, window_ids in windows_of.items():
            n = meetings[person_id]
            terms = []
            for window_id in window_ids:
                occ = self._occupied(occupancy[(person_id, window_id)])
                self.occ[(person_id, window_id)] = occ
                if len(window_ids) == 1:
                    # implied: all of a person's meetings take that many slots (with this,
                    # "packed" people propagate instead of waiting for the LP)
                    m.add(sum(occ.values()) == n)
                starts = self._run_starts(occ)
                if n < 2 or not starts:
                    continue
                if len(window_ids) == 1:
                    terms.append(self._unary(person_id, window_id, occ, starts, n, fairness_d))
                else:
                    used = m.new_bool_var("")
                    for s in starts:
                        m.add_implication(s, used)
                    m.add(used <= sum(starts))
                    expression = sum(starts) - used
                    terms.append(expression)
                    self.objective_terms.append(expression)
            if terms:
                breaks[person_id] = sum(terms)
        self._add_people_per_slot(free)
        if not self.min_is_zero and breaks:
            most = sum(meetings.values())
            bmin = m.new_int_var(0, most, "bmin")
            for person_id in meetings:
                m.add(breaks.get(person_id, 0) >= bmin)
            for b in breaks.values():
                m.add(b <= bmin + fairness_d)
        elif fairness_d >= 0:
            for b in breaks.values():
                if not isinstance(b, int):
                    m.add(b <= fairness_d)
        self.objective = sum(self.objective_terms)
        if not isinstance(self.objective, int):
            m.minimize(self.objective)

    def _add_people_per_slot(self, free) -> None:
        """Implied: at most (tables x attendees per meeting) people occupied at a slot."""
        m = self.model
        index = self.index
        problem = index.problem
        widest = max((len(r.attendees) for r in free), default=0)
        people_at: dict[int, list] = defaultdict(list)
        for (_, window_id), occ in self.occ.items():
            slots = problem.window_by_id[window_id].slot_indices
            for k, v in occ.items():
                if not isinstance(v, int):
                    people_at[slots[k]].append(v)
        for slot, people in people_at.items():
            venue_id = problem.window_by_id[problem.slot_by_index[slot].window_id].venue_id
            most = widest * index.capacity(venue_id, slot)
            if len(people) > most:
                m.add(sum(people) <= most)

    def _occupied(self, by_position: dict[int, list]) -> dict[int, object]:
        m = self.model
        lo, hi = min(by_position), max(by_position)
        occ: dict[int, object] = {}
        for k in range(lo, hi + 1):
            terms = by_position.get(k)
            if not terms:
                occ[k] = 0
            elif any(isinstance(t, int) for t in terms):
                occ[k] = 1  # a locked meeting: candidates never overlap it
            else:
                occ[k] = m.new_bool_var("")
                if len(terms) == 1:
                    m.add(occ[k] == terms[0])
                else:
                    m.add(occ[k] == sum(terms))
        return occ

    def _run_starts(self, occ: dict[int, object]) -> list:
        """Literals (or 1) marking where a run of meetings starts."""
        m = self.model
        starts = []
        for k, here in occ.items():
            if isinstance(here, int) and here == 0:
                continue
            before = occ.get(k - 1, 0)
            if isinstance(here, int):
                if isinstance(before, int):
                    if before == 0:
                        starts.append(1)
                    continue
                s = m.new_bool_var("")
                m.add(s + before == 1)
                starts.append(s)
                continue
            if isinstance(before, int):
                if before == 0:
                    starts.append(here)
                continue
            s = m.new_bool_var("")
            m.add_implication(s, here)
            m.add_implication(s, before.Not())
            m.add_bool_or([s, here.Not(), before])
            starts.append(s)
        return starts

    def _unary(
        self, person_id: Key, window_id: Key, occ: dict[int, object], starts: list, n: int, d: int
    ):
        m = self.model
        open_positions = [k for k, v in occ.items() if not (isinstance(v, int) and v == 0)]
        most = min(n - 1, max(0, (max(open_positions) - min(open_positions) + 1) - n))
        if self.min_is_zero:
            most = min(most, d)
        extra = [m.new_bool_var("") for _ in range(most)]
        for a, b in zip(extra, extra[1:], strict=False):
            m.add_implication(b, a)
        m.add(sum(starts) == 1 + sum(extra))
        self.objective_terms.extend(extra)
        blocks: dict[int, cp_model.IntVar] = {}
        lo, hi = min(occ), max(occ)
        for a in range(lo, hi - n + 2):
            span = [occ.get(k, 0) for k in range(a, a + n)]
            if any(isinstance(v, int) and v == 0 for v in span):
                continue
            block = m.new_bool_var("")
            for v in span:
                if not isinstance(v, int):
                    m.add_implication(block, v)
            blocks[a] = block
        if extra:
            m.add(sum(blocks.values()) + extra[0] == 1)
            for k, v in occ.items():
                if isinstance(v, int):
                    continue
                covering = [blocks[a] for a in range(k - n + 1, k + 1) if a in blocks]
                m.add_bool_or([v.Not(), extra[0], *covering])
        else:
            m.add(sum(blocks.values()) == 1)
        self.packed[person_id] = (window_id, blocks, extra, n)
        return sum(extra)

    def _add_precedences(self) -> None:
        index, m = self.index, self.model
        rank = index.rank

        def edges(request_id: Key):
            if request_id in index.locked:
                p = index.locked[request_id]
                return rank[p.start], rank[p.end]
            pairs = self.vars.get(request_id)
            if pairs is None:
                return None
            return (
                sum(rank[p.start] * v for p, v in pairs),
                sum(rank[p.end] * v for p, v in pairs),
            )

        for prec in index.problem.precedences:
            before, after = edges(prec.before_id), edges(prec.after_id)
            if before is None or after is None:
                continue
            if isinstance(before[1], int) and isinstance(after[0], int):
                if after[0] < before[1]:
                    self.infeasible = True
                continue
            m.add(after[0] >= before[1])

    def read(self, values: list[int]) -> dict[Key, Placement]:
        """Placements from a full solution vector (indices of this model's variables)."""
        return {
            request_id: p
            for request_id, pairs in self.vars.items()
            for p, v in pairs
            if values[v.index]
        }

    def cost(self, values: list[int]) -> int:
        objective = self.model.proto.objective
        total = objective.offset
        for ref, coeff in zip(objective.vars, objective.coeffs, strict=True):
            total += coeff * (values[ref] if ref >= 0 else 1 - values[-ref - 1])
        return round(total)


def _at_most_clauses(m: cp_model.CpModel, literals: list, k: int) -> None:
    """ "At most k of `literals`" once more, as clauses over a sequential counter: `count[i][j]`
    is implied by "at least j + 1 of the first i + 1 are true". The search learns clauses over
    these counters, which a linear constraint does not give it; too heavy for the whole model
    (all 20 Girona originals took 419 s with them there, against 119 s), but it settles the
    person-by-person questions (see `_who_breaks`)."""
    n = len(literals)
    if k >= n:
        return
    if k == 0:
        for x in literals:
            m.add_bool_or([x.Not()])
        return
    count = [[m.new_bool_var("") for _ in range(k)] for _ in range(n - 1)]
    m.add_implication(literals[0], count[0][0])
    for j in range(1, k):
        m.add_bool_or([count[0][j].Not()])
    for i in range(1, n - 1):
        m.add_implication(literals[i], count[i][0])
        m.add_implication(count[i - 1][0], count[i][0])
        for j in range(1, k):
            m.add_bool_or([literals[i].Not(), count[i - 1][j - 1].Not(), count[i][j]])
            m.add_implication(count[i - 1][j], count[i][j])
        m.add_bool_or([literals[i].Not(), count[i - 1][k - 1].Not()])
    m.add_bool_or([literals[n - 1].Not(), count[n - 2][k - 1].Not()])


def _solve_breaks_unit(run: _Run) -> Solution:
    index, options = run.index, run.options
    if not _locked_consistent(index):
        return _finish(run, {}, None, "infeasible")
    um = UnitModel(index, options.fairness_d)
    if um.infeasible:
        return _finish(run, {}, None, "infeasible")
    m = um.model
    if isinstance(um.objective, int):
        status, solver = _solve(run, m, run.left(), options.workers)
        return _result(run, um, status, solver, 0 if status == cp_model.OPTIMAL else None)

    # 1. any schedule at all (objective left out: that is quick, and refutes infeasible ones)
    feasible = m.clone()
    feasible.clear_objective()
    status, solver = _solve(run, feasible, 0.5 * run.left(), options.workers)
    if status == cp_model.INFEASIBLE:
        return _finish(run, {}, None, "infeasible")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        status, solver = _solve(run, m, run.left(), options.workers)
        return _result(run, um, status, solver, None)
    search = _Search(run, um, list(solver.response_proto.solution))
    search.search()
    if options.log:
        print(f"breaks search: {search.iterations} neighbourhoods, {dict(search.stats)}")
    chosen = um.read(search.best)
    if search.lower >= search.cost:
        status = "optimal"
    else:
        status = "stopped" if run.stopped() else "feasible"
    return _finish(run, chosen, None, status, breaks_bound=search.lower)


def _result(run: _Run, um: UnitModel, status, solver, lower) -> Solution:
    if status == cp_model.INFEASIBLE:
        return _finish(run, {}, None, "infeasible")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _finish(run, {}, None, "stopped" if run.stopped() else "unknown")
    chosen = um.read(list(solver.response_proto.solution))
    if lower is None:
        lower = math.ceil(solver.best_objective_bound - 1e-6)
    return _finish(
        run,
        chosen,
        None,
        "optimal" if status == cp_model.OPTIMAL else "feasible",
        breaks_bound=lower,
    )


def _solve(run: _Run, model, budget: float, workers: int, params=None, stop=None, hint=None):
    if hint is not None:
        _set_hint(model, hint)
    o = run.options
    return solve_model(
        model,
        min(budget, max(0.05, run.left())),
        workers,
        stop or o.stop,
        seed=o.seed,
        log=o.log,
        params=params,
    )


def _ceil(bound: float) -> float:
    return math.ceil(bound - 1e-6) if math.isfinite(bound) else bound


def _set_hint(model: cp_model.CpModel, values: list[int]) -> None:
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


CORE_PARAMS: dict = {"subsolvers": ["core"]}
STALL = 4  # own neighbourhoods without a gain before the search asks the whole model
REFUTE = 2.0  # seconds for each of the two tries at "at most (lower bound) breaks"
QUIET = 15.0  # seconds without a better schedule or bound before a whole-model search gives way
SPLIT_SCREEN = 0.5  # seconds for "only this person may have the break", on the first pass
SPLIT_SLICE = 6.0  # seconds for it on the second pass (then 1.5 times more each round)
SPLIT_FIRST = 6.0  # seconds, at most, for the first pass over everyone
# Of the time left, at most, for a round of the person-by-person search. People stay open after
# the first pass only where a schedule with one break exists (on each of the 140 Girona files
# where some do, the optimum is 1), and this search is the one that finds it: the whole-model
# search ends at 4 to 12 breaks there. Since the later rounds count tables with clauses too
# (`_at_most_clauses`), each of the 12 people left on forum-13crafc.forb0007 is settled in 2 to
# 3 s, but the share stays large for files where that is not enough.
SPLIT_SHARE = 0.75
# For these questions, CP-SAT without its LP: on forum-13crafc and ticf-13crafc it settles most
# of them in about a second, where with the LP (or with local search alone) they stay open for
# tens of seconds.
SPLIT_PARAMS: dict = {"linearization_level": 0}


def _cuts(workers: int) -> dict:
    """For refuting "at most k breaks": CP-SAT's LP with all its cuts. With two workers, CP-SAT
    runs one search over the whole problem (the first subsolver listed) and its neighbourhoods
    on the other worker, so this is that search. On tic-13crafc (original, prec15 and prec25) it
    refutes "at most 3" in 0.2 to 0.9 s, where the default search leaves it open after 40 s and
    the core-based search after 60 s."""
    if workers >= 2:
        return {"subsolvers": ["max_lp", "default_lp"]}
    return {"linearization_level": 2}


def _no_lp(workers: int) -> dict:
    """For finding a schedule with at most k breaks: CP-SAT's search without its LP (as the one
    search over the whole problem, see `_cuts`). "At most 4" on tic-13crafc.prec25 is found in
    0.3 to 0.6 s, where the default, LP-with-cuts and core-based searches leave it open after
    15 to 30 s; "at most 3" on ticf-13crafb.original in 13 to 17 s, where the default search
    leaves it open after 20 s."""
    if workers >= 2:
        return {"subsolvers": ["no_lp", "default_lp"]}
    return {"linearization_level": 0}


class _Search:
    """From a first schedule, three searches in turn until the schedule is proven optimal or
    the time is up:

    1. feasibility probes "at most k breaks" on the whole model (see `_probe`), one after the
       other while they find better schedules;
    2. CP-SAT on the whole model with a core-based worker, which raises the lower bound (and,
       when it reaches the optimum, finds a schedule there), and CP-SAT's own neighbourhoods on
       the other worker; it gives way after QUIET seconds without a better schedule or a
       higher bound;
    3. our neighbourhoods (see `_neighbourhood`), until STALL of them in a row bring nothing.

    Before them, each lower bound is tried for a moment (`_refute`); once "no break" is
    refuted, the person-by-person search (`_who_breaks`) asks who could take the one break,
    and while people are left it takes most of the time, in rounds between the others.
    """

    def __init__(self, run: _Run, um: UnitModel, first: list[int]):
        self.run = run
        self.um = um
        self.best = first
        self.cost = um.cost(first)
        self.lower = 0
        self.rng = random.Random(run.options.seed)
        self.lock = threading.Lock()
        problem = run.problem
        self.ids = list(um.vars)
        self.meetings_of: dict[Key, list[Key]] = defaultdict(list)
        for request_id in self.ids:
            for person_id in problem.request_by_id[request_id].attendees:
                self.meetings_of[person_id].append(request_id)
        # every slot, window after window
        self.order = [s for w in problem.windows for s in w.slot_indices]
        self.rank = {s: k for k, s in enumerate(self.order)}
        per_slot = len(self.ids) / max(1, len(self.order))
        first_size = min(len(self.ids), max(8, int(3 * per_slot)))
        self.sizes: dict[str, int] = defaultdict(lambda: first_size)
        self.iterations = 0
        self.stall = 0
        # "who has the one break": people not yet refuted (None: not asked yet), and the
        # seconds each gets on their next turn
        self.split_open: list[Key] | None = None
        self.split_budget: dict[Key, float] = {}
        self.table_clauses: cp_model.CpModel | None = None  # see `_with_table_clauses`
        self.halfway = True  # the next probe asks halfway down (see `_probe`)
        # kind of neighbourhood -> [tries, improvements]
        self.stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def search(self) -> None:
        workers = max(1, self.run.options.workers)
        slice_ = 2.0
        tried = -1  # the last bound that could not be refuted
        while not self._finished():
            while not self._finished() and self.lower != tried:
                if self.lower == 1 and self.split_open is None:
                    self._who_breaks(workers)  # refutes "one break" better, when it can
                    if self.split_open:
                        tried = 1  # people are left: refuting it whole is hopeless
                    continue
                tried = self.lower
                self._refute(workers)
            if not (self.lower == 1 and self.split_open):
                while not self._finished() and self._probe(slice_, workers):
                    slice_ = 2.0  # on down while the probes find better schedules
                slice_ *= 1.5
            if self._finished():
                break
            self._whole(workers)
            while not self._finished() and self.stall < STALL:
                self._step(workers)
            self.stall = 0
            if not self._finished() and self.lower == 1 and self.split_open:
                self._who_breaks(workers)  # more turns for those left

    def _who_breaks(self, workers: int) -> None:
        """With "no break at all" refuted: is there a schedule with one break? Asked person by
        person ("only p may have a break"): with everyone else packed, presolve refutes most
        of these questions at once (the first pass, 0.5 s each), and CP-SAT without its LP
        answers the others, where the question over everyone stays open for minutes. Refuting
        all of them proves the bound 2.

        The later rounds also state each slot's table limit as clauses (`_at_most_clauses`).
        On forum-13crafc.forb0007, the 12 people left after the first pass are each settled in
        1.9 to 2.8 s with them; without them, 5 of the 12 were still open after 20 s, and the
        two who can take the break were found after 1.7 and 19.9 s."""
        um, run = self.um, self.run
        if self.lower != 1 or len(um.objective_terms) != sum(
            len(extra) for _, _, extra, _ in um.packed.values()
        ):
            self.split_open = []
            return  # some breaks are not one person's counters: no split
        people = [p for p, (_, _, extra, _) in um.packed.items() if extra]
        base = um.model.clone()
        base.clear_objective()
        base.add(um.objective <= 1)
        _set_hint(base, self.best)
        found = threading.Event()  # also set when the run is stopped
        end = time.monotonic() + SPLIT_SHARE * run.left()
        if self.split_open is None:
            end += SPLIT_FIRST  # for the first pass
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.1):
                if run.stopped():
                    found.set()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            self._split(people, base, found, end, workers)
        finally:
            done.set()
            watcher.join()

    def _split(self, people, base, found, end, workers) -> None:
        um, run = self.um, self.run
        asked = [0]

        def ask(person_id: Key, budget: float, params: dict, question) -> int:
            model = question.clone()
            domains = model.proto.variables
            for q, (_, _, extra, _) in um.packed.items():
                if q != person_id:
                    for v in extra:
                        domains[v.index].domain.clear()
                        domains[v.index].domain.extend([0, 0])
            budget = min(budget, end - time.monotonic())
            if budget <= 0.05:
                return cp_model.UNKNOWN
            asked[0] += 1
            params = dict(params, random_seed=run.options.seed + asked[0])
            status, solver = _solve(run, model, budget, 1, params=params, stop=found)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                self._offer(list(solver.response_proto.solution))
                found.set()
            return status

        def first_pass(chunk: list[Key]) -> list[Key]:
            return [
                p for p in chunk if ask(p, SPLIT_SCREEN, SPLIT_PARAMS, base) != cp_model.INFEASIBLE
            ]

        threads = max(1, min(workers, 2))
        if self.split_open is None:
            chunks = [people[i::threads] for i in range(threads)]
            results: list[list[Key] | None] = [None for _ in chunks]  # None: that pass failed

            def screen(i: int) -> None:
                results[i] = first_pass(chunks[i])

            pool = [threading.Thread(target=screen, args=(i,)) for i in range(threads)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            self.stats["split"][0] += len(people)
            if any(r is None for r in results):
                self.split_open = []  # a pass failed: give up on this search
                return
            if found.is_set():
                return
            self.split_open = [p for chunk in results for p in chunk]  # type: ignore[union-attr]
            self.rng.shuffle(self.split_open)
            self.split_budget = {p: SPLIT_SLICE for p in self.split_open}
            if not self.split_open:
                self._raise(2)  # nobody alone can take the one break
                return
        open_, budget = self.split_open, self.split_budget
        # the rest in turn, each a little longer every round, with the tables counted by clauses
        with_table_clauses = self._with_table_clauses()
        lock = threading.Lock()
        failed = threading.Event()

        def turn(params: dict) -> None:
            while not found.is_set() and time.monotonic() < end - 0.1 and not run.stopped():
                with lock:
                    if not open_:
                        return
                    person_id = open_.pop(0)
                try:
                    status = ask(person_id, budget[person_id], params, with_table_clauses)
                except BaseException:
                    failed.set()  # that person's question is lost: prove nothing
                    raise
                with lock:
                    if status == cp_model.INFEASIBLE:
                        continue
                    budget[person_id] *= 1.5
                    open_.append(person_id)

        pool = [threading.Thread(target=turn, args=(SPLIT_PARAMS,)) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        if not open_ and not found.is_set() and not failed.is_set():
            self._raise(2)

    def _with_table_clauses(self) -> cp_model.CpModel:
        """ "At most one break", with each slot's table limit also as clauses, from the current
        schedule. The clauses are built once (29,000 counters and 60,000 clauses on
        forum-13crafc)."""
        if self.table_clauses is None:
            um = self.um
            self.table_clauses = um.model.clone()
            self.table_clauses.clear_objective()
            self.table_clauses.add(um.objective <= 1)
            for literals, tables in um.capacity_limits:
                _at_most_clauses(self.table_clauses, literals, tables)
        model = self.table_clauses.clone()
        _set_hint(model, self.best)
        return model

    def _finished(self) -> bool:
        run = self.run
        return self.lower >= self.cost or run.stopped() or run.left() <= 0.05

    def _whole(self, workers: int) -> None:
        """CP-SAT on the whole model from the current schedule, until it has gone QUIET
        seconds without a better schedule or a higher bound: a core-based search raises the
        lower bound while CP-SAT's own neighbourhoods (on the other worker) improve the
        schedule. A rising bound counts as progress: the core-based search often finds the
        optimum only once its bound reaches it (forum-13crafb.forb0007 does, often after more
        than QUIET seconds without a better schedule). A longer QUIET does not help: on
        tic-13crafc.prec25 the better schedules come from fresh starts of this search."""
        run = self.run
        quiet = threading.Event()
        last = [time.monotonic(), self.cost, -math.inf]

        def on_solution(value: float, bound: float) -> None:
            if value < last[1]:
                last[0], last[1] = time.monotonic(), value
                run.report("breaks", 0, 0, breaks=int(value))

        def on_bound(bound: float) -> None:
            if bound > last[2]:
                last[0], last[2] = time.monotonic(), bound

        def watch() -> None:
            while not quiet.wait(0.1):
                if run.stopped() or time.monotonic() - last[0] > QUIET:
                    quiet.set()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        model = self.um.model.clone()
        _set_hint(model, self.best)
        self.iterations += 1
        o = run.options
        try:
            status, solver = solve_model(
                model,
                max(0.05, run.left()),
                workers,
                quiet,
                on_solution,
                seed=o.seed + self.iterations,
                log=o.log,
                params=CORE_PARAMS,
                on_bound=on_bound,
            )
        finally:
            quiet.set()
            watcher.join()
        self.stats["whole"][0] += 1
        if status == cp_model.OPTIMAL:
            values = list(solver.response_proto.solution)
            self._offer(values)
            self._raise(self.um.cost(values))
        elif status in (cp_model.FEASIBLE, cp_model.UNKNOWN):
            self._raise(_ceil(solver.best_objective_bound))
            if status == cp_model.FEASIBLE and self._offer(list(solver.response_proto.solution)):
                self.stats["whole"][1] += 1

    def _refute(self, workers: int) -> None:
        """ "At most `lower` breaks", for a moment: presolve alone, or the LP with all its cuts
        (`_cuts`), often refutes it when the core-based search does not, which raises the
        bound by one. If not, the search without the LP (`_no_lp`) tries to find a schedule
        there, which is then optimal."""
        probe = self.um.model.clone()
        probe.clear_objective()
        probe.add(self.um.objective <= self.lower)
        _set_hint(probe, self.best)
        self.stats["refute"][0] += 1
        for params in (_cuts(workers), _no_lp(workers)):
            if self._finished():
                return
            status, solver = _solve(self.run, probe, REFUTE, workers, params=params)
            if status == cp_model.INFEASIBLE:
                self.stats["refute"][1] += 1
                self._raise(self.lower + 1)
                return
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                self._offer(list(solver.response_proto.solution))
                return

    def _probe(self, budget: float, workers: int) -> bool:
        """ "At most k breaks" on the whole model, as a question of feasibility without an
        objective, from the current schedule: k halfway between the lower bound and the current
        schedule, or (after such a probe was left open) one less than the current schedule.
        These questions are much easier than the optimisation (thanks to the implied
        constraints), and a refuted one raises the bound. Asked of the search without the LP
        (`_no_lp`), which finds such schedules where the others stall.

        Halving from the first schedule before the whole-model search brought the slowest of
        the 140 Girona files (the crafb forb variants) from 51 s to 36 s: "at most 5" on
        forum-13crafb.forb0007 is found in 2 to 5 s, where the whole-model search took 20 s
        to get from 90 down to 9 or 10."""
        # halfway between the bound and the current schedule, until such a probe is left open
        k = (self.lower + self.cost) // 2 if self.halfway else self.cost - 1
        probe = self.um.model.clone()
        probe.clear_objective()
        probe.add(self.um.objective <= k)
        _set_hint(probe, self.best)
        self.iterations += 1
        status, solver = _solve(
            self.run,
            probe,
            budget,
            workers,
            params=dict(_no_lp(workers), random_seed=self.run.options.seed + self.iterations),
        )
        self.stats["probe"][0] += 1
        if status == cp_model.INFEASIBLE:
            self._raise(k + 1)
            return False
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and self._offer(
            list(solver.response_proto.solution)
        ):
            self.stats["probe"][1] += 1
            self.halfway = True
            return True
        self.halfway = False
        return False

    def _offer(self, values: list[int]) -> bool:
        cost = self.um.cost(values)
        with self.lock:
            if cost > self.cost:
                return False
            improved = cost < self.cost
            self.best, self.cost = values, cost
        if improved:
            self.run.report("breaks", 0, 0, breaks=cost)
        return improved

    def _raise(self, lower: float) -> None:
        if not math.isfinite(lower):
            return  # no bound from a search that found nothing
        with self.lock:
            self.lower = max(self.lower, min(int(lower), self.cost))

    def _neighbourhood(self, best: list[int]) -> tuple[str, set[Key]]:
        """Meetings to free; the rest stay where they are and CP-SAT finds the best schedule
        of the freed ones. Three kinds, each drawn in proportion to its record: every meeting
        in a few slots (they may trade places: with tables nearly full this is how meetings
        move at all); every meeting in the slots around one person's break; the meetings of a
        person with breaks and of people they meet, and so on. A kind's size grows after it
        was solved to optimality without gain, and shrinks after a time-out."""
        rng, um = self.rng, self.um
        slot_of = {r: p.start_slot for r, p in um.read(best).items()}
        in_slot: dict[int, list[Key]] = defaultdict(list)
        for r, s in slot_of.items():
            in_slot[s].append(r)
        people = list(self.meetings_of)
        with_breaks = [p for p in people if self._breaks(p, slot_of) > 0]
        kinds = ["slots", "people"] + (["gap"] if with_breaks else [])
        # each kind in proportion to its record of improvements (a kind that works on one
        # instance may not on another: tight tables want whole slots, loose ones people)
        scores = [(self.stats[k][1] + 1) / (self.stats[k][0] + 2) for k in kinds]
        kind = rng.choices(kinds, weights=scores)[0]
        freed: set[Key] = set()
        if kind == "slots":
            # whole slots, anywhere
            slots = list(self.order)
            rng.shuffle(slots)
            for s in slots:
                if len(freed) >= self.sizes[kind]:
                    break
                freed.update(in_slot.get(s, ()))
            return "slots", freed
        if kind == "gap":
            # whole slots around one person's break, widening on both sides
            person = rng.choice(with_breaks)
            mine = sorted(self.rank[slot_of[r]] for r in self.meetings_of[person])
            gaps = [(a, b) for a, b in zip(mine, mine[1:], strict=False) if b > a + 1]
            a, b = rng.choice(gaps)
            for k in range(a, b + 1):
                freed.update(in_slot.get(self.order[k], ()))
            while len(freed) < self.sizes[kind] and (a > 0 or b < len(self.order) - 1):
                if b >= len(self.order) - 1 or (a > 0 and rng.random() < 0.5):
                    a -= 1
                    freed.update(in_slot.get(self.order[a], ()))
                else:
                    b += 1
                    freed.update(in_slot.get(self.order[b], ()))
            return "gap", freed
        # a person (with breaks, mostly) and the people they meet, and so on
        person = rng.choice(with_breaks if with_breaks and rng.random() < 0.8 else people)
        queue, seen = [person], {person}
        while queue and len(freed) < self.sizes[kind]:
            person = queue.pop(rng.randrange(len(queue)))
            freed.update(self.meetings_of[person])
            for request_id in self.meetings_of[person]:
                for other in self.run.problem.request_by_id[request_id].attendees:
                    if other not in seen:
                        seen.add(other)
                        queue.append(other)
        return "people", freed

    def _breaks(self, person_id: Key, slot_of: dict[Key, int]) -> int:
        slots = sorted(self.rank[slot_of[r]] for r in self.meetings_of[person_id] if r in slot_of)
        return sum(1 for a, b in zip(slots, slots[1:], strict=False) if b > a + 1)

    def _step(self, workers: int) -> None:
        um = self.um
        with self.lock:
            best, cost = self.best, self.cost
        kind, freed = self._neighbourhood(best)
        self.stats[kind][0] += 1
        model = um.model.clone()
        domains = model.proto.variables
        for request_id in self.ids:
            if request_id in freed:
                continue
            for _, v in um.vars[request_id]:
                domain = domains[v.index].domain
                domain.clear()
                domain.extend([best[v.index], best[v.index]])
        model.add(um.objective <= cost)
        _set_hint(model, best)
        self.iterations += 1
        status, solver = _solve(
            self.run,
            model,
            min(1.0, self.run.left()),
            workers,
            params={"random_seed": self.run.options.seed + self.iterations},
        )
        improved = False
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            improved = self._offer(list(solver.response_proto.solution))
            if improved:
                self.stats[kind][1] += 1
            if status == cp_model.OPTIMAL and len(freed) == len(self.ids):
                self._raise(um.cost(list(solver.response_proto.solution)))  # solved whole
            if status == cp_model.OPTIMAL and not improved:
                self.sizes[kind] = min(len(self.ids), int(self.sizes[kind] * 1.15) + 1)
        if status != cp_model.OPTIMAL:
            self.sizes[kind] = max(8, int(self.sizes[kind] / 1.15))
        self.stall = 0 if improved else self.stall + 1
