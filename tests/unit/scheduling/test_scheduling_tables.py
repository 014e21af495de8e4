from mission_app.scheduling import ExistingMeeting, SolveOptions, find_conflicts, solve


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
