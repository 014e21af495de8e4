"""Every broken rule of a schedule, for the tests, the importer and the grid editor alike."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .problem import Assignment, Key, Problem

RULES = (
    "unknown_request",
    "outside_window",
    "wrong_venue",
    "bad_table",
    "not_allowed",
    "table_clash",
    "person_clash",
    "person_busy",
    "duplicate_request",
    "locked_moved",
    "precedence",
)


@dataclass(frozen=True)
class Conflict:
    rule: str  # one of RULES
    message: str
    request_ids: tuple[Key, ...]
    person_id: Key | None = None
    slot: int | None = None

    @property
    def identity(self) -> tuple:
        """What makes a broken rule the same one in two schedules (before and after an edit)."""
        return (self.rule, tuple(sorted(map(str, self.request_ids))), self.person_id, self.slot)


def _span(problem: Problem, slots: tuple[int, ...]) -> tuple[datetime, datetime]:
    return problem.slot_by_index[slots[0]].start, problem.slot_by_index[slots[-1]].end


def find_conflicts(problem: Problem, meetings: Iterable[Assignment]) -> list[Conflict]:
    meetings = list(meetings)
    conflicts: list[Conflict] = []
    placed: list[tuple[Assignment, tuple[int, ...]]] = []  # meetings with a valid place in time
    by_request: dict[Key, list[Assignment]] = defaultdict(list)

    for m in meetings:
        request = problem.request_by_id.get(m.request_id)
        if request is None:
            conflicts.append(
                Conflict("unknown_request", f"no request {m.request_id!r}", (m.request_id,))
            )
            continue
        by_request[m.request_id].append(m)
        slots = problem.slots_of(m.request_id, m.start_slot)
        window = None
        if slots is not None:
            window = problem.window_by_id[problem.slot_by_index[m.start_slot].window_id]
        if slots is None or window is None or window.leg_id != request.leg_id:
            conflicts.append(
                Conflict(
                    "outside_window",
                    f"request {m.request_id!r} does not fit in a meeting window of its leg "
                    f"from slot {m.start_slot}",
                    (m.request_id,),
                    slot=m.start_slot,
                )
            )
            continue
        if m.venue_id != window.venue_id:
            conflicts.append(
                Conflict(
                    "wrong_venue",
                    f"request {m.request_id!r} is at venue {m.venue_id!r}, but slot "
                    f"{m.start_slot} is at venue {window.venue_id!r}",
                    (m.request_id,),
                    slot=m.start_slot,
                )
            )
        venue = problem.venue_by_id.get(window.venue_id)
        tables = venue.tables if venue else 0
        if not 1 <= m.table <= tables:
            conflicts.append(
                Conflict(
                    "bad_table",
                    f"table {m.table} does not exist (the venue has {tables})",
                    (m.request_id,),
                    slot=m.start_slot,
                )
            )
        if request.allowed_slots is not None and not set(slots) <= request.allowed_slots:
            conflicts.append(
                Conflict(
                    "not_allowed",
                    f"request {m.request_id!r} is outside the times allowed for it",
                    (m.request_id,),
                    slot=m.start_slot,
                )
            )
        for person_id in request.attendees:
            person = problem.person_by_id.get(person_id)
            busy = person.busy_slots if person else frozenset()
            for s in slots:
                if s in busy:
                    name = person.name if person else person_id
                    conflicts.append(
                        Conflict(
                            "person_busy",
                            f"{name} is not available in slot {s}",
                            (m.request_id,),
                            person_id=person_id,
                            slot=s,
                        )
                    )
        placed.append((m, slots))

    conflicts.extend(_overlaps(problem, placed))

    for request_id, ms in by_request.items():
        if len(ms) > 1:
            conflicts.append(
                Conflict(
                    "duplicate_request",
                    f"request {request_id!r} has {len(ms)} meetings",
                    (request_id,),
                )
            )

    for existing in problem.existing:
        if not existing.locked:
            continue
        ms = by_request.get(existing.request_id, [])
        kept = any(
            m.start_slot == existing.start_slot
            and (existing.venue_id is None or m.venue_id == existing.venue_id)
            and (existing.table is None or m.table == existing.table)
            for m in ms
        )
        if not kept:
            conflicts.append(
                Conflict(
                    "locked_moved",
                    f"locked meeting of request {existing.request_id!r} moved or was dropped",
                    (existing.request_id,),
                    slot=existing.start_slot,
                )
            )

    span_by_request = {m.request_id: _span(problem, slots) for m, slots in placed}
    for p in problem.precedences:
        before, after = span_by_request.get(p.before_id), span_by_request.get(p.after_id)
        if before and after and before[1] > after[0]:
            conflicts.append(
                Conflict(
                    "precedence",
                    f"request {p.before_id!r} must be held before request {p.after_id!r}",
                    (p.before_id, p.after_id),
                )
            )
    return conflicts


def _overlaps(problem: Problem, placed: list[tuple[Assignment, tuple[int, ...]]]) -> list[Conflict]:
    conflicts: list[Conflict] = []
    by_table: dict[tuple[Key, int], list] = defaultdict(list)
    by_person: dict[Key, list] = defaultdict(list)
    for m, slots in placed:
        start, end = _span(problem, slots)
        by_table[(m.venue_id, m.table)].append((start, end, m))
        for person_id in problem.request_by_id[m.request_id].attendees:
            by_person[person_id].append((start, end, m))

    def clashes(items):
        items = sorted(items, key=lambda item: (item[0], item[1]))
        for i, (_, end_i, m_i) in enumerate(items):
            for start_j, _, m_j in items[i + 1 :]:
                if start_j >= end_i:
                    break
                yield m_i, m_j

    for (venue_id, table), items in by_table.items():
        for a, b in clashes(items):
            conflicts.append(
                Conflict(
                    "table_clash",
                    f"table {table} of venue {venue_id!r} holds requests {a.request_id!r} and "
                    f"{b.request_id!r} at the same time",
                    (a.request_id, b.request_id),
                    slot=b.start_slot,
                )
            )
    for person_id, items in by_person.items():
        person = problem.person_by_id.get(person_id)
        name = person.name if person else person_id
        for a, b in clashes(items):
            conflicts.append(
                Conflict(
                    "person_clash",
                    f"{name} is in requests {a.request_id!r} and {b.request_id!r} at the same time",
                    (a.request_id, b.request_id),
                    person_id=person_id,
                    slot=b.start_slot,
                )
            )
    return conflicts
