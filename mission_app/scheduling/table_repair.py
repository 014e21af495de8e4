"""Table numbers by an exact search, for the rare venue where numbering in time order fails.

The solver only counts meetings against free tables. A meeting of several slots needs one table
for all of them, and locked meetings sit at given tables, so handing out numbers in time order
(tables.py) can leave a meeting without a table even though another numbering exists. For such a
venue, this finds one with CP-SAT, keeping as many of the first numbers as it can. If there is
none, the meeting keeps table 0 and `find_conflicts` reports it.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from .placements import Index, Placement
from .problem import Assignment, Key


def repair_tables(
    index: Index, chosen: dict[Key, Placement], assignments: list[Assignment]
) -> list[Assignment]:
    problem = index.problem
    broken = {a.venue_id for a in assignments if a.table == 0}
    if not broken:
        return assignments
    table_of = {a.request_id: a.table for a in assignments}
    for venue_id in broken:
        venue = problem.venue_by_id.get(venue_id)
        tables = range(1, (venue.tables if venue else 0) + 1)
        if not tables:
            continue
        fixed: dict[Key, int] = {}  # locked meetings that sit at a given table
        free: list[Key] = []
        for request_id, p in chosen.items():
            if p.venue_id != venue_id:
                continue
            existing = problem.existing_by_request.get(request_id)
            if request_id in index.locked and existing is not None and existing.table:
                fixed[request_id] = existing.table
            else:
                free.append(request_id)
        model = cp_model.CpModel()
        x = {(r, t): model.new_bool_var("") for r in free for t in tables}
        for r in free:
            model.add_exactly_one(x[(r, t)] for t in tables)
        at_point: dict[tuple[int, int], list] = defaultdict(list)  # (point, table) -> users
        for r in free:
            for point in chosen[r].points:
                for t in tables:
                    at_point[(point, t)].append(x[(r, t)])
        taken = {(point, t) for r, t in fixed.items() for point in chosen[r].points}
        for (point, t), users in at_point.items():
            model.add(sum(users) <= (0 if (point, t) in taken else 1))
        model.maximize(sum(x[(r, table_of[r])] for r in free if table_of.get(r) in tables))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = 5.0
        solver.parameters.num_workers = 1
        if solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            for r in free:
                table_of[r] = next(t for t in tables if solver.boolean_value(x[(r, t)]))
    return [
        Assignment(a.request_id, a.start_slot, a.venue_id, table_of[a.request_id])
        for a in assignments
    ]
