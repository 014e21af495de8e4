"""Girona B2B forum instances [JAIR22] through the scheduler's "breaks" mode.

    python bench/b2b.py [PATTERN] [--instances DIR] [--out DIR] [--time-limit S] [--d D] [--seed N]

Prints, per instance: breaks found, the published optimum (from RESULTS.md next to the
instances), whether ours is proven, seconds (parsing included), and the machine's 1-minute load
average when it finished (timings on a shared machine are pessimistic when that is above the
number of cores). Every solution is checked by a validator written here, independently of the
scheduler, before it is printed. Prints figures; it never passes or fails.

[JAIR22] M. Bofill, J. Coll, M. Garcia, J. Giráldez-Cru, G. Pesant, J. Suy, M. Villaret,
"Constraint Solving Approaches to the Business-to-Business Meeting Scheduling Problem", JAIR 74
(2022). The instance files are read in place and never copied: they carry no licence.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mission_app.scheduling import (  # noqa: E402
    ExistingMeeting,
    Organisation,
    Person,
    Precedence,
    Problem,
    Request,
    Slot,
    SolveOptions,
    Venue,
    Window,
    solve,
)

DEFAULT_DIR = REPO.parent / "shared" / "b2b" / "instances" / "noves"


@dataclass(frozen=True)
class Instance:
    name: str
    n_business: int
    n_tables: int
    n_slots: int
    n_morning: int
    meetings: tuple[tuple[int, int, int], ...]  # (business, business, session 1|2|3)
    forbidden: tuple[frozenset[int], ...]  # per business, 1-based slots
    fixed: tuple[int, ...]  # per meeting: slot, 0 = free
    precedences: tuple[frozenset[int], ...]  # per meeting: meetings held strictly earlier


def parse_dzn(path: Path) -> Instance:
    text = re.sub(r"%[^\n]*", "", path.read_text())
    values = {}
    for statement in text.split(";"):
        if "=" in statement:
            name, value = statement.split("=", 1)
            values[name.strip()] = value.strip()

    def ints(s: str) -> list[int]:
        return [int(x) for x in re.findall(r"-?\d+", s)]

    def sets(s: str) -> list[frozenset[int]]:
        return [frozenset(ints(body)) for body in re.findall(r"\{([^}]*)\}", s)]

    flat = ints(values["requested"])
    meetings = tuple(tuple(flat[i : i + 3]) for i in range(0, len(flat), 3))
    n_meetings = int(values["nMeetings"])
    assert len(meetings) == n_meetings, path
    forbidden = tuple(s - {0} for s in sets(values["forbidden"]))
    fixed = tuple(ints(values.get("fixed", "[]"))) or (0,) * n_meetings
    precedences = tuple(sets(values.get("precedences", "[]"))) or (frozenset(),) * n_meetings
    return Instance(
        name=path.name.removesuffix(".dzn"),
        n_business=int(values["nBusiness"]),
        n_tables=int(values["nTables"]),
        n_slots=int(values["nTotalSlots"]),
        n_morning=int(values["nMorningSlots"]),
        meetings=meetings,
        forbidden=forbidden,
        fixed=fixed,
        precedences=precedences,
    )


def allowed_slots(inst: Instance, session: int) -> frozenset[int] | None:
    if session == 1:
        return frozenset(range(1, inst.n_morning + 1))
    if session == 2:
        return frozenset(range(inst.n_morning + 1, inst.n_slots + 1))
    return None


def to_problem(inst: Instance) -> Problem:
    """Businesses are people (each its own organisation), meetings are requests, one window holds
    every slot (the paper counts the last morning and first afternoon slots as consecutive)."""
    base = datetime(2022, 1, 1, 8, 0, tzinfo=UTC)
    slots = tuple(
        Slot(t, "day", base + timedelta(minutes=20 * (t - 1)), base + timedelta(minutes=20 * t))
        for t in range(1, inst.n_slots + 1)
    )
    window = Window("day", "forum", "hall", tuple(range(1, inst.n_slots + 1)))
    organisations = tuple(
        Organisation(b, f"business {b}", "delegation") for b in range(1, inst.n_business + 1)
    )
    people = tuple(
        Person(b, f"business {b}", b, inst.forbidden[b - 1]) for b in range(1, inst.n_business + 1)
    )
    requests = tuple(
        Request(
            id=i,
            delegation_id=a,
            host_id=b,
            leg_id="forum",
            attendees=(a, b),
            allowed_slots=allowed_slots(inst, session),
        )
        for i, (a, b, session) in enumerate(inst.meetings, start=1)
    )
    existing = tuple(
        ExistingMeeting(i, slot, "hall", None, locked=True)
        for i, slot in enumerate(inst.fixed, start=1)
        if slot
    )
    precedences = tuple(
        Precedence(before, after)
        for after, befores in enumerate(inst.precedences, start=1)
        for before in sorted(befores)
    )
    return Problem(
        slots=slots,
        windows=(window,),
        venues=(Venue("hall", inst.n_tables, "hall"),),
        organisations=organisations,
        people=people,
        requests=requests,
        existing=existing,
        precedences=precedences,
    )


def validate(inst: Instance, slot_of: list[int], d: int) -> tuple[list[str], int]:
    """Independent check of the paper's rules. Returns (errors, total breaks)."""
    errors = []
    if len(slot_of) != len(inst.meetings):
        return [f"{len(slot_of)} slots for {len(inst.meetings)} meetings"], -1
    per_slot = [0] * (inst.n_slots + 1)
    busy: dict[int, list[int]] = {}
    for i, ((a, b, session), t) in enumerate(zip(inst.meetings, slot_of, strict=True), start=1):
        if not 1 <= t <= inst.n_slots:
            errors.append(f"meeting {i}: slot {t} out of range")
            continue
        allowed = allowed_slots(inst, session)
        if allowed is not None and t not in allowed:
            errors.append(f"meeting {i}: slot {t} outside session {session}")
        if inst.fixed[i - 1] and inst.fixed[i - 1] != t:
            errors.append(f"meeting {i}: fixed at {inst.fixed[i - 1]}, held at {t}")
        for p in (a, b):
            if t in inst.forbidden[p - 1]:
                errors.append(f"meeting {i}: slot {t} forbidden for {p}")
            busy.setdefault(p, []).append(t)
        per_slot[t] += 1
        for j in inst.precedences[i - 1]:
            if not slot_of[j - 1] < t:
                errors.append(f"meeting {j} must be before meeting {i}")
    for t, n in enumerate(per_slot):
        if n > inst.n_tables:
            errors.append(f"slot {t}: {n} meetings, {inst.n_tables} tables")
    breaks = {}
    for p, ts in busy.items():
        if len(set(ts)) != len(ts):
            errors.append(f"business {p} has two meetings in one slot")
        ts = sorted(set(ts))
        breaks[p] = sum(1 for u, v in zip(ts, ts[1:], strict=False) if v > u + 1)
    if breaks and max(breaks.values()) - min(breaks.values()) > d:
        errors.append(f"fairness: breaks range {min(breaks.values())}..{max(breaks.values())}")
    return errors, sum(breaks.values())


def answer_key(results_md: Path) -> dict[tuple[str, str], str]:
    """(instance, column) -> "5" | "UNSAT" from the answer-key table of RESULTS.md."""
    key: dict[tuple[str, str], str] = {}
    if not results_md.exists():
        return key
    header = None
    for line in results_md.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| instance | original"):
            header = cells
            continue
        if header and line.startswith("|") and not line.startswith("|---"):
            if len(cells) != len(header):
                header = None
                continue
            for column, cell in zip(header[1:], cells[1:], strict=True):
                key[(cells[0], column)] = cell.split()[0].rstrip("*")
        elif header and not line.startswith("|"):
            header = None
    return key


def column_for(variant: str, d: int) -> str:
    if variant == "original":
        return "original d=2" if d == 2 else f"d={d}"
    return variant if d == 2 else f"{variant} d={d}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pattern", nargs="?", default="*.original.dzn")
    parser.add_argument("--instances", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--d", type=int, default=2, help="fairness: breaks differ by at most d")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="the solver's random seed")
    args = parser.parse_args(argv)

    key = answer_key(args.instances.parent.parent / "RESULTS.md")
    files = sorted(args.instances.glob(args.pattern))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    print(
        f"{'instance':34} {'P':>3} {'M':>4} {'breaks':>7} {'optimum':>7} {'status':>10} "
        f"{'seconds':>7} {'load':>5}  check"
    )
    matched = proven = reached = 0
    total_seconds = 0.0
    for path in files:
        t0 = time.monotonic()
        inst = parse_dzn(path)
        problem = to_problem(inst)
        remaining = args.time_limit - (time.monotonic() - t0)
        solution = solve(
            problem,
            SolveOptions(
                time_limit_s=remaining,
                mode="breaks",
                fairness_d=args.d,
                workers=args.workers,
                seed=args.seed,
            ),
        )
        seconds = time.monotonic() - t0
        total_seconds += seconds
        base, variant = inst.name.split(".", 1)
        expected = key.get((base, column_for(variant, args.d)), "?")
        status = solution.figures.status
        if status == "infeasible":
            found, check = "UNSAT", "-"
        elif status in ("optimal", "feasible"):
            slot_of = {a.request_id: a.start_slot for a in solution.assignments}
            slots = [slot_of.get(i, 0) for i in range(1, len(inst.meetings) + 1)]
            errors, breaks = validate(inst, slots, args.d)
            found = str(breaks)
            check = "ok" if not errors else f"INVALID: {errors[0]} (+{len(errors) - 1})"
            if args.out and not errors:
                (args.out / f"{inst.name}.sol").write_text("".join(f"{t}\n" for t in slots))
        else:
            found, check = "none", "-"
        if status in ("optimal", "infeasible"):
            proven += 1
        valid = found == expected and not check.startswith("INVALID")
        matched += valid and status in ("optimal", "infeasible")
        reached += valid
        active = len({p for a, b, _ in inst.meetings for p in (a, b)})
        print(
            f"{inst.name:34} {active:>3} {len(inst.meetings):>4} {found:>7} {expected:>7} "
            f"{status:>10} {seconds:>7.1f} {os.getloadavg()[0]:>5.1f}  {check}",
            flush=True,
        )
    print(
        f"{len(files)} instances: {reached} at the published optimum (or infeasible as "
        f"published), {matched} of them proven; {proven} proven (optimal or infeasible); "
        f"{total_seconds:.1f} s in all"
    )


if __name__ == "__main__":
    main()
