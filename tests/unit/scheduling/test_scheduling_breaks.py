"""Breaks mode (the Girona benchmark's objective) on small problems, checked by brute force."""

import itertools
import random
import threading
from datetime import timedelta

import pytest
from ortools.sat.python import cp_model

from mission_app.scheduling import (
    ExistingMeeting,
    Precedence,
    SolveOptions,
    find_conflicts,
    solve,
)
from mission_app.scheduling.breaks import UnitModel, _at_most_clauses, _Search
from mission_app.scheduling.model import solve_model
from mission_app.scheduling.placements import Index
from mission_app.scheduling.solver import _Run
from tests.unit.scheduling.conftest import MissionBuilder


def _breaks_by_person(problem, slot_of):
    """Person -> maximal idle runs between two of their meetings, window by window."""
    window_of = {s.index: s.window_id for s in problem.slots}
    position = problem.position_in_window
    taken = {}
    for request in problem.requests:
        for person_id in request.attendees:
            slot = slot_of[request.id]
            taken.setdefault(person_id, {}).setdefault(window_of[slot], []).append(position[slot])
    return {
        person_id: sum(
            sum(1 for a, b in itertools.pairwise(sorted(ks)) if b > a + 1)
            for ks in by_window.values()
        )
        for person_id, by_window in taken.items()
    }


def _brute_force(problem, d):
    """Fewest total breaks over every way to hold every (one-slot) request, or None."""
    slots = [s.index for s in problem.slots]
    start = {s.index: s.start for s in problem.slots}
    tables = {v.id: v.tables for v in problem.venues}
    venue_of = {s: w.venue_id for w in problem.windows for s in w.slot_indices}
    locked = {m.request_id: m.start_slot for m in problem.existing if m.locked}
    best = None
    for combo in itertools.product(slots, repeat=len(problem.requests)):
        slot_of = {r.id: t for r, t in zip(problem.requests, combo, strict=True)}
        if any(slot_of[r] != t for r, t in locked.items()):
            continue
        if any(combo.count(t) > tables[venue_of[t]] for t in slots):
            continue
        ok = True
        seen = set()
        for request in problem.requests:
            t = slot_of[request.id]
            if request.allowed_slots is not None and t not in request.allowed_slots:
                ok = False
            for person_id in request.attendees:
                if t in problem.person_by_id[person_id].busy_slots or (person_id, t) in seen:
                    ok = False
                seen.add((person_id, t))
        for prec in problem.precedences:
            if not start[slot_of[prec.before_id]] < start[slot_of[prec.after_id]]:
                ok = False
        if not ok:
            continue
        breaks = _breaks_by_person(problem, slot_of)
        if max(breaks.values()) - min(breaks.values()) > d:
            continue
        total = sum(breaks.values())
        best = total if best is None else min(best, total)
    return best


def _random_problem(mission, seed):
    """Two windows of three slots, four people, six requests (every pair), one locked meeting, one
    precedence, some busy slots and a session-like restriction."""
    rng = random.Random(seed)
    morning = mission.window(3, 2)
    afternoon = mission.window(3, 2, start=mission.slots[-1].end + timedelta(hours=2))
    slots = morning + afternoon
    people = [
        mission.firm(f"p{i}", busy=set(rng.sample(slots, rng.randint(0, 2)))) for i in range(4)
    ]
    pairs = rng.sample(list(itertools.combinations(people, 2)), 6)
    ids = []
    for k, (a, b) in enumerate(pairs):
        allowed = frozenset(morning) if k == 0 else None
        ids.append(mission.request(a, b, allowed=allowed))
    first, second = rng.sample(ids[1:], 2)
    mission.precedences.append(Precedence(first, second))
    # lock one request at a slot both attendees are free in, if there is one
    request = mission.requests[-1]
    busy = set().union(*(mission.people[int(p[1:])].busy_slots for p in request.attendees))
    free = [s for s in slots if s not in busy]
    if free:
        mission.existing.append(ExistingMeeting(request.id, rng.choice(free), locked=True))
    return mission.build()


@pytest.mark.parametrize("seed", range(12))
def test_solve_breaks_mode_two_windows_locked_and_precedence_match_brute_force(mission, seed):
    problem = _random_problem(mission, seed)
    d = seed % 3
    expected = _brute_force(problem, d)
    solution = solve(problem, SolveOptions(time_limit_s=10.0, mode="breaks", fairness_d=d))
    if expected is None:
        assert solution.figures.status == "infeasible"
        return
    assert solution.figures.status == "optimal"
    assert find_conflicts(problem, solution.assignments) == []
    assert len(solution.assignments) == len(problem.requests)
    slot_of = {a.request_id: a.start_slot for a in solution.assignments}
    assert sum(_breaks_by_person(problem, slot_of).values()) == expected
    assert solution.figures.breaks == expected
    assert solution.figures.breaks_bound == expected
    for m in problem.existing:
        assert slot_of[m.request_id] == m.start_slot


def test_unit_model_counts_one_run_per_packed_person(mission):
    # a meets h, k and l in three slots: one block, so "no break" is the only choice
    mission.window(3, 3)
    for key in ("a", "h", "k", "l"):
        mission.firm(key)
    for other in ("h", "k", "l"):
        mission.request("a", other)
    um = UnitModel(Index(mission.build()), fairness_d=2)
    assert not um.infeasible
    # everybody but a has one meeting, so nobody may have more than d = 2 breaks
    assert um.min_is_zero is True
    # a has 3 meetings in 3 slots: no room for a break, so no break variable at all
    assert um.objective_terms == []


def test_solve_breaks_mode_long_meeting_uses_general_model(mission):
    # a two-slot meeting: a's meetings are 0-1 and 2, or 0 and 1-2; never a break
    mission.window(3, 2)
    mission.firm("a")
    mission.firm("h")
    mission.firm("k")
    mission.request("a", "h", duration=2)
    mission.request("a", "k")
    problem = mission.build()
    solution = solve(problem, SolveOptions(time_limit_s=10.0, mode="breaks"))
    assert solution.figures.status == "optimal"
    assert len(solution.assignments) == 2
    assert solution.figures.breaks == 0
    assert find_conflicts(problem, solution.assignments) == []


def test_solve_breaks_mode_precedence_cycle_reports_infeasible(mission):
    mission.window(4, 2)
    mission.firm("a")
    mission.firm("h")
    mission.firm("k")
    first = mission.request("a", "h")
    second = mission.request("a", "k")
    mission.precedences.extend([Precedence(first, second), Precedence(second, first)])
    solution = solve(mission.build(), SolveOptions(time_limit_s=10.0, mode="breaks"))
    assert solution.figures.status == "infeasible"
    assert [u.code for u in solution.unscheduled] == ["infeasible", "infeasible"]


def test_solve_breaks_mode_stopped_before_start_reports_stopped(mission):
    mission.window(4, 2)
    for key in ("a", "h", "k"):
        mission.firm(key)
    mission.request("a", "h")
    mission.request("a", "k")
    stop = threading.Event()
    stop.set()
    solution = solve(mission.build(), SolveOptions(time_limit_s=10.0, mode="breaks", stop=stop))
    assert solution.figures.status == "stopped"


def _one_window_problem(mission, seed):
    """One window of five slots and two tables, five people, seven requests, some busy slots and
    "morning"/"afternoon" requests: everyone's meetings lie in one window, so the unit model's
    blocks, their links and the person-by-person search for one break are all used."""
    rng = random.Random(seed)
    slots = mission.window(5, 2)
    people = [
        mission.firm(f"p{i}", busy=set(rng.sample(slots, rng.randint(0, 1)))) for i in range(5)
    ]
    pairs = rng.sample(list(itertools.combinations(people, 2)), 7)
    for a, b in pairs:
        session = rng.choice([None, None, frozenset(slots[:3]), frozenset(slots[2:])])
        mission.request(a, b, allowed=session)
    return mission.build()


@pytest.mark.parametrize("seed", range(16))
def test_solve_breaks_mode_one_window_matches_brute_force(mission, seed):
    problem = _one_window_problem(mission, seed)
    expected = _brute_force(problem, 2)
    solution = solve(problem, SolveOptions(time_limit_s=10.0, mode="breaks", fairness_d=2))
    if expected is None:
        assert solution.figures.status == "infeasible"
        return
    assert solution.figures.status == "optimal"
    assert find_conflicts(problem, solution.assignments) == []
    slot_of = {a.request_id: a.start_slot for a in solution.assignments}
    assert sum(_breaks_by_person(problem, slot_of).values()) == expected
    assert solution.figures.breaks_bound == expected


@pytest.mark.parametrize(
    ("n", "k"), [(1, 0), (1, 1), (2, 1), (3, 0), (3, 1), (4, 2), (5, 3), (6, 2), (6, 5), (4, 4)]
)
def test_at_most_clauses_allow_exactly_the_assignments_with_at_most_k_true(n, k):
    # every assignment of n literals, fixed one at a time: the clauses (with the counter's own
    # Booleans free) must accept it exactly when at most k are true
    for values in itertools.product((0, 1), repeat=n):
        model = cp_model.CpModel()
        literals = [model.new_bool_var(f"x{i}") for i in range(n)]
        _at_most_clauses(model, literals, k)
        for literal, value in zip(literals, values, strict=True):
            model.add(literal == value)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        status = solver.solve(model)
        assert (status == cp_model.OPTIMAL) == (sum(values) <= k), values


def test_person_by_person_rounds_find_the_one_break_or_prove_two():
    # The later rounds of the person-by-person search ask their questions with the tables
    # counted by clauses as well. Started on everyone, they must find a one-break schedule
    # exactly where brute force says the optimum is 1, and prove 2 where it is 2 or more.
    outcomes = {"found": 0, "refuted": 0}
    for seed in range(16):
        problem = _one_window_problem(MissionBuilder(), seed)
        expected = _brute_force(problem, 2)
        if expected is None or expected == 0:
            continue
        run = _Run(problem, SolveOptions(time_limit_s=30.0, mode="breaks", fairness_d=2))
        um = UnitModel(run.index, 2)
        people = [p for p, (_, _, extra, _) in um.packed.items() if extra]
        if len(um.objective_terms) != sum(len(extra) for _, _, extra, _ in um.packed.values()):
            continue  # breaks not all one person's counters: the search does not split
        # a first schedule with the most breaks allowed, so that the rounds must do the work
        first = um.model.clone()
        first.clear_objective()
        first.maximize(um.objective)
        status, solver = solve_model(first, 10.0, 1)
        assert status == cp_model.OPTIMAL
        search = _Search(run, um, list(solver.response_proto.solution))
        search.lower = 1
        search.split_open = list(people)
        search.split_budget = {p: 5.0 for p in people}
        search._who_breaks(2)
        assert search.table_clauses is not None  # the rounds asked with the tables as clauses
        if expected == 1:
            assert (search.cost, search.lower) == (1, 1), seed
            chosen = um.read(search.best)
            slot_of = {r: p.start_slot for r, p in chosen.items()}
            assert sum(_breaks_by_person(problem, slot_of).values()) == 1
            outcomes["found"] += 1
        else:
            assert search.lower == 2, seed
            assert search.cost >= expected
            outcomes["refuted"] += 1
    assert outcomes["found"] >= 1 and outcomes["refuted"] >= 1, outcomes
