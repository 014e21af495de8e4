"""Table numbers by an exact search, for the rare venue where numbering in time order fails.

The solver only counts meetings against free tables. A meeting of several slots needs one table
for all of them, and locked meetings sit at given tables, so handing out numbers in time order
(tables.py) can leave a meeting without a table even though another numbering exists. For such a
venue, this finds one with CP-SAT, keeping as many of the first numbers as it can.

When no numbering exists at all (a long meeting beside locked ones that hold their tables),
`reseat_unnumbered` moves each meeting still without a table to the first place where both its
people and one whole table are free, or leaves it out: a schedule never breaks a rule.
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


def reseat_unnumbered(
    index: Index, chosen: dict[Key, Placement], assignments: list[Assignment]
) -> tuple[dict[Key, Placement], list[Assignment], list[Key]]:
    """`chosen` and `assignments` with every meeting that still has no table (table 0) placed
    again, first fit, where its people and one table are free for its whole length; and the
    meetings that fit nowhere, which are left out."""
    unnumbered = [a.request_id for a in assignments if a.table == 0]
    if not unnumbered:
        return chosen, assignments, []
    problem = index.problem
    taken_out = set(unnumbered)
    chosen = {r: p for r, p in chosen.items() if r not in taken_out}
    seated = [a for a in assignments if a.table != 0]
    busy: dict[Key, set[int]] = defaultdict(set)  # person -> points in meetings
    table_points: dict[tuple[Key, int], set[int]] = defaultdict(set)
    for a in seated:
        p = chosen[a.request_id]
        for person_id in problem.request_by_id[a.request_id].attendees:
            busy[person_id].update(p.points)
        table_points[(a.venue_id, a.table)].update(p.points)
    rank = index.rank
    before: dict[Key, list[Key]] = defaultdict(list)
    after: dict[Key, list[Key]] = defaultdict(list)
    for prec in problem.precedences:
        before[prec.after_id].append(prec.before_id)
        after[prec.before_id].append(prec.after_id)

    def in_order(request_id: Key, p: Placement) -> bool:
        earlier = (chosen[o] for o in before[request_id] if o in chosen)
        later = (chosen[o] for o in after[request_id] if o in chosen)
        return all(rank[q.end] <= rank[p.start] for q in earlier) and all(
            rank[p.end] <= rank[q.start] for q in later
        )

    left_out: list[Key] = []
    # locked meetings first, and only where they are
    by_priority = sorted(
        unnumbered,
        key=lambda r: (r not in index.locked, problem.request_by_id[r].priority),
    )
    for request_id in by_priority:
        request = problem.request_by_id[request_id]
        place = None
        locked = index.locked.get(request_id)
        for p in [locked] if locked else index.candidates.get(request_id, ()):
            if any(not busy[a].isdisjoint(p.points) for a in request.attendees):
                continue
            if not in_order(request_id, p):
                continue
            venue = problem.venue_by_id.get(p.venue_id)
            table = next(
                (
                    t
                    for t in range(1, (venue.tables if venue else 0) + 1)
                    if table_points[(p.venue_id, t)].isdisjoint(p.points)
                ),
                None,
            )
            if table is not None:
                place = (p, table)
                break
        if place is None:
            left_out.append(request_id)
            continue
        p, table = place
        chosen[request_id] = p
        seated.append(Assignment(request_id, p.start_slot, p.venue_id, table))
        for person_id in request.attendees:
            busy[person_id].update(p.points)
        table_points[(p.venue_id, table)].update(p.points)
    return chosen, seated, left_out
