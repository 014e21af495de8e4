from mission_app.scheduling import ExistingMeeting, SolveOptions, find_conflicts, solve
from mission_app.scheduling.placements import Index
from mission_app.scheduling.table_repair import reseat_unnumbered
from mission_app.scheduling.tables import assign_tables


def test_solve_long_meeting_gets_the_table_a_locked_meeting_leaves_free(mission):
    # two tables, two slots; a locked meeting holds table 2 in the second slot, so the two-slot
    # meeting must sit at table 1, and the short meeting beside it at table 2 (numbering in time
    # order alone would give the short one table 1 and leave the long one without a table)
    mission.window(2, 2)
    for key in ("a", "b", "c"):
        mission.firm(key)
    for key in ("h", "k", "l"):
        mission.firm(key, "host")
    locked = mission.request("c", "l", priority=1)
    long = mission.request("a", "h", priority=1, duration=2)
    short = mission.request("b", "k", priority=1)
    mission.existing.append(ExistingMeeting(locked, 1, "dakar-hotel", 2, locked=True))
    problem = mission.build()
    solution = solve(problem, SolveOptions(time_limit_s=10.0))
    assert find_conflicts(problem, solution.assignments) == []
    assert {(a.request_id, a.start_slot, a.table) for a in solution.assignments} == {
        (locked, 1, 2),
        (long, 0, 1),
        (short, 0, 2),
    }


def _staggered_locks(mission, slots: int):
    """Two tables; locked meetings hold table 1 for slots 0-1 and table 2 for slots 2-3, so
    fewer than two tables are in use at every slot, yet no table is free for slots 0-3."""
    mission.window(slots, 2)
    for key in ("a", "b", "c"):
        mission.firm(key)
    for key in ("h", "k", "l"):
        mission.firm(key, "host")
    first = mission.request("a", "h", priority=1, duration=2)
    second = mission.request("b", "k", priority=1, duration=2)
    long = mission.request("c", "l", priority=1, duration=4)
    mission.existing.append(ExistingMeeting(first, 0, "dakar-hotel", 1, locked=True))
    mission.existing.append(ExistingMeeting(second, 2, "dakar-hotel", 2, locked=True))
    return long


def test_solve_leaves_out_a_meeting_no_table_can_seat_instead_of_breaking_a_rule(mission):
    long = _staggered_locks(mission, 4)
    problem = mission.build()
    solution = solve(problem, SolveOptions(time_limit_s=10.0))
    assert find_conflicts(problem, solution.assignments) == []
    assert long not in {a.request_id for a in solution.assignments}
    [left_out] = solution.unscheduled
    assert (left_out.request_id, left_out.code) == (long, "no_table")
    # the weight proof counted tables only: the result does not claim to be optimal
    assert solution.figures.status == "feasible"


def test_reseat_moves_a_meeting_no_table_can_seat_to_where_one_table_stays_free(mission):
    # six slots; the long meeting counted in at slot 0 (two tables, at most one taken at each
    # slot) has no table there, but from slot 2 on table 1 stays free to the end
    long = _staggered_locks(mission, 6)
    problem = mission.build()
    index = Index(problem)
    chosen = dict(index.locked)
    chosen[long] = next(p for p in index.candidates[long] if p.start_slot == 0)
    assignments = assign_tables(index, chosen)
    assert {a.request_id: a.table for a in assignments}[long] == 0

    chosen, assignments, left_out = reseat_unnumbered(index, chosen, assignments)

    assert left_out == []
    assert find_conflicts(problem, assignments) == []
    assert {a.request_id: (a.start_slot, a.table) for a in assignments}[long] == (2, 1)
    assert chosen[long].start_slot == 2
