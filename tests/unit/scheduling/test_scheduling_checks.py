from mission_app.scheduling import (
    Assignment,
    ExistingMeeting,
    Precedence,
    find_conflicts,
)


def _two_firms_two_hosts(mission, tables=2, n_slots=4):
    mission.window(n_slots, tables)
    for key in ("a", "b"):
        mission.firm(key)
    for key in ("h", "k"):
        mission.firm(key, "host")


def rules(problem, meetings):
    return sorted(c.rule for c in find_conflicts(problem, meetings))


def test_find_conflicts_valid_schedule_returns_nothing(mission):
    _two_firms_two_hosts(mission)
    r1 = mission.request("a", "h")
    r2 = mission.request("b", "h")
    r3 = mission.request("b", "k")
    problem = mission.build()
    meetings = [
        Assignment(r1, 0, "dakar-hotel", 1),
        Assignment(r2, 1, "dakar-hotel", 1),
        Assignment(r3, 0, "dakar-hotel", 2),
    ]
    assert find_conflicts(problem, meetings) == []


def test_find_conflicts_unknown_request_reported(mission):
    _two_firms_two_hosts(mission)
    problem = mission.build()
    assert rules(problem, [Assignment("nope", 0, "dakar-hotel", 1)]) == ["unknown_request"]


def test_find_conflicts_meeting_past_window_end_reported(mission):
    _two_firms_two_hosts(mission, n_slots=3)
    r1 = mission.request("a", "h", duration=2)
    problem = mission.build()
    assert rules(problem, [Assignment(r1, 2, "dakar-hotel", 1)]) == ["outside_window"]


def test_find_conflicts_meeting_in_other_leg_reported(mission):
    _two_firms_two_hosts(mission)
    other = mission.window(2, 1, leg="nouakchott", start=mission.slots[-1].end.replace(day=14))
    r1 = mission.request("a", "h")  # a Dakar request
    problem = mission.build()
    assert rules(problem, [Assignment(r1, other[0], "nouakchott-hotel", 1)]) == ["outside_window"]


def test_find_conflicts_wrong_venue_reported(mission):
    _two_firms_two_hosts(mission)
    r1 = mission.request("a", "h")
    problem = mission.build()
    assert rules(problem, [Assignment(r1, 0, "elsewhere", 1)]) == ["wrong_venue"]


def test_find_conflicts_table_beyond_venue_reported(mission):
    _two_firms_two_hosts(mission, tables=2)
    r1 = mission.request("a", "h")
    problem = mission.build()
    assert rules(problem, [Assignment(r1, 0, "dakar-hotel", 3)]) == ["bad_table"]


def test_find_conflicts_slot_outside_allowed_reported(mission):
    _two_firms_two_hosts(mission)
    r1 = mission.request("a", "h", allowed=frozenset({2, 3}))
    problem = mission.build()
    assert rules(problem, [Assignment(r1, 1, "dakar-hotel", 1)]) == ["not_allowed"]


def test_find_conflicts_two_meetings_one_table_reported(mission):
    _two_firms_two_hosts(mission)
    r1 = mission.request("a", "h")
    r2 = mission.request("b", "k")
    problem = mission.build()
    meetings = [Assignment(r1, 0, "dakar-hotel", 1), Assignment(r2, 0, "dakar-hotel", 1)]
    assert rules(problem, meetings) == ["table_clash"]


def test_find_conflicts_table_clash_with_longer_meeting_reported(mission):
    _two_firms_two_hosts(mission)
    r1 = mission.request("a", "h", duration=2)
    r2 = mission.request("b", "k")
    problem = mission.build()
    meetings = [Assignment(r1, 0, "dakar-hotel", 1), Assignment(r2, 1, "dakar-hotel", 1)]
    assert rules(problem, meetings) == ["table_clash"]


def test_find_conflicts_person_in_two_meetings_reported(mission):
    _two_firms_two_hosts(mission)
    r1 = mission.request("a", "h")
    r2 = mission.request("a", "k")
    problem = mission.build()
    meetings = [Assignment(r1, 0, "dakar-hotel", 1), Assignment(r2, 0, "dakar-hotel", 2)]
    conflicts = find_conflicts(problem, meetings)
    assert [(c.rule, c.person_id, c.request_ids) for c in conflicts] == [
        ("person_clash", "a", (r1, r2))
    ]


def test_find_conflicts_person_busy_reported(mission):
    mission.window(4, 2)
    mission.firm("a", busy={1})
    mission.firm("h", "host")
    r1 = mission.request("a", "h", duration=2)
    problem = mission.build()
    conflicts = find_conflicts(problem, [Assignment(r1, 0, "dakar-hotel", 1)])
    assert [(c.rule, c.person_id, c.slot) for c in conflicts] == [("person_busy", "a", 1)]


def test_find_conflicts_two_meetings_for_one_request_reported(mission):
    _two_firms_two_hosts(mission)
    r1 = mission.request("a", "h")
    problem = mission.build()
    meetings = [Assignment(r1, 0, "dakar-hotel", 1), Assignment(r1, 2, "dakar-hotel", 1)]
    assert rules(problem, meetings) == ["duplicate_request"]


def test_find_conflicts_locked_meeting_moved_reported(mission):
    _two_firms_two_hosts(mission)
    r1 = mission.request("a", "h")
    mission.existing.append(ExistingMeeting(r1, 2, "dakar-hotel", 1, locked=True))
    problem = mission.build()
    assert rules(problem, [Assignment(r1, 1, "dakar-hotel", 1)]) == ["locked_moved"]
    assert rules(problem, []) == ["locked_moved"]
    assert rules(problem, [Assignment(r1, 2, "dakar-hotel", 1)]) == []


def test_find_conflicts_precedence_broken_reported(mission):
    _two_firms_two_hosts(mission)
    r1 = mission.request("a", "h")
    r2 = mission.request("b", "k")
    mission.precedences.append(Precedence(r1, r2))
    problem = mission.build()
    same_time = [Assignment(r1, 1, "dakar-hotel", 1), Assignment(r2, 1, "dakar-hotel", 2)]
    in_order = [Assignment(r1, 0, "dakar-hotel", 1), Assignment(r2, 1, "dakar-hotel", 2)]
    assert rules(problem, same_time) == ["precedence"]
    assert rules(problem, in_order) == []
