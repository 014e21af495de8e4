"""Why a request was left out, in words an organiser can act on (English; `code` and `people`
let a caller word it in another language)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from .placements import Index, Placement
from .problem import HeldMeeting, Key, Problem, Request, Unscheduled


def _name(index: Index, person_id: Key) -> str:
    person = index.problem.person_by_id.get(person_id)
    return person.name if person and person.name else str(person_id)


def _names(index: Index, people: list[Key]) -> str:
    names = [_name(index, p) for p in people]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _zone(index: Index, leg_id: Key) -> ZoneInfo:
    leg = index.problem.leg_by_id.get(leg_id)
    try:
        return ZoneInfo(leg.timezone if leg else "UTC")
    except Exception:  # an unknown zone name must not stop the schedule
        return ZoneInfo("UTC")


def _spans(index: Index, placements: list[Placement]) -> list[tuple[datetime, datetime, bool]]:
    """Per window the placements fall in: the earliest start, the latest end, and whether
    that is the whole window."""
    problem = index.problem
    spans = []
    for window_id in dict.fromkeys(p.window_id for p in placements):
        indices = problem.window_by_id[window_id].slot_indices
        start = min(p.start for p in placements if p.window_id == window_id)
        end = max(p.end for p in placements if p.window_id == window_id)
        whole = (
            start == problem.slot_by_index[indices[0]].start
            and end == problem.slot_by_index[indices[-1]].end
        )
        spans.append((start, end, whole))
    return spans


def _when(index: Index, request: Request, spans: list[tuple[datetime, datetime, bool]]) -> str:
    """The spans in the leg's zone, e.g. "Tue 12 May 09:00-12:30"."""
    zone = _zone(index, request.leg_id)
    parts = []
    for start, end, whole in spans:
        start, end = start.astimezone(zone), end.astimezone(zone)
        label = f"{start:%a %d %b} {start:%H:%M}-{end:%H:%M}"
        parts.append(label if whole else label + " (part)")
    return ", ".join(parts)


Taken = tuple[dict[Key, list[tuple[datetime, datetime]]], Counter[tuple[Key, int]]]


def taken_by(index: Index, chosen: dict[Key, Placement]) -> Taken:
    """People's meeting times and the tables in use in a schedule, computed once to explain
    many requests against the same schedule."""
    problem = index.problem
    spans: dict[Key, list[tuple[datetime, datetime]]] = {}
    load: Counter[tuple[Key, int]] = Counter()
    for request_id, p in chosen.items():
        if request_id not in index.locked:
            for point in p.points:
                load[(p.venue_id, point)] += 1
        for person_id in problem.request_by_id[request_id].attendees:
            spans.setdefault(person_id, []).append((p.start, p.end))
    return spans, load


def explain(
    index: Index,
    request: Request,
    chosen: dict[Key, Placement],
    taken: Taken | None = None,
) -> Unscheduled:
    everywhere = [p for p in index.all_placements(request) if index.allowed(request, p)]
    if not everywhere:
        return Unscheduled(
            request.id,
            "no_window",
            f"No meeting window of this leg can hold a {request.duration_slots}-slot meeting"
            + (" at the times allowed for it." if request.allowed_slots is not None else "."),
        )
    candidates = index.candidates_of(request)
    if not candidates:
        never = [
            a for a in request.attendees if not any(index.person_free(a, p) for p in everywhere)
        ]
        if never:
            return Unscheduled(
                request.id,
                "never_available",
                f"{_names(index, never)} {'is' if len(never) == 1 else 'are'} not available at "
                "any meeting time of this leg.",
                tuple(never),
            )
        return Unscheduled(
            request.id,
            "no_common_time",
            f"{_names(index, list(request.attendees))} are never available at the same time.",
            tuple(request.attendees),
        )
    # possible places exist, but other meetings took them
    blockers: Counter[Key] = Counter()
    tables_full = 0
    spans, load = taken if taken is not None else taken_by(index, chosen)
    for p in candidates:
        if any(load[(p.venue_id, pt)] >= index.capacity(p.venue_id, pt) for pt in p.points):
            tables_full += 1
        for a in request.attendees:
            if any(s < p.end and p.start < e for s, e in spans.get(a, ())):
                blockers[a] += 1
    open_spans = _spans(index, candidates)
    when = _when(index, request, open_spans)
    restricted = len(candidates) < len(everywhere)
    busy_people = [a for a, _ in blockers.most_common()]
    if busy_people:
        what = (
            f"{_names(index, busy_people)} {'is' if len(busy_people) == 1 else 'are'} already in "
            "other meetings"
        )
        if tables_full:
            what += " and all tables are taken"
    elif tables_full:
        what = "all tables are taken"
    else:
        what = "it would break an order between meetings"
    prefix = "Only possible" if restricted else "Possible"
    return Unscheduled(
        request.id,
        "full",
        f"{prefix} {when}; at those times {what}. Other requests had a higher priority or "
        "left no room.",
        tuple(busy_people),
        only_at=tuple((start, end) for start, end, _ in open_spans) if restricted else (),
    )


def explain_left_out(
    problem: Problem, meetings: list[HeldMeeting], request_ids: list[Key]
) -> list[Unscheduled]:
    """Why each of `request_ids` has no meeting beside `meetings`, the schedule as it stands
    (changed by hand, too): the first place where its people and one table are free for the
    whole meeting (code "free": a request added since the last run, a meeting moved away), or
    else the reasons a run gives. Meetings that do not start on a slot take their people and
    their table all the same."""
    if not request_ids:
        return []
    index = Index(problem, fresh=True)
    slot_at = {
        (window.venue_id, problem.slot_by_index[k].start): k
        for window in problem.windows
        for k in window.slot_indices
    }
    chosen: dict[Key, Placement] = {}
    people_busy: dict[Key, list[tuple[datetime, datetime]]] = defaultdict(list)
    table_busy: dict[tuple[Key, int], list[tuple[datetime, datetime]]] = defaultdict(list)
    for meeting in meetings:
        table_busy[(meeting.venue_id, meeting.table)].append((meeting.start, meeting.end))
        request = problem.request_by_id.get(meeting.request_id)
        if request is None:
            continue
        for person_id in request.attendees:
            people_busy[person_id].append((meeting.start, meeting.end))
        slot = slot_at.get((meeting.venue_id, meeting.start))
        placement = index.placement_at(request, slot) if slot is not None else None
        if placement is not None:
            chosen[meeting.request_id] = placement
    _, load = taken_by(index, chosen)
    taken = (people_busy, load)
    out = []
    for request_id in request_ids:
        request = problem.request_by_id.get(request_id)
        if request is None:
            continue
        free = _first_free(index, request, people_busy, table_busy)
        if free is None:
            out.append(explain(index, request, chosen, taken))
            continue
        when = _when(index, request, [(free.start, free.end, True)])
        out.append(
            Unscheduled(
                request_id,
                "free",
                f"A slot is free {when}: put the request on the grid.",
                only_at=((free.start, free.end),),
            )
        )
    return out


def _first_free(index: Index, request: Request, people_busy, table_busy) -> Placement | None:
    """The earliest place where every attendee and one table are free for the whole meeting."""

    def clear(spans, p: Placement) -> bool:
        return not any(start < p.end and p.start < end for start, end in spans)

    for p in index.candidates_of(request):  # in time order
        if not all(clear(people_busy.get(a, ()), p) for a in request.attendees):
            continue
        venue = index.problem.venue_by_id.get(p.venue_id)
        tables = range(1, (venue.tables if venue else 0) + 1)
        if any(clear(table_busy.get((p.venue_id, table), ()), p) for table in tables):
            return p
    return None
