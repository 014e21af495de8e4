"""Table numbers, given where and when each meeting is.

Tables of a venue are interchangeable, so the solver only keeps the number of meetings at a venue
within its tables; numbers are handed out here, in time order, keeping a locked or published
meeting on its table and a host person on the table of their previous meeting when possible.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from .placements import Index, Placement
from .problem import Assignment, Key


def assign_tables(index: Index, chosen: dict[Key, Placement]) -> list[Assignment]:
    problem = index.problem
    host_orgs = {o.id for o in problem.organisations if o.side == "host"}
    taken: dict[tuple[Key, int], list[tuple[datetime, datetime]]] = defaultdict(list)
    table_of: dict[Key, int] = {}

    def free(venue_id: Key, table: int, p: Placement) -> bool:
        return all(not (s < p.end and p.start < e) for s, e in taken[(venue_id, table)])

    def take(request_id: Key, p: Placement, table: int) -> None:
        taken[(p.venue_id, table)].append((p.start, p.end))
        table_of[request_id] = table

    for request_id, p in chosen.items():
        existing = problem.existing_by_request.get(request_id)
        if request_id in index.locked and existing is not None and existing.table:
            take(request_id, p, existing.table)

    def hosts_of(request_id: Key) -> list[Key]:
        out = []
        for person_id in problem.request_by_id[request_id].attendees:
            person = problem.person_by_id.get(person_id)
            if person is not None and person.organisation_id in host_orgs:
                out.append(person_id)
        return out

    last_table: dict[tuple[Key, Key], int] = {}  # (host person, window) -> table
    home_owner: dict[tuple[Key, int], Key] = {}  # (window, table) -> host person sitting there
    order = sorted(chosen.items(), key=lambda item: (item[1].start, item[1].end, str(item[0])))
    for request_id, p in order:
        hosts = hosts_of(request_id)
        if request_id not in table_of:
            venue = problem.venue_by_id.get(p.venue_id)
            tables = venue.tables if venue else 0
            preferred: list[int] = []
            existing = problem.existing_by_request.get(request_id)
            if (
                existing is not None
                and existing.table
                and request_id in index.published
                and existing.start_slot == p.start_slot
            ):
                preferred.append(existing.table)
            preferred += [
                last_table[(h, p.window_id)] for h in hosts if (h, p.window_id) in last_table
            ]
            unowned = [t for t in range(1, tables + 1) if (p.window_id, t) not in home_owner]
            owned = [t for t in range(1, tables + 1) if (p.window_id, t) in home_owner]
            table = next(
                (
                    t
                    for t in preferred + unowned + owned
                    if 1 <= t <= tables and free(p.venue_id, t, p)
                ),
                0,  # no table left: find_conflicts will report it
            )
            take(request_id, p, table)
        table = table_of[request_id]
        for h in hosts:
            last_table[(h, p.window_id)] = table
            home_owner[(p.window_id, table)] = h
    return [
        Assignment(request_id, p.start_slot, p.venue_id, table_of[request_id])
        for request_id, p in chosen.items()
    ]
