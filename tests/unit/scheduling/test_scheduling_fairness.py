import itertools
import random
from fractions import Fraction

import pytest
from ortools.sat.python import cp_model

from mission_app.scheduling import SolveOptions, best_share, find_conflicts, solve
from mission_app.scheduling.aggregate import WindowModel
from mission_app.scheduling.fairness import FirmShares, best_share_search
from mission_app.scheduling.lp import add_cuts, integral_solution, lp_solve, optimality_cuts
from mission_app.scheduling.metrics import schedulable_weight
from mission_app.scheduling.model import CpModel, solve_model
from mission_app.scheduling.placements import Index

FAST = SolveOptions(time_limit_s=10.0)


def _random_mission(mission, seed: int, n_slots=3, tables=2, n_requests=7):
    """Three delegation firms, three hosts, one window; some people busy."""
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


def _schedules(problem):
    """Every schedule of a one-window problem of one-slot meetings: request -> slot or None."""
    slots = [s.index for s in problem.slots]
    tables = problem.venues[0].tables
    for combo in itertools.product(*[[None, *slots] for _ in problem.requests]):
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
        if ok and all(n <= tables for n in used.values()):
            yield combo


def _brute_force_weight_then_share(problem) -> tuple[int, Fraction]:
    """The best weight, then the best smallest firm share among schedules of that weight."""
    index = Index(problem)
    schedulable = schedulable_weight(problem, index.candidates)
    best = (0, Fraction(0))
    for combo in _schedules(problem):
        got = dict.fromkeys(schedulable, 0)
        for request, slot in zip(problem.requests, combo, strict=True):
            if slot is not None:
                got[request.delegation_id] += request.weight
        share = min(Fraction(got[f], total) for f, total in schedulable.items())
        best = max(best, (sum(got.values()), share))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_solve_smallest_share_matches_brute_force(mission, seed):
    problem = _random_mission(mission, seed)
    weight, share = _brute_force_weight_then_share(problem)
    solution = solve(problem, FAST)
    assert find_conflicts(problem, solution.assignments) == []
    assert solution.figures.weight == weight
    assert Fraction(solution.figures.min_share).limit_denominator(100) == share
    assert Fraction(solution.figures.min_share_bound).limit_denominator(100) == share
    assert solution.figures.status == "optimal"


@pytest.mark.parametrize("seed", range(4))
def test_best_share_proves_the_brute_force_share(mission, seed):
    problem = _random_mission(mission, seed)
    weight, share = _brute_force_weight_then_share(problem)
    found, bound = best_share(problem, weight, time_limit_s=10.0)
    assert Fraction(found).limit_denominator(100) == share
    assert Fraction(bound).limit_denominator(100) == share


@pytest.mark.parametrize("seed", range(4))
def test_best_share_window_relaxation_bound_is_at_least_the_share(mission, seed):
    problem = _random_mission(mission, seed)
    weight, share = _brute_force_weight_then_share(problem)
    index = Index(problem)
    wm = WindowModel(index)
    wm.model.add(wm.weight >= weight)
    shares = FirmShares(index, wm.literals, schedulable_weight(problem, index.candidates))
    result = best_share_search(
        wm.model, shares, None, lambda model, seconds: solve_model(model, seconds, 2), 10.0
    )
    assert result.bound >= share


def _all_solutions(model: cp_model.CpModel, indices: list[int]) -> list[dict[int, int]]:
    """Every solution of `model`, as variable index -> value of the given variables."""

    class Collect(cp_model.CpSolverSolutionCallback):
        def __init__(self):
            super().__init__()
            self.variables = [model.get_bool_var_from_proto_index(i) for i in indices]
            self.found: list[dict[int, int]] = []

        def on_solution_callback(self) -> None:
            self.found.append({v.index: self.value(v) for v in self.variables})

    collect = Collect()
    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.num_workers = 1
    assert solver.solve(model, collect) == cp_model.OPTIMAL
    return collect.found


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("below", [0, 1, 3])
def test_optimality_cuts_hold_for_every_schedule_reaching_the_target(mission, seed, below):
    problem = _random_mission(mission, seed, n_slots=3, tables=1, n_requests=6)
    index = Index(problem)
    cm = CpModel(index, problem.requests)
    cm.model.maximize(cm.weight)
    lp = lp_solve(cm.model)
    best, _ = _brute_force_weight_then_share(problem)
    target = best - below
    cuts = optimality_cuts(cm.model, lp, target)
    # every schedule of weight >= target, enumerated by CP-SAT on the model without the cuts
    indices = [v.index for pairs in cm.vars.values() for _, v in pairs]
    plain = cm.model.clone()
    plain.clear_objective()
    plain.add(cm.weight >= target)
    solutions = _all_solutions(plain, indices)
    assert solutions
    for values in solutions:
        for variables, coeffs, lower, rhs in cuts:
            activity = sum(c * values[v] for v, c in zip(variables, coeffs, strict=True))
            assert activity >= rhs if lower else activity <= rhs
    # so the model with the cuts has exactly the same schedules
    with_cuts = plain.clone()
    assert add_cuts(with_cuts, cuts) == len(cuts)
    assert len(_all_solutions(with_cuts, indices)) == len(solutions)


def test_firm_shares_candidates_are_every_reachable_share(mission):
    mission.window(2, 2)
    mission.firm("a")
    mission.firm("h", "host")
    mission.request("a", "h", priority=1)  # weight 4
    mission.request("a", "h", priority=3)  # weight 1
    problem = mission.build()
    index = Index(problem)
    cm = CpModel(index, problem.requests)
    shares = FirmShares(index, cm.literals, schedulable_weight(problem, index.candidates))
    assert shares.candidates() == [Fraction(0), Fraction(1, 5), Fraction(4, 5), Fraction(1)]
    assert shares.needs(Fraction(1, 2)) == {"a": 3}
    assert shares.needs(Fraction(0)) == {}


def test_integral_solution_only_when_whole_and_within_every_constraint():
    model = cp_model.CpModel()
    x, y, z = (model.new_bool_var(name) for name in "xyz")
    model.add(x + y <= 1)
    model.add_bool_or([y, z])
    model.add(x + z == 1).only_enforce_if(y)
    assert integral_solution(model, [1.0, 0.0, 1.0]) == [1, 0, 1]  # y is 0: x + z may be 2
    assert integral_solution(model, [0.0, 1.0, 1.0]) == [0, 1, 1]
    assert integral_solution(model, [1.0, 1.0, 0.0]) is None  # x + y <= 1
    assert integral_solution(model, [0.0, 1.0, 0.0]) is None  # x + z == 1 when y
    assert integral_solution(model, [0.0, 0.5, 1.0]) is None  # not whole
