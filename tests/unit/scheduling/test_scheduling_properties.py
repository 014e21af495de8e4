"""Random small missions: the solver never breaks a rule, and locked meetings never move."""

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mission_app.scheduling import (
    Assignment,
    ExistingMeeting,
    Leg,
    Organisation,
    Person,
    Problem,
    Request,
    Slot,
    SolveOptions,
    Venue,
    Window,
    find_conflicts,
    solve,
)

START = datetime(2025, 5, 12, 9, 0, tzinfo=UTC)


@st.composite
def missions(draw):
    n_windows = draw(st.integers(1, 2))
    slots, windows = [], []
    for w in range(n_windows):
        n = draw(st.integers(1, 4))
        start = START + timedelta(days=w)
        indices = tuple(range(len(slots), len(slots) + n))
        for k, index in enumerate(indices):
            slots.append(
                Slot(
                    index,
                    f"w{w}",
                    start + timedelta(minutes=30 * k),
                    start + timedelta(minutes=30 * (k + 1)),
                )
            )
        windows.append(Window(f"w{w}", "leg", "hotel", indices))
    all_slots = [s.index for s in slots]
    tables = draw(st.integers(1, 3))
    firms = [f"d{i}" for i in range(draw(st.integers(1, 3)))]
    hosts = [f"h{i}" for i in range(draw(st.integers(1, 3)))]
    organisations = [Organisation(f, f, "delegation") for f in firms]
    organisations += [Organisation(h, h, "host") for h in hosts]
    people = [
        Person(o.id, o.id, o.id, frozenset(draw(st.sets(st.sampled_from(all_slots), max_size=2))))
        for o in organisations
    ]
    requests = []
    for i in range(draw(st.integers(1, 7))):
        requests.append(
            Request(
                f"r{i}",
                draw(st.sampled_from(firms)),
                draw(st.sampled_from(hosts)),
                "leg",
                (),
                draw(st.integers(1, 3)),
                draw(st.integers(1, 2)),
            )
        )
    requests = [
        Request(
            r.id,
            r.delegation_id,
            r.host_id,
            r.leg_id,
            (r.delegation_id, r.host_id),
            r.priority,
            r.duration_slots,
        )
        for r in requests
    ]
    problem = Problem(
        tuple(slots),
        tuple(windows),
        (Venue("hotel", tables),),
        tuple(organisations),
        tuple(people),
        tuple(requests),
        (Leg("leg"),),
    )
    # lock a few meetings where they do not break a rule
    locked = []
    for r in requests:
        if draw(st.booleans()) and draw(st.booleans()):
            start_slot = draw(st.sampled_from(all_slots))
            table = draw(st.integers(1, tables))
            candidate = [*locked, Assignment(r.id, start_slot, "hotel", table)]
            if not find_conflicts(problem, candidate):
                locked = candidate
    existing = tuple(
        ExistingMeeting(a.request_id, a.start_slot, "hotel", a.table, locked=True) for a in locked
    )
    return Problem(
        problem.slots,
        problem.windows,
        problem.venues,
        problem.organisations,
        problem.people,
        problem.requests,
        problem.legs,
        existing,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(missions())
def test_solve_random_mission_breaks_no_rule(problem):
    solution = solve(problem, SolveOptions(time_limit_s=5.0))
    assert find_conflicts(problem, solution.assignments) == []
    placed = {a.request_id for a in solution.assignments}
    assert placed | {u.request_id for u in solution.unscheduled} == {r.id for r in problem.requests}
    assert solution.figures.weight <= solution.figures.weight_bound


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(missions())
def test_solve_random_mission_locked_meetings_never_move(problem):
    solution = solve(problem, SolveOptions(time_limit_s=5.0))
    placed = {(a.request_id, a.start_slot, a.table) for a in solution.assignments}
    for m in problem.existing:
        assert (m.request_id, m.start_slot, m.table) in placed
