import itertools
import random
import threading
from datetime import timedelta

import pytest
from ortools.sat.python import cp_model

from mission_app.scheduling import (
    Assignment,
    ExistingMeeting,
    HeldMeeting,
    Precedence,
    SolveOptions,
    explain_left_out,
    find_conflicts,
    first_fit_solution,
    solve,
)
from mission_app.scheduling.model import solve_model
from tests.unit.scheduling.conftest import DAY

FAST = SolveOptions(time_limit_s=10.0)


def _random_mission(mission, seed: int, n_slots=3, tables=2, n_requests=6):
    rng = random.Random(seed)
    slots = mission.window(n_slots, tables)
    firms = [
        mission.firm(f"d{i}", busy=set(rng.sample(slots, rng.randint(0, 1)))) for i in range(3)
    ]
    hosts = [
        mission.firm(f"h{i}", "host", busy=set(rng.sample(slots, rng.randint(0, 1))))
        for i in range(3)
    ]
    pairs = rng.sample(list(itertools.product(firms, hosts)), n_requests)
    for firm, host in pairs:
        mission.request(firm, host, priority=rng.choice([1, 2, 3]))
    return mission.build()


def _brute_force_weight(problem) -> int:
    """Best weight over every choice of start slot (or none) per request."""
    slots = [s.index for s in problem.slots]
    tables = problem.venues[0].tables
    best = 0
    choices = [[None, *slots] for _ in problem.requests]
    for combo in itertools.product(*choices):
        used: dict[int, int] = {}
        people: set[tuple[str, int]] = set()
        ok = True
        for request, slot in zip(problem.requests, combo, strict=True):
            if slot is None:
                continue
            used[slot] = used.get(slot, 0) + 1
            for person_id in request.attendees:
                if (person_id, slot) in people or slot in problem.person_by_id[
                    person_id
                ].busy_slots:
                    ok = False
                people.add((person_id, slot))
            if used[slot] > tables:
                ok = False
        if ok:
            best = max(
                best,
                sum(
                    r.weight for r, s in zip(problem.requests, combo, strict=True) if s is not None
                ),
            )
    return best


@pytest.mark.parametrize("seed", range(6))
def test_solve_small_mission_matches_brute_force_weight(mission, seed):
    problem = _random_mission(mission, seed)
    solution = solve(problem, FAST)
    assert find_conflicts(problem, solution.assignments) == []
    assert solution.figures.weight == _brute_force_weight(problem)
    assert solution.figures.weight_bound == solution.figures.weight
    assert solution.figures.status == "optimal"


def test_solve_every_request_fits_schedules_all(mission):
    mission.window(4, 2)
    for key in ("a", "b"):
        mission.firm(key)
    mission.firm("h", "host")
    r1 = mission.request("a", "h", priority=1)
    r2 = mission.request("b", "h", priority=2)
    solution = solve(mission.build(), FAST)
    assert sorted(a.request_id for a in solution.assignments) == [r1, r2]
    assert solution.unscheduled == ()
    assert solution.figures.weight == 6
    assert solution.figures.idle_gaps == 0


def test_solve_locked_meeting_stays_exactly(mission):
    mission.window(4, 2)
    mission.firm("a")
    mission.firm("h", "host")
    r1 = mission.request("a", "h")
    mission.existing.append(ExistingMeeting(r1, 3, "dakar-hotel", 2, locked=True))
    solution = solve(mission.build(), FAST)
    assert [(a.request_id, a.start_slot, a.table) for a in solution.assignments] == [(r1, 3, 2)]


def test_solve_higher_priority_wins_a_single_slot(mission):
    mission.window(1, 1)
    mission.firm("a")
    mission.firm("b")
    mission.firm("h", "host")
    mission.request("a", "h", priority=3)
    r2 = mission.request("b", "h", priority=1)
    solution = solve(mission.build(), FAST)
    assert [a.request_id for a in solution.assignments] == [r2]


def test_solve_fairness_gives_each_firm_a_meeting(mission):
    # the host has two free slots; firm a asks twice, firm b once, all of equal weight
    mission.window(2, 2)
    mission.firm("a")
    mission.firm("b")
    mission.firm("h", "host")
    mission.request("a", "h")
    mission.request("a", "h")
    r3 = mission.request("b", "h")
    solution = solve(mission.build(), FAST)
    assert r3 in {a.request_id for a in solution.assignments}
    assert solution.figures.min_share == 0.5
    assert solution.figures.shares == {"a": 0.5, "b": 1.0}


def test_solve_gaps_closed_where_first_fit_leaves_one(mission):
    mission.window(4, 2)
    mission.firm("a", busy={1})
    mission.firm("b", busy={1})
    mission.firm("h", "host")
    mission.request("a", "h")
    mission.request("b", "h")
    problem = mission.build()
    assert first_fit_solution(problem).figures.idle_gaps == 1
    solution = solve(problem, FAST)
    assert solution.figures.idle_gaps == 0
    assert solution.figures.weight == 2


def test_solve_host_keeps_one_table(mission):
    mission.window(3, 3)
    for key in ("a", "b", "c"):
        mission.firm(key)
    mission.firm("h", "host")
    mission.firm("k", "host")
    for firm in ("a", "b", "c"):
        mission.request(firm, "h")
    mission.request("a", "k")
    solution = solve(mission.build(), FAST)
    tables_of_h = {a.table for a in solution.assignments if a.request_id in {"r1", "r2", "r3"}}
    assert len(tables_of_h) == 1
    assert solution.figures.table_changes == 0


def test_solve_unavailable_person_named_in_reason(mission):
    slots = mission.window(2, 2)
    mission.firm("a")
    mission.firm("h", "host", busy=set(slots))
    r1 = mission.request("a", "h")
    solution = solve(mission.build(), FAST)
    assert [(u.request_id, u.code, u.people) for u in solution.unscheduled] == [
        (r1, "never_available", ("h",))
    ]
    assert solution.unscheduled[0].reason == (
        "Mme h is not available at any meeting time of this leg."
    )


def test_solve_full_times_named_in_reason(mission):
    mission.window(1, 1)
    mission.firm("a")
    mission.firm("b")
    mission.firm("h", "host")
    mission.request("a", "h", priority=1)
    r2 = mission.request("b", "h", priority=3)
    solution = solve(mission.build(), FAST)
    [unscheduled] = solution.unscheduled
    assert (unscheduled.request_id, unscheduled.code, unscheduled.people) == (r2, "full", ("h",))
    assert unscheduled.reason.startswith("Possible Mon 12 May 09:00-09:30; at those times Mme h")
    assert unscheduled.only_at == ()  # the whole window was open to them


def test_solve_full_reason_gives_the_only_times_the_attendees_had(mission):
    slots = mission.window(4, 1)
    for key in ("a", "b", "c"):
        mission.firm(key)
    mission.firm("h", "host", busy={slots[2], slots[3]})  # free 09:00-10:00 only
    mission.request("a", "h", priority=1)
    mission.request("b", "h", priority=1)
    r3 = mission.request("c", "h", priority=3)
    problem = mission.build()
    solution = solve(problem, FAST)
    [unscheduled] = solution.unscheduled
    assert (unscheduled.request_id, unscheduled.code) == (r3, "full")
    first, second = problem.slot_by_index[slots[0]], problem.slot_by_index[slots[1]]
    assert unscheduled.only_at == ((first.start, second.end),)
    assert unscheduled.reason.startswith(
        "Only possible Mon 12 May 09:00-10:00 (part); at those times Mme h"
    )


def _held(problem, request_id, slot, table, venue="dakar-hotel", minutes=30):
    start = problem.slot_by_index[slot].start
    return HeldMeeting(request_id, venue, table, start, start + timedelta(minutes=minutes))


def test_left_out_beside_a_schedule_by_hand_names_the_first_free_place_or_why_none(mission):
    # h is busy at 09:00 and meets a at 09:30 (two tables); b-h was added afterwards: its first
    # free place is 10:00. c-h is only allowed 09:00-10:00: h is busy or taken then.
    slots = mission.window(3, 2)
    for key in ("a", "b", "c"):
        mission.firm(key)
    mission.firm("h", "host", busy={slots[0]})
    r1 = mission.request("a", "h")
    r2 = mission.request("b", "h")
    r3 = mission.request("c", "h", allowed=frozenset(slots[:2]))
    problem = mission.build()
    by_hand = [_held(problem, r1, slots[1], 1)]

    free, full = explain_left_out(problem, by_hand, [r2, r3])

    ten = problem.slot_by_index[slots[2]]
    assert (free.request_id, free.code, free.only_at) == (r2, "free", ((ten.start, ten.end),))
    assert free.reason == "A slot is free Mon 12 May 10:00-10:30: put the request on the grid."
    assert (full.request_id, full.code, full.people) == (r3, "full", ("h",))
    half_past = problem.slot_by_index[slots[1]]
    assert full.only_at == ((half_past.start, half_past.end),)

    # with a meeting at 10:00 on both tables, b-h has no free place left either
    for key in ("w", "x", "y", "z"):
        mission.firm(key)
    r4, r5 = mission.request("w", "x"), mission.request("y", "z")
    problem = mission.build()
    by_hand += [_held(problem, r4, slots[2], 1), _held(problem, r5, slots[2], 2)]
    [blocked] = explain_left_out(problem, by_hand, [r2])
    assert (blocked.code, blocked.people) == ("full", ("h",))


def test_left_out_needs_one_table_free_for_the_whole_meeting(mission):
    # two tables, one taken at 09:00 and the other at 09:30: an hour-long meeting has tables
    # left at each slot, but no one table for the whole hour
    slots = mission.window(3, 2)
    for key in ("a", "b", "c", "d", "e", "f"):
        mission.firm(key)
    r1, r2 = mission.request("a", "b"), mission.request("c", "d")
    long = mission.request("e", "f", duration=2)
    problem = mission.build()
    by_hand = [_held(problem, r1, slots[0], 1), _held(problem, r2, slots[1], 2)]

    [free] = explain_left_out(problem, by_hand, [long])

    # 09:30-10:30 on table 1 is the first place with one table free throughout
    half_past, eleven = problem.slot_by_index[slots[1]], problem.slot_by_index[slots[2]]
    assert (free.code, free.only_at) == ("free", ((half_past.start, eleven.end),))


def test_left_out_counts_a_meeting_off_the_slots_as_taking_its_people(mission):
    # a meets b from 09:15 to 09:45, off the half-hour slots (its window was moved since)
    slots = mission.window(3, 2)
    for key in ("a", "b", "c"):
        mission.firm(key)
    r1, r2 = mission.request("a", "b"), mission.request("a", "c")
    problem = mission.build()
    off_slot = problem.slot_by_index[slots[0]].start + timedelta(minutes=15)
    by_hand = [HeldMeeting(r1, "dakar-hotel", 1, off_slot, off_slot + timedelta(minutes=30))]

    [free] = explain_left_out(problem, by_hand, [r2])

    ten = problem.slot_by_index[slots[2]]
    assert (free.code, free.only_at) == ("free", ((ten.start, ten.end),))


def test_solve_precedence_respected(mission):
    mission.window(3, 2)
    mission.firm("a")
    mission.firm("b")
    mission.firm("h", "host")
    r1 = mission.request("a", "h")
    r2 = mission.request("b", "h")
    mission.precedences.append(Precedence(r2, r1))
    problem = mission.build()
    solution = solve(problem, FAST)
    start = {a.request_id: a.start_slot for a in solution.assignments}
    assert start[r2] < start[r1]
    assert find_conflicts(problem, solution.assignments) == []


def test_solve_stop_already_set_returns_first_fit(mission):
    problem = _random_mission(mission, 1)
    stop = threading.Event()
    stop.set()
    solution = solve(problem, SolveOptions(time_limit_s=10.0, stop=stop))
    assert solution.figures.status == "stopped"
    assert find_conflicts(problem, solution.assignments) == []
    assert solution.figures.weight == first_fit_solution(problem).figures.weight


def test_solve_progress_reports_stages(mission):
    problem = _random_mission(mission, 2)
    stages = []
    solve(problem, SolveOptions(time_limit_s=10.0, progress=lambda p: stages.append(p.stage)))
    assert stages[0] == "first_fit"
    assert stages[-1] == "done"
    assert "weight" in stages


def test_solve_breaks_mode_holds_all_with_fewest_breaks(mission):
    # a meets h and k; h is busy in slot 1, so a's two meetings are 0 and 2 or 2 and 3
    mission.window(4, 2)
    mission.firm("a")
    mission.firm("h", busy={1})
    mission.firm("k", busy={0})
    mission.request("a", "h")
    mission.request("a", "k")
    problem = mission.build()
    solution = solve(problem, SolveOptions(time_limit_s=10.0, mode="breaks"))
    assert solution.figures.status == "optimal"
    assert len(solution.assignments) == 2
    assert solution.figures.breaks == 0
    assert solution.figures.breaks_bound == 0
    assert find_conflicts(problem, solution.assignments) == []


def test_solve_breaks_mode_equal_breaks_solved_without_breaks(mission):
    # d=0: every participant must have the same number of breaks, and k (one meeting) has none
    mission.window(3, 1)
    mission.firm("a")
    mission.firm("h", busy={1})
    mission.firm("k")
    mission.request("a", "h")  # h free only in 0 and 2
    mission.request("a", "k")
    problem = mission.build()
    solution = solve(problem, SolveOptions(time_limit_s=10.0, mode="breaks", fairness_d=0))
    assert solution.figures.status == "optimal"
    assert solution.figures.breaks == 0
    assert solution.figures.max_breaks == 0


def test_solve_breaks_mode_impossible_reports_infeasible(mission):
    mission.window(1, 1)
    mission.firm("a")
    mission.firm("h")
    mission.firm("k")
    mission.request("a", "h")
    mission.request("a", "k")
    solution = solve(mission.build(), SolveOptions(time_limit_s=10.0, mode="breaks"))
    assert solution.figures.status == "infeasible"
    assert solution.assignments == ()
    assert [u.code for u in solution.unscheduled] == ["infeasible", "infeasible"]


def _brute_force_breaks(problem, d):
    """Fewest total breaks over every way to hold every request, or None if none exists."""
    slots = [s.index for s in problem.slots]
    tables = problem.venues[0].tables
    best = None
    for combo in itertools.product(slots, repeat=len(problem.requests)):
        if any(combo.count(t) > tables for t in slots):
            continue
        taken: dict[str, list[int]] = {}
        ok = True
        for request, slot in zip(problem.requests, combo, strict=True):
            for person_id in request.attendees:
                if slot in problem.person_by_id[person_id].busy_slots:
                    ok = False
                taken.setdefault(person_id, []).append(slot)
        if not ok or any(len(set(ts)) != len(ts) for ts in taken.values()):
            continue
        breaks = {
            p: sum(1 for u, v in itertools.pairwise(sorted(ts)) if v > u + 1)
            for p, ts in taken.items()
        }
        if max(breaks.values()) - min(breaks.values()) > d:
            continue
        total = sum(breaks.values())
        best = total if best is None else min(best, total)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_solve_breaks_mode_small_matches_brute_force(mission, seed):
    rng = random.Random(seed)
    slots = mission.window(5, 2)
    people = [
        mission.firm(f"p{i}", busy=set(rng.sample(slots, rng.randint(0, 2)))) for i in range(4)
    ]
    pairs = list(itertools.combinations(people, 2))
    for a, b in rng.sample(pairs, 5):
        mission.request(a, b)
    problem = mission.build()
    d = seed % 3
    expected = _brute_force_breaks(problem, d)
    solution = solve(problem, SolveOptions(time_limit_s=10.0, mode="breaks", fairness_d=d))
    if expected is None:
        assert solution.figures.status == "infeasible"
    else:
        assert solution.figures.status == "optimal"
        assert find_conflicts(problem, solution.assignments) == []
        assert len(solution.assignments) == 5
        assert solution.figures.breaks == expected


def test_gaps_left_by_the_windows_chosen_vanish_when_meetings_change_window(mission):
    from mission_app.scheduling import metrics
    from mission_app.scheduling.model import CpModel
    from mission_app.scheduling.solver import _reduce_gaps_across_windows, _Run

    morning = mission.window(3, 1)
    mission.window(3, 1, start=DAY + timedelta(hours=5))  # the afternoon
    mission.firm("d")
    mission.firm("h1", "host", busy={morning[1]})
    mission.firm("h2", "host", busy={morning[1]})
    first, second = mission.request("d", "h1"), mission.request("d", "h2")
    problem = mission.build()
    run = _Run(problem, FAST)
    cm = CpModel(run.index, problem.requests)
    cm.model.add(cm.weight >= 2)  # the weight stage's result is kept
    # both in the morning, around the slot both hosts are busy: one idle slot for "d"
    place = {(r, p.start_slot): p for r in (first, second) for p in run.index.candidates[r]}
    chosen = {first: place[first, morning[0]], second: place[second, morning[2]]}
    schedulable = metrics.schedulable_weight(problem, run.index.candidates)

    better = _reduce_gaps_across_windows(run, cm, chosen, schedulable, bound=2)

    assert set(better) == {first, second}
    windows = {problem.slot_by_index[p.start_slot].window_id for p in better.values()}
    assert len(windows) == 2  # one meeting in each window: no idle slot left
    placed = [Assignment(r, p.start_slot, p.venue_id, 1) for r, p in better.items()]
    assert metrics.idle_figures(problem, placed).idle_gaps == 0
    assert find_conflicts(problem, placed) == []


def test_solve_model_reports_each_raised_bound_up_to_the_optimum():
    # the breaks search counts a raised bound as progress: the bounds it is told of must be
    # CP-SAT's own, rising, and end at the proven optimum (a cover of 9 in a row needs 4)
    model = cp_model.CpModel()
    picked = [model.new_bool_var(f"x{i}") for i in range(9)]
    for a, b in itertools.pairwise(picked):
        model.add_bool_or([a, b])
    model.minimize(sum(picked))
    bounds = []
    status, solver = solve_model(model, 10.0, 2, on_bound=bounds.append)
    assert status == cp_model.OPTIMAL
    assert solver.objective_value == 4
    assert bounds == sorted(bounds)
    assert bounds[-1] == 4
