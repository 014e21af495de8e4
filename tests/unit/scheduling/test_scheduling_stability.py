"""Re-runs: a published schedule changes only where it must."""

import dataclasses

from mission_app.scheduling import ExistingMeeting, SolveOptions, find_conflicts, solve

FAST = SolveOptions(time_limit_s=10.0)


def _mission_with_schedule(mission):
    mission.window(6, 3)
    firms = [mission.firm(f"d{i}") for i in range(4)]
    hosts = [mission.firm(f"h{i}", "host") for i in range(3)]
    for i, firm in enumerate(firms):
        for host in hosts[: 2 + i % 2]:
            mission.request(firm, host, priority=1 + (i % 3))
    problem = mission.build()
    first = solve(problem, FAST)
    assert first.unscheduled == ()
    published = tuple(
        ExistingMeeting(a.request_id, a.start_slot, a.venue_id, a.table, published=True)
        for a in first.assignments
    )
    return dataclasses.replace(problem, existing=published), first


def _shrink(problem, person_id, slots):
    people = tuple(
        dataclasses.replace(p, busy_slots=p.busy_slots | set(slots)) if p.id == person_id else p
        for p in problem.people
    )
    return dataclasses.replace(problem, people=people)


def test_solve_rerun_unchanged_keeps_every_meeting(mission):
    problem, first = _mission_with_schedule(mission)
    again = solve(problem, FAST)
    assert {(a.request_id, a.start_slot) for a in again.assignments} == {
        (a.request_id, a.start_slot) for a in first.assignments
    }
    assert again.figures.published_moved == 0


def test_solve_rerun_after_availability_shrinks_moves_only_that_persons_meetings(mission):
    problem, first = _mission_with_schedule(mission)
    before = {a.request_id: a.start_slot for a in first.assignments}
    # d0 can no longer attend at the time of their first meeting
    d0_meetings = [r.id for r in problem.requests if "d0" in r.attendees]
    lost = before[d0_meetings[0]]
    changed = _shrink(problem, "d0", {lost})
    again = solve(changed, FAST)
    after = {a.request_id: a.start_slot for a in again.assignments}
    assert find_conflicts(changed, again.assignments) == []
    assert set(after) == set(before)
    moved = {r for r in before if after[r] != before[r]}
    assert moved  # the meeting at the lost slot had to move
    assert moved <= set(d0_meetings)
    assert after[d0_meetings[0]] != lost


def test_solve_fresh_rerun_ignores_published_places(mission):
    problem, first = _mission_with_schedule(mission)
    again = solve(problem, dataclasses.replace(FAST, fresh=True))
    assert again.figures.published_moved == 0  # fresh: nothing counts as published
    assert again.figures.weight == first.figures.weight
