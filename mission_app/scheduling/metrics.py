"""Figures of a schedule, computed from the assignments alone (never from a solver's model)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .problem import Assignment, Key, Problem


@dataclass(frozen=True)
class IdleFigures:
    idle_gaps: int  # free (not busy) slots between two meetings of a person in one window
    breaks: int  # maximal runs of non-meeting slots between two meetings of a person
    max_breaks: int
    breaks_by_person: dict[Key, int]


def idle_figures(problem: Problem, assignments: Iterable[Assignment]) -> IdleFigures:
    positions = problem.position_in_window
    taken: dict[tuple[Key, Key], set[int]] = defaultdict(set)  # (person, window) -> positions
    for a in assignments:
        slots = problem.slots_of(a.request_id, a.start_slot)
        if slots is None:
            continue
        window_id = problem.slot_by_index[a.start_slot].window_id
        for person_id in problem.request_by_id[a.request_id].attendees:
            taken[(person_id, window_id)].update(positions[s] for s in slots)
    gaps = 0
    breaks_by_person: dict[Key, int] = defaultdict(int)
    for (person_id, window_id), used in taken.items():
        person = problem.person_by_id.get(person_id)
        busy = person.busy_slots if person else frozenset()
        indices = problem.window_by_id[window_id].slot_indices
        first, last = min(used), max(used)
        previous_used = True
        for k in range(first, last + 1):
            if k in used:
                previous_used = True
                continue
            if previous_used:
                breaks_by_person[person_id] += 1
            previous_used = False
            if indices[k] not in busy:
                gaps += 1
        breaks_by_person.setdefault(person_id, 0)
    total = sum(breaks_by_person.values())
    return IdleFigures(gaps, total, max(breaks_by_person.values(), default=0), breaks_by_person)


def schedulable_weight(problem: Problem, candidates: dict[Key, list]) -> dict[Key, int]:
    """Per delegation firm: the weight of its requests that have at least one possible place."""
    out: dict[Key, int] = defaultdict(int)
    for r in problem.requests:
        if candidates.get(r.id):
            out[r.delegation_id] += r.weight
    return dict(out)


def shares(
    problem: Problem, assignments: Iterable[Assignment], schedulable: dict[Key, int]
) -> dict[Key, float]:
    got: dict[Key, int] = defaultdict(int)
    for a in assignments:
        r = problem.request_by_id[a.request_id]
        got[r.delegation_id] += r.weight
    return {firm: got[firm] / total for firm, total in schedulable.items() if total > 0}


def table_changes(problem: Problem, assignments: Iterable[Assignment]) -> int:
    """How often a host person changes table between consecutive meetings of one window."""
    host_orgs = {o.id for o in problem.organisations if o.side == "host"}
    seq: dict[tuple[Key, Key], list[tuple[int, int]]] = defaultdict(list)
    for a in assignments:
        window_id = problem.slot_by_index[a.start_slot].window_id
        position = problem.position_in_window[a.start_slot]
        for person_id in problem.request_by_id[a.request_id].attendees:
            person = problem.person_by_id.get(person_id)
            if person is not None and person.organisation_id in host_orgs:
                seq[(person_id, window_id)].append((position, a.table))
    changes = 0
    for items in seq.values():
        items.sort()
        changes += sum(1 for (_, t1), (_, t2) in zip(items, items[1:], strict=False) if t1 != t2)
    return changes


def weight_of(problem: Problem, request_ids: Iterable[Key]) -> int:
    return sum(problem.request_by_id[r].weight for r in request_ids)
