"""Mission files (format trade-mission/1): a mission written out as one document, and back.

`build_mission_document` turns a mission into plain data, `import_mission_document` creates a new
mission from such data. An import checks the whole document before writing anything and reports
every problem at once, each under the JSON path where it is (`people[3].organisation`), so that
whoever wrote the file can fix it in one go. The schedule's own rules (meeting windows of the
host's leg, no one in two places at once, people available) need the mission as the scheduler
sees it: once the rest is right, they are checked with `find_conflicts` on the rows just flushed,
in the same transaction. Keys written in the file are kept, so that an export of an imported
mission gives the same file again.

Times: on import, a time without an offset is wall-clock time in the zone of the leg it belongs
to; on export every time is written in UTC with its offset.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from mission_app import scheduling
from mission_app.exporters import ExportedFile
from mission_app.exporters.mission_json import FORMAT, export_mission_json
from mission_app.extensions import db
from mission_app.models import (
    Activity,
    Availability,
    Leg,
    Meeting,
    MeetingRequest,
    MeetingWindow,
    Membership,
    Mission,
    Organisation,
    Person,
    User,
    Venue,
)
from mission_app.models.meetings import MEETING_STATUSES, PRIORITIES, REQUESTERS
from mission_app.models.missions import LOCALES
from mission_app.models.participants import (
    DELEGATION_CATEGORIES,
    HOST_CATEGORIES,
    LANGUAGES,
    SIDES,
)
from mission_app.models.programme import ACTIVITY_KINDS
from mission_app.services.errors import ValidationFailed
from mission_app.services.keys import KEY_PATTERN
from mission_app.services.scheduling import build_problem

# A broken file can hold thousands of problems; past this many, the rest are only counted.
MAX_REPORTED_PROBLEMS = 200
MAX_DURATION_SLOTS = 16


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _sort_text(text: str) -> str:
    """Accents and case set aside, so that "École" sorts with "ecole", not after "Z"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def build_mission_document(mission: Mission) -> dict:
    """The mission as plain data in format trade-mission/1, loaded in a fixed number of queries.

    Personal access tokens are secrets and never leave the database this way.
    """
    legs = db.session.scalars(
        select(Leg)
        .where(Leg.mission_id == mission.id)
        .order_by(Leg.position, Leg.id)
        .options(selectinload(Leg.venues), selectinload(Leg.windows))
    ).all()
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.mission_id == mission.id)
    ).all()
    people = db.session.scalars(
        select(Person)
        .where(Person.mission_id == mission.id)
        .options(selectinload(Person.availabilities))
    ).all()
    activities = db.session.scalars(
        select(Activity)
        .where(Activity.mission_id == mission.id)
        .options(selectinload(Activity.attendees))
    ).all()
    requests = db.session.scalars(
        select(MeetingRequest)
        .where(MeetingRequest.mission_id == mission.id)
        .options(selectinload(MeetingRequest.attendees))
    ).all()
    meetings = db.session.scalars(select(Meeting).where(Meeting.mission_id == mission.id)).all()

    leg_keys = {leg.id: leg.key for leg in legs}
    venue_keys = {venue.id: venue.key for leg in legs for venue in leg.venues}
    organisations = sorted(
        organisations, key=lambda o: (o.side != "delegation", _sort_text(o.name), o.key)
    )
    organisation_rank = {o.id: rank for rank, o in enumerate(organisations)}
    organisation_keys = {o.id: o.key for o in organisations}
    people = sorted(
        people, key=lambda p: (organisation_rank[p.organisation_id], _sort_text(p.name), p.key)
    )
    person_rank = {p.id: rank for rank, p in enumerate(people)}
    request_keys = {r.id: r.key for r in requests}

    def person_keys(persons: list[Person]) -> list[str]:
        return [p.key for p in sorted(persons, key=lambda p: person_rank[p.id])]

    return {
        "format": FORMAT,
        "mission": {
            "title": mission.title,
            "organiser": mission.organiser,
            "locale": mission.locale,
            "description": mission.description,
        },
        "legs": [
            {
                "key": leg.key,
                "city": leg.city,
                "country": leg.country,
                "timezone": leg.timezone,
                "slot_minutes": leg.slot_minutes,
                "venues": [
                    {
                        "key": venue.key,
                        "name": venue.name,
                        "address": venue.address,
                        "tables": venue.tables,
                    }
                    for venue in leg.venues
                ],
                "meeting_windows": [
                    {
                        "venue": venue_keys[window.venue_id],
                        "start": _utc_text(window.start_at),
                        "end": _utc_text(window.end_at),
                    }
                    for window in sorted(
                        leg.windows, key=lambda w: (w.start_at, venue_keys[w.venue_id], w.end_at)
                    )
                ],
            }
            for leg in legs
        ],
        "organisations": [
            {
                "key": o.key,
                "name": o.name,
                "country": o.country,
                "side": o.side,
                "category": o.category,
                "leg": leg_keys.get(o.leg_id),
                "sectors": list(o.sectors or []),
                "description": o.description,
            }
            for o in organisations
        ],
        "people": [
            {
                "key": p.key,
                "organisation": organisation_keys[p.organisation_id],
                "name": p.name,
                "position": p.position,
                "email": p.email,
                "phone": p.phone,
                "languages": list(p.languages or []),
                "available": [
                    {"start": _utc_text(a.start_at), "end": _utc_text(a.end_at)}
                    for a in sorted(p.availabilities, key=lambda a: (a.start_at, a.end_at))
                ],
            }
            for p in people
        ],
        "activities": [
            {
                "key": a.key,
                "kind": a.kind,
                "title": a.title,
                "leg": leg_keys.get(a.leg_id),
                "start": _utc_text(a.start_at),
                "end": _utc_text(a.end_at),
                "location": a.location,
                "address": a.address,
                "capacity": a.capacity,
                "attendees": person_keys(a.attendees),
            }
            for a in sorted(activities, key=lambda a: (a.start_at, a.end_at, a.key))
        ],
        "requests": [
            {
                "key": r.key,
                "delegation": organisation_keys[r.delegation_id],
                "host": organisation_keys[r.host_id],
                "priority": r.priority,
                "requested_by": r.requested_by,
                "attendees": person_keys(r.attendees),
                "duration_slots": r.duration_slots,
            }
            for r in sorted(
                requests,
                key=lambda r: (
                    organisation_rank[r.delegation_id],
                    organisation_rank[r.host_id],
                    r.key,
                ),
            )
        ],
        "meetings": [
            {
                "key": m.key,
                "request": request_keys[m.request_id],
                "venue": venue_keys[m.venue_id],
                "table": m.table_number,
                "start": _utc_text(m.start_at),
                "end": _utc_text(m.end_at),
                "status": m.status,
                "locked": m.locked,
            }
            for m in sorted(
                meetings,
                key=lambda m: (m.start_at, venue_keys[m.venue_id], m.table_number, m.key),
            )
        ],
    }


def export_mission_file(mission: Mission) -> ExportedFile:
    return export_mission_json(build_mission_document(mission))


def summarise_mission_contents(mission: Mission) -> dict[str, int]:
    """How many of each thing a mission file of this mission holds."""
    counted = {
        "legs": Leg,
        "venues": Venue,
        "organisations": Organisation,
        "people": Person,
        "activities": Activity,
        "requests": MeetingRequest,
        "meetings": Meeting,
    }
    return {
        name: db.session.scalar(select(func.count(model.id)).where(model.mission_id == mission.id))
        for name, model in counted.items()
    }


# --------------------------------------------------------------------------------------------
# Reading a file
# --------------------------------------------------------------------------------------------


def megabytes_text(size: int) -> str:
    """ "1,5" on a French page, "1.5" on an English one; "5", not "5,0"."""
    return format_decimal(round(size / (1024 * 1024), 1), format="0.#")


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


class _DuplicateName(ValueError):
    pass


def _no_duplicate_names(pairs: list[tuple[str, Any]]) -> dict:
    result = {}
    for name, value in pairs:
        if name in result:
            raise _DuplicateName(name)
        result[name] = value
    return result


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


# What Python's JSON reader says, in words an organiser can read in their own language.
_JSON_PROBLEMS = {
    "Expecting value": _l("a value is expected here"),
    "Expecting ',' delimiter": _l("a comma is missing"),
    "Expecting ':' delimiter": _l("a colon is missing"),
    "Expecting property name enclosed in double quotes": _l(
        "a key in double quotes is expected (is there a comma too many?)"
    ),
    "Unterminated string starting at": _l("a text is not closed by its double quote"),
    "Invalid control character at": _l("a text holds a line break or tab: write it \\n or \\t"),
    "Extra data": _l("something follows the end of the document"),
}


def parse_mission_file(data: bytes, max_bytes: int | None = None) -> dict:
    """The JSON object in an uploaded file, or ValidationFailed saying what is wrong and where."""
    if max_bytes is not None and len(data) > max_bytes:
        raise ValidationFailed(
            _l(
                "The file is larger than the limit of %(limit)s MB. A mission file is "
                "usually far smaller: is this the right file?",
                limit=megabytes_text(max_bytes),
            )
        )
    if not data.strip():
        raise ValidationFailed(_l("The file is empty."))
    offset = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # a BOM, as some editors write
    try:
        text = data[offset:].decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _line_and_column(data, offset + error.start)
        raise ValidationFailed(
            _l(
                "The file is not UTF-8 text (line %(line)d, column %(column)d). "
                "Save it as UTF-8 and try again.",
                line=line,
                column=column,
            )
        ) from None
    try:
        document = json.loads(
            text, object_pairs_hook=_no_duplicate_names, parse_constant=_refuse_constant
        )
    except json.JSONDecodeError as error:
        raise ValidationFailed(
            _l(
                "The file is not valid JSON: %(problem)s (line %(line)d, column %(column)d).",
                problem=_JSON_PROBLEMS.get(error.msg, error.msg),
                line=error.lineno,
                column=error.colno,
            )
        ) from None
    except _DuplicateName as error:
        raise ValidationFailed(
            _l('The file gives the key "%(name)s" twice in one object.', name=str(error))
        ) from None
    except RecursionError:
        raise ValidationFailed(_l("The file is nested too deeply to be a mission file.")) from None
    except ValueError as error:  # NaN or Infinity
        raise ValidationFailed(
            _l("The file is not valid JSON: %(problem)s.", problem=str(error))
        ) from None
    if not isinstance(document, dict):
        raise ValidationFailed(
            _l("A mission file holds one JSON object, with the keys format, mission, legs…")
        )
    return document


def import_mission_file(
    actor: User | None,
    data: bytes,
    max_bytes: int | None = None,
    *,
    schedule_warnings: list | None = None,
) -> Mission:
    """A new mission from the bytes of a mission file; see import_mission_document."""
    return import_mission_document(
        actor, parse_mission_file(data, max_bytes), schedule_warnings=schedule_warnings
    )


# --------------------------------------------------------------------------------------------
# Checking a document, field by field
# --------------------------------------------------------------------------------------------


class _Problems:
    """Reasons gathered under their JSON path, in the order they were found."""

    def __init__(self) -> None:
        self.by_path: dict[str, list] = {}
        self.count = 0

    def add(self, path: str, reason) -> None:
        self.count += 1
        if self.count <= MAX_REPORTED_PROBLEMS:
            self.by_path.setdefault(path, []).append(reason)

    def raise_if_any(self) -> None:
        if not self.count:
            return
        if self.count > MAX_REPORTED_PROBLEMS:
            self.by_path.setdefault("", []).append(
                _l(
                    "… and %(count)d more problems, not listed. Fix these first.",
                    count=self.count - MAX_REPORTED_PROBLEMS,
                )
            )
        raise ValidationFailed(self.by_path)


_INVALID = object()  # a field that was wrong; the problem is already recorded


def _type_name(value: Any):
    if value is None:
        return _l("null")
    if isinstance(value, bool):
        return _l("true/false")
    if isinstance(value, (int, float)):
        return _l("a number")
    if isinstance(value, str):
        return _l("text")
    if isinstance(value, list):
        return _l("a list")
    return _l("an object")


@dataclass
class _Checker:
    problems: _Problems

    def text(self, value, path: str, *, max_length: int, required: bool = False):
        if not isinstance(value, str):
            self.problems.add(path, _l("must be text, not %(found)s", found=_type_name(value)))
            return _INVALID
        value = value.strip()
        if required and not value:
            self.problems.add(path, _l("must not be empty"))
            return _INVALID
        if len(value) > max_length:
            self.problems.add(path, _l("is longer than %(max)d characters", max=max_length))
            return _INVALID
        return value

    def key(self, value, path: str):
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            self.problems.add(
                path,
                _l(
                    "%(found)s is not a valid key: use 1 to 64 letters, digits, dots, dashes "
                    "or underscores, starting with a letter or digit",
                    found=json.dumps(value, ensure_ascii=False)[:80],
                ),
            )
            return _INVALID
        return value

    def reference(self, value, path: str):
        if not isinstance(value, str):
            self.problems.add(
                path, _l("must be a key (text), not %(found)s", found=_type_name(value))
            )
            return _INVALID
        return value

    def optional_reference(self, value, path: str):
        return None if value is None else self.reference(value, path)

    def choice(self, value, path: str, allowed: tuple):
        if value not in allowed or isinstance(value, bool):
            self.problems.add(
                path,
                _l(
                    "must be one of %(allowed)s, not %(found)s",
                    allowed=", ".join(json.dumps(a) for a in allowed),
                    found=json.dumps(value, ensure_ascii=False)[:80],
                ),
            )
            return _INVALID
        return value

    def integer(self, value, path: str, *, low: int, high: int | None = None):
        if type(value) is not int:
            self.problems.add(
                path, _l("must be a whole number, not %(found)s", found=_type_name(value))
            )
            return _INVALID
        if value < low or (high is not None and value > high):
            if high is None:
                self.problems.add(path, _l("must be at least %(low)d", low=low))
            else:
                self.problems.add(
                    path, _l("must be between %(low)d and %(high)d", low=low, high=high)
                )
            return _INVALID
        return value

    def optional_integer(self, value, path: str, *, low: int):
        return None if value is None else self.integer(value, path, low=low)

    def boolean(self, value, path: str):
        if not isinstance(value, bool):
            self.problems.add(
                path, _l("must be true or false, not %(found)s", found=_type_name(value))
            )
            return _INVALID
        return value

    def time(self, value, path: str):
        """A datetime, naive (wall-clock, zone decided later) or aware; whole seconds."""
        parsed = None
        if isinstance(value, str) and len(value) >= 16 and value[10:11] in ("T", " "):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None:
            self.problems.add(
                path,
                _l(
                    "%(found)s is not a date and time such as 2027-03-22T09:00 "
                    "or 2027-03-22T09:00:00+00:00",
                    found=json.dumps(value, ensure_ascii=False)[:80],
                ),
            )
            return _INVALID
        return parsed.replace(microsecond=0)

    def country(self, value, path: str):
        if not isinstance(value, str) or len(value) != 2 or not value.isascii():
            self.problems.add(path, _l("must be a two-letter country code such as SN"))
            return _INVALID
        if not value.isalpha():
            self.problems.add(path, _l("must be a two-letter country code such as SN"))
            return _INVALID
        return value.upper()

    def string_list(self, value, path: str, *, max_length: int, allowed: tuple | None = None):
        if not isinstance(value, list):
            self.problems.add(path, _l("must be a list, not %(found)s", found=_type_name(value)))
            return _INVALID
        result: list[str] = []
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if allowed is not None:
                item = self.choice(item, item_path, allowed)
            else:
                item = self.text(item, item_path, max_length=max_length, required=True)
            if item is _INVALID:
                continue
            if item in result:
                self.problems.add(
                    item_path,
                    _l("%(found)s is listed twice", found=json.dumps(item, ensure_ascii=False)),
                )
                continue
            result.append(item)
        return result

    def object_list(self, value, path: str):
        if not isinstance(value, list):
            self.problems.add(path, _l("must be a list, not %(found)s", found=_type_name(value)))
            return []
        return value

    def fields(self, value, path: str, spec: dict[str, tuple[bool, Any, Callable]]) -> dict | None:
        """An object's fields, each checked and normalised, with defaults for absent ones.

        `spec` maps a field name to (required, default, check(value, path)). Unknown keys and
        missing required ones are problems. None if the value is not an object at all.
        """
        if not isinstance(value, dict):
            self.problems.add(
                path, _l("must be an object {…}, not %(found)s", found=_type_name(value))
            )
            return None
        for name in value:
            if name not in spec:
                self.problems.add(
                    path,
                    _l(
                        'unknown key "%(name)s" (known keys: %(known)s)',
                        name=name,
                        known=", ".join(spec),
                    ),
                )
        result: dict[str, Any] = {}
        for name, (required, default, check) in spec.items():
            field_path = f"{path}.{name}" if path else name
            if name not in value:
                if required:
                    self.problems.add(field_path, _l("is missing"))
                    result[name] = _INVALID
                else:
                    result[name] = default() if callable(default) else default
                continue
            result[name] = check(value[name], field_path)
        return result


def _valid(*values) -> bool:
    return all(value is not _INVALID for value in values)


# --------------------------------------------------------------------------------------------
# Checking a document, as a whole
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Item:
    """One object of the document: where it is, and its checked fields."""

    path: str
    data: dict
    extra: dict = field(default_factory=dict)

    def __getitem__(self, name: str):
        return self.data[name]


@dataclass
class _Plan:
    """Everything the document asks for, checked, with every time in UTC."""

    mission: dict
    legs: list[_Item]
    venues: dict[str, _Item]
    windows: list[_Item]
    organisations: dict[str, _Item]
    people: dict[str, _Item]
    activities: list[_Item]
    requests: dict[str, _Item]
    meetings: list[_Item]


def _keyed(items: list[_Item], problems: _Problems) -> dict[str, _Item]:
    """Items by key; a key used twice in one list is a problem at its second use."""
    result: dict[str, _Item] = {}
    for item in items:
        key = item["key"]
        if key is _INVALID:
            continue
        if key in result:
            problems.add(
                f"{item.path}.key",
                _l(
                    'duplicate key "%(key)s", already used at %(other)s',
                    key=key,
                    other=result[key].path,
                ),
            )
            continue
        result[key] = item
    return result


def _zone_or_none(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _to_utc(
    value: datetime, zone: str | None, path: str, problems: _Problems, no_zone_reason
) -> datetime | object:
    """An aware value as given; a naive one read as wall-clock time in `zone`."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    if zone is None:
        if no_zone_reason is not None:  # None: the missing zone is already reported
            problems.add(path, no_zone_reason)
        return _INVALID
    local = value.replace(tzinfo=ZoneInfo(zone))
    instant = local.astimezone(UTC)
    if instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None) != value:
        problems.add(
            path,
            _l(
                "%(time)s does not exist in %(zone)s (the clocks jump at that time)",
                time=value.isoformat(timespec="minutes"),
                zone=zone,
            ),
        )
        return _INVALID
    return instant


def _check_span(item: _Item, start, end, problems: _Problems, path: str | None = None) -> bool:
    if not _valid(start, end):
        return False
    if end <= start:
        problems.add(f"{path or item.path}.end", _l("must come after the start"))
        return False
    return True


class _DocumentCheck:
    def __init__(self, document: dict):
        self.document = document
        self.problems = _Problems()
        self.check = _Checker(self.problems)

    def run(self) -> _Plan:
        top = self.check.fields(
            self.document,
            "",
            {
                "format": (True, None, self._format),
                "mission": (True, None, self._mission),
                "legs": (False, list, self.check.object_list),
                "organisations": (False, list, self.check.object_list),
                "people": (False, list, self.check.object_list),
                "activities": (False, list, self.check.object_list),
                "requests": (False, list, self.check.object_list),
                "meetings": (False, list, self.check.object_list),
            },
        )
        assert top is not None  # parse_mission_file only returns objects
        legs = self._legs(top["legs"] if top["legs"] is not _INVALID else [])
        venues = _keyed([v for leg in legs for v in leg.extra["venues"]], self.problems)
        windows = self._windows(legs)
        organisations = self._organisations(top["organisations"], legs)
        people = self._people(top["people"], organisations)
        activities = self._activities(top["activities"], legs, people)
        self._availability(people, organisations, legs, windows, activities)
        requests = self._requests(top["requests"], organisations, people)
        meetings = self._meetings(top["meetings"], requests, venues)
        self.problems.raise_if_any()
        return _Plan(
            mission=top["mission"],
            legs=legs,
            venues=venues,
            windows=windows,
            organisations=organisations,
            people=people,
            activities=activities,
            requests=requests,
            meetings=meetings,
        )

    # -- the mission ---------------------------------------------------------------------------

    def _format(self, value, path):
        if value != FORMAT:
            self.problems.add(
                path,
                _l(
                    'must be "%(expected)s", not %(found)s: is this a mission file?',
                    expected=FORMAT,
                    found=json.dumps(value, ensure_ascii=False)[:80],
                ),
            )
            return _INVALID
        return value

    def _mission(self, value, path):
        c = self.check
        return c.fields(
            value,
            path,
            {
                "title": (True, None, lambda v, p: c.text(v, p, max_length=200, required=True)),
                "organiser": (False, "", lambda v, p: c.text(v, p, max_length=200)),
                "locale": (False, "fr", lambda v, p: c.choice(v, p, LOCALES)),
                "description": (False, "", lambda v, p: c.text(v, p, max_length=20000)),
            },
        ) or {"title": _INVALID}

    # -- legs, venues, windows -----------------------------------------------------------------

    def _timezone(self, value, path):
        if not isinstance(value, str) or _zone_or_none(value) is None:
            self.problems.add(
                path,
                _l(
                    "%(found)s is not a known time zone (e.g. Africa/Dakar)",
                    found=json.dumps(value, ensure_ascii=False)[:80],
                ),
            )
            return _INVALID
        return value

    def _legs(self, raw_legs: list) -> list[_Item]:
        c = self.check
        legs = []
        for index, raw in enumerate(raw_legs):
            path = f"legs[{index}]"
            data = c.fields(
                raw,
                path,
                {
                    "key": (True, None, c.key),
                    "city": (True, None, lambda v, p: c.text(v, p, max_length=120, required=True)),
                    "country": (True, None, c.country),
                    "timezone": (True, None, self._timezone),
                    "slot_minutes": (False, 30, lambda v, p: c.integer(v, p, low=5, high=240)),
                    "venues": (False, list, c.object_list),
                    "meeting_windows": (False, list, c.object_list),
                },
            )
            if data is None:
                continue
            leg = _Item(path, data)
            leg.extra["venues"] = self._venues(data["venues"], path)
            for venue in leg.extra["venues"]:
                venue.extra["leg"] = leg
            legs.append(leg)
        self.legs_by_key = _keyed(legs, self.problems)
        return legs

    def _venues(self, raw_venues, leg_path: str) -> list[_Item]:
        c = self.check
        venues = []
        if raw_venues is _INVALID:
            return venues
        for index, raw in enumerate(raw_venues):
            path = f"{leg_path}.venues[{index}]"
            data = c.fields(
                raw,
                path,
                {
                    "key": (True, None, c.key),
                    "name": (True, None, lambda v, p: c.text(v, p, max_length=200, required=True)),
                    "address": (False, "", lambda v, p: c.text(v, p, max_length=500)),
                    "tables": (True, None, lambda v, p: c.integer(v, p, low=1, high=1000)),
                },
            )
            if data is not None:
                venues.append(_Item(path, data))
        return venues

    def _windows(self, legs: list[_Item]) -> list[_Item]:
        c = self.check
        windows = []
        for leg in legs:
            zone = leg["timezone"] if leg["timezone"] is not _INVALID else None
            own_venues = {v["key"]: v for v in leg.extra["venues"] if v["key"] is not _INVALID}
            raw_windows = leg["meeting_windows"]
            if raw_windows is _INVALID:
                continue
            for index, raw in enumerate(raw_windows):
                path = f"{leg.path}.meeting_windows[{index}]"
                data = c.fields(
                    raw,
                    path,
                    {
                        "venue": (True, None, c.reference),
                        "start": (True, None, c.time),
                        "end": (True, None, c.time),
                    },
                )
                if data is None:
                    continue
                window = _Item(path, data, {"leg": leg})
                venue = data["venue"]
                if venue is not _INVALID:
                    if venue not in own_venues:
                        self.problems.add(
                            f"{path}.venue",
                            _l('unknown venue "%(key)s" in this leg', key=venue),
                        )
                    else:
                        window.extra["venue"] = own_venues[venue]
                start, end = self._times(window, zone, no_zone_reason=None)
                window.extra["start"], window.extra["end"] = start, end
                slot = leg["slot_minutes"]
                spans = _check_span(window, start, end, self.problems)
                if spans and _valid(slot) and end - start < timedelta(minutes=slot):
                    self.problems.add(
                        f"{path}.end",
                        _l(
                            "the window must hold at least one slot of %(minutes)d minutes",
                            minutes=slot,
                        ),
                    )
                windows.append(window)
        self._no_overlaps(
            [w for w in windows if "venue" in w.extra],
            group=lambda w: w.extra["venue"]["key"],
            reason=lambda other: _l("overlaps %(other)s at the same venue", other=other.path),
        )
        return windows

    def _times(self, item: _Item, zone: str | None, no_zone_reason) -> tuple:
        results = []
        for name in ("start", "end"):
            value = item[name]
            if value is _INVALID:
                results.append(_INVALID)
                continue
            results.append(
                _to_utc(
                    value,
                    zone,
                    f"{item.path}.{name}",
                    self.problems,
                    no_zone_reason,
                )
            )
        return tuple(results)

    def _no_overlaps(self, items: list[_Item], group, reason) -> None:
        """Items of one group whose [start, end) overlap: each later one is a problem."""
        grouped: dict[Any, list[_Item]] = defaultdict(list)
        for item in items:
            start, end = item.extra.get("start", _INVALID), item.extra.get("end", _INVALID)
            if _valid(start, end) and end > start:
                grouped[group(item)].append(item)
        for members in grouped.values():
            members.sort(key=lambda i: (i.extra["start"], i.extra["end"]))
            latest: _Item | None = None
            for item in members:
                if latest is not None and item.extra["start"] < latest.extra["end"]:
                    self.problems.add(item.path, reason(latest))
                if latest is None or item.extra["end"] > latest.extra["end"]:
                    latest = item

    # -- organisations and people --------------------------------------------------------------

    def _organisations(self, raw_organisations: list, legs: list[_Item]) -> dict[str, _Item]:
        c = self.check
        items = []
        for index, raw in enumerate(raw_organisations):
            path = f"organisations[{index}]"
            data = c.fields(
                raw,
                path,
                {
                    "key": (True, None, c.key),
                    "name": (True, None, lambda v, p: c.text(v, p, max_length=200, required=True)),
                    "country": (True, None, c.country),
                    "side": (True, None, lambda v, p: c.choice(v, p, SIDES)),
                    "category": (True, None, c.reference),
                    "leg": (False, None, c.optional_reference),
                    "sectors": (
                        False,
                        list,
                        lambda v, p: c.string_list(v, p, max_length=100),
                    ),
                    "description": (False, "", lambda v, p: c.text(v, p, max_length=20000)),
                },
            )
            if data is None:
                continue
            organisation = _Item(path, data)
            side, category = data["side"], data["category"]
            if _valid(side, category):
                allowed = DELEGATION_CATEGORIES if side == "delegation" else HOST_CATEGORIES
                if category not in allowed:
                    self.problems.add(
                        f"{path}.category",
                        _l(
                            'a delegation firm has category "ict_firm", not "%(found)s"',
                            found=category,
                        )
                        if side == "delegation"
                        else _l(
                            'a host has category %(allowed)s, not "%(found)s"',
                            allowed=", ".join(json.dumps(a) for a in allowed),
                            found=category,
                        ),
                    )
            leg_key = data["leg"]
            if leg_key not in (None, _INVALID):
                if leg_key not in self.legs_by_key:
                    self.problems.add(f"{path}.leg", _l('unknown leg "%(key)s"', key=leg_key))
                elif side == "delegation":
                    self.problems.add(
                        f"{path}.leg",
                        _l("only hosts belong to one leg; delegation firms travel"),
                    )
            items.append(organisation)
        return _keyed(items, self.problems)

    def _people(self, raw_people: list, organisations: dict[str, _Item]) -> dict[str, _Item]:
        c = self.check
        items = []
        for index, raw in enumerate(raw_people):
            path = f"people[{index}]"
            data = c.fields(
                raw,
                path,
                {
                    "key": (True, None, c.key),
                    "organisation": (True, None, c.reference),
                    "name": (True, None, lambda v, p: c.text(v, p, max_length=200, required=True)),
                    "position": (False, "", lambda v, p: c.text(v, p, max_length=200)),
                    "email": (False, "", self._email),
                    "phone": (False, "", lambda v, p: c.text(v, p, max_length=50)),
                    "languages": (
                        False,
                        list,
                        lambda v, p: c.string_list(v, p, max_length=2, allowed=LANGUAGES),
                    ),
                    "available": (False, list, c.object_list),
                },
            )
            if data is None:
                continue
            person = _Item(path, data)
            owner = data["organisation"]
            if owner is not _INVALID:
                if owner not in organisations:
                    self.problems.add(
                        f"{path}.organisation",
                        _l('unknown organisation "%(key)s"', key=owner),
                    )
                else:
                    person.extra["organisation"] = organisations[owner]
            items.append(person)
        return _keyed(items, self.problems)

    def _email(self, value, path):
        value = self.check.text(value, path, max_length=254)
        if value is _INVALID:
            return value
        if value and ("@" not in value or " " in value):
            self.problems.add(path, _l('"%(email)s" is not an e-mail address', email=value))
            return _INVALID
        return value.lower()

    def _leg_days(self, legs, windows, activities) -> list[tuple[_Item, date, date]]:
        """Each leg with the first and last day, in its zone, of its windows and activities."""
        days: dict[str, list[date]] = defaultdict(list)
        for item in [*windows, *activities]:
            leg = item.extra.get("leg")
            if leg is None or leg["timezone"] is _INVALID:
                continue
            zone = ZoneInfo(leg["timezone"])
            for name in ("start", "end"):
                value = item.extra.get(name, _INVALID)
                if value is not _INVALID:
                    days[leg.path].append(value.astimezone(zone).date())
        return [(leg, min(days[leg.path]), max(days[leg.path])) for leg in legs if days[leg.path]]

    def _availability(self, people, organisations, legs, windows, activities) -> None:
        leg_days = self._leg_days(legs, windows, activities)
        valid_legs = [leg for leg in legs if leg["timezone"] is not _INVALID]
        no_leg = _l("give this time with its offset (e.g. +00:00): the mission has no leg")

        def host_zone(organisation: _Item) -> str | None:
            chosen = organisation["leg"]
            if chosen not in (None, _INVALID) and chosen in self.legs_by_key:
                leg = self.legs_by_key[chosen]
                return leg["timezone"] if leg["timezone"] is not _INVALID else None
            for leg in valid_legs:
                if leg["country"] == organisation["country"]:
                    return leg["timezone"]
            return valid_legs[0]["timezone"] if valid_legs else None

        def delegation_zone(day: date) -> str | None:
            for leg, first, last in leg_days:
                if first <= day <= last:
                    return leg["timezone"]
            return valid_legs[0]["timezone"] if valid_legs else None

        c = self.check
        for person in people.values():
            organisation = person.extra.get("organisation")
            periods = []
            raw_periods = person["available"]
            if raw_periods is _INVALID:
                continue
            for index, raw in enumerate(raw_periods):
                path = f"{person.path}.available[{index}]"
                data = c.fields(
                    raw, path, {"start": (True, None, c.time), "end": (True, None, c.time)}
                )
                if data is None:
                    continue
                period = _Item(path, data)
                times = []
                for name in ("start", "end"):
                    value = data[name]
                    if value is _INVALID:
                        times.append(_INVALID)
                        continue
                    if organisation is None:
                        zone = None
                    elif organisation["side"] == "host":
                        zone = host_zone(organisation)
                    else:
                        zone = delegation_zone(value.date())
                    if organisation is None and value.tzinfo is None:
                        times.append(_INVALID)  # its unknown organisation is already reported
                        continue
                    times.append(_to_utc(value, zone, f"{path}.{name}", self.problems, no_leg))
                period.extra["start"], period.extra["end"] = times
                if _check_span(period, *times, self.problems):
                    periods.append(period)
            person.extra["available"] = periods

    # -- activities ----------------------------------------------------------------------------

    def _attendees(self, value, path: str, people: dict[str, _Item]) -> list[_Item]:
        keys = self.check.string_list(value, path, max_length=64)
        if keys is _INVALID:
            return []
        result = []
        for index, key in enumerate(keys):
            if key not in people:
                self.problems.add(f"{path}[{index}]", _l('unknown person "%(key)s"', key=key))
            else:
                result.append(people[key])
        return result

    def _activities(self, raw_activities, legs, people) -> list[_Item]:
        c = self.check
        items = []
        for index, raw in enumerate(raw_activities):
            path = f"activities[{index}]"
            data = c.fields(
                raw,
                path,
                {
                    "key": (True, None, c.key),
                    "kind": (True, None, lambda v, p: c.choice(v, p, ACTIVITY_KINDS)),
                    "title": (True, None, lambda v, p: c.text(v, p, max_length=200, required=True)),
                    "leg": (False, None, c.optional_reference),
                    "start": (True, None, c.time),
                    "end": (True, None, c.time),
                    "location": (False, "", lambda v, p: c.text(v, p, max_length=200)),
                    "address": (False, "", lambda v, p: c.text(v, p, max_length=500)),
                    "capacity": (False, None, lambda v, p: c.optional_integer(v, p, low=1)),
                    "attendees": (False, list, lambda v, p: v),
                },
            )
            if data is None:
                continue
            activity = _Item(path, data)
            zone = None
            leg_key = data["leg"]
            if leg_key not in (None, _INVALID):
                if leg_key not in self.legs_by_key:
                    self.problems.add(f"{path}.leg", _l('unknown leg "%(key)s"', key=leg_key))
                else:
                    activity.extra["leg"] = self.legs_by_key[leg_key]
                    timezone = activity.extra["leg"]["timezone"]
                    zone = timezone if timezone is not _INVALID else None
            no_zone = (  # None: the unknown leg is reported already
                None
                if leg_key not in (None, _INVALID)
                else _l("give this time with its offset (e.g. +00:00), or give the activity a leg")
            )
            start, end = self._times(activity, zone, no_zone)
            activity.extra["start"], activity.extra["end"] = start, end
            _check_span(activity, start, end, self.problems)
            attendees = self._attendees(data["attendees"], f"{path}.attendees", people)
            activity.extra["attendees"] = attendees
            capacity = data["capacity"]
            if capacity not in (None, _INVALID) and len(attendees) > capacity:
                self.problems.add(
                    f"{path}.attendees",
                    _l(
                        "%(count)d attendees, more than the capacity of %(capacity)d",
                        count=len(attendees),
                        capacity=capacity,
                    ),
                )
            items.append(activity)
        _keyed(items, self.problems)
        self._no_double_booked_attendees(items)
        return items

    def _no_double_booked_attendees(self, activities: list[_Item]) -> None:
        by_person: dict[str, list[_Item]] = defaultdict(list)
        for activity in activities:
            if not _valid(activity.extra["start"], activity.extra["end"]):
                continue
            if activity.extra["end"] <= activity.extra["start"]:
                continue
            for person in activity.extra["attendees"]:
                by_person[person["key"]].append(activity)
        reported: set[tuple[str, str]] = set()
        for person_key, booked in by_person.items():
            booked.sort(key=lambda a: (a.extra["start"], a.extra["end"]))
            for earlier, later in zip(booked, booked[1:], strict=False):
                if later.extra["start"] < earlier.extra["end"]:
                    if (later.path, earlier.path) in reported:
                        continue
                    reported.add((later.path, earlier.path))
                    self.problems.add(
                        f"{later.path}.attendees",
                        _l(
                            '"%(person)s" is also at %(other)s at that time',
                            person=person_key,
                            other=earlier.path,
                        ),
                    )

    # -- requests and meetings -----------------------------------------------------------------

    def _requests(self, raw_requests, organisations, people) -> dict[str, _Item]:
        c = self.check
        items = []
        pairs: dict[tuple[str, str], _Item] = {}
        for index, raw in enumerate(raw_requests):
            path = f"requests[{index}]"
            data = c.fields(
                raw,
                path,
                {
                    "key": (True, None, c.key),
                    "delegation": (True, None, c.reference),
                    "host": (True, None, c.reference),
                    "priority": (False, 3, lambda v, p: c.choice(v, p, PRIORITIES)),
                    "requested_by": (
                        False,
                        "delegation",
                        lambda v, p: c.choice(v, p, REQUESTERS),
                    ),
                    "attendees": (False, list, lambda v, p: v),
                    "duration_slots": (
                        False,
                        1,
                        lambda v, p: c.integer(v, p, low=1, high=MAX_DURATION_SLOTS),
                    ),
                },
            )
            if data is None:
                continue
            request = _Item(path, data)
            for role in ("delegation", "host"):
                key = data[role]
                if key is _INVALID:
                    continue
                organisation = organisations.get(key)
                if organisation is None:
                    self.problems.add(
                        f"{path}.{role}", _l('unknown organisation "%(key)s"', key=key)
                    )
                elif organisation["side"] not in (role, _INVALID):
                    self.problems.add(
                        f"{path}.{role}",
                        _l('"%(key)s" is a host, not a delegation firm', key=key)
                        if role == "delegation"
                        else _l('"%(key)s" is a delegation firm, not a host', key=key),
                    )
                else:
                    request.extra[role] = organisation
            if "delegation" in request.extra and "host" in request.extra:
                pair = (data["delegation"], data["host"])
                if pair in pairs:
                    self.problems.add(
                        path,
                        _l(
                            '"%(delegation)s" already asks to meet "%(host)s" at %(other)s',
                            delegation=pair[0],
                            host=pair[1],
                            other=pairs[pair].path,
                        ),
                    )
                else:
                    pairs[pair] = request
            attendees = self._attendees(data["attendees"], f"{path}.attendees", people)
            sides = {request.extra[r]["key"] for r in ("delegation", "host") if r in request.extra}
            for person in attendees:
                owner = person.extra.get("organisation")
                if owner is not None and len(sides) == 2 and owner["key"] not in sides:
                    self.problems.add(
                        f"{path}.attendees",
                        _l(
                            '"%(person)s" belongs to neither organisation of this request',
                            person=person["key"],
                        ),
                    )
            request.extra["attendees"] = attendees
            items.append(request)
        return _keyed(items, self.problems)

    def _meetings(self, raw_meetings, requests, venues) -> list[_Item]:
        c = self.check
        items = []
        for index, raw in enumerate(raw_meetings):
            path = f"meetings[{index}]"
            data = c.fields(
                raw,
                path,
                {
                    "key": (True, None, c.key),
                    "request": (True, None, c.reference),
                    "venue": (True, None, c.reference),
                    "table": (True, None, lambda v, p: c.integer(v, p, low=1)),
                    "start": (True, None, c.time),
                    "end": (True, None, c.time),
                    "status": (
                        False,
                        "scheduled",
                        lambda v, p: c.choice(v, p, MEETING_STATUSES),
                    ),
                    "locked": (False, False, c.boolean),
                },
            )
            if data is None:
                continue
            meeting = _Item(path, data)
            if data["request"] is not _INVALID:
                if data["request"] not in requests:
                    self.problems.add(
                        f"{path}.request", _l('unknown request "%(key)s"', key=data["request"])
                    )
                else:
                    meeting.extra["request"] = requests[data["request"]]
            zone = None
            venue_key = data["venue"]
            if venue_key is not _INVALID:
                venue = venues.get(venue_key)
                if venue is None:
                    self.problems.add(f"{path}.venue", _l('unknown venue "%(key)s"', key=venue_key))
                else:
                    meeting.extra["venue"] = venue
                    leg = venue.extra["leg"]
                    zone = leg["timezone"] if leg["timezone"] is not _INVALID else None
                    tables = venue["tables"]
                    if _valid(tables, data["table"]) and data["table"] > tables:
                        self.problems.add(
                            f"{path}.table",
                            _l(
                                'venue "%(venue)s" has %(tables)d tables: there is no table '
                                "%(table)d",
                                venue=venue_key,
                                tables=tables,
                                table=data["table"],
                            ),
                        )
            start, end = self._times(meeting, zone, None)
            meeting.extra["start"], meeting.extra["end"] = start, end
            _check_span(meeting, start, end, self.problems)
            items.append(meeting)
        _keyed(items, self.problems)
        scheduled = [m for m in items if m["status"] == "scheduled"]
        self._no_overlaps(
            [m for m in scheduled if "venue" in m.extra and _valid(m["table"])],
            group=lambda m: (m.extra["venue"]["key"], m["table"]),
            reason=lambda other: _l(
                "this table already holds %(other)s at that time", other=other.path
            ),
        )
        first_for_request: dict[str, _Item] = {}
        for meeting in scheduled:
            request = meeting.extra.get("request")
            if request is None:
                continue
            if request["key"] in first_for_request:
                self.problems.add(
                    meeting.path,
                    _l(
                        'request "%(request)s" already has a scheduled meeting, %(other)s',
                        request=request["key"],
                        other=first_for_request[request["key"]].path,
                    ),
                )
            else:
                first_for_request[request["key"]] = meeting
        return items


# --------------------------------------------------------------------------------------------
# Checking the schedule, on the rows just written
# --------------------------------------------------------------------------------------------


def _local_text(value: datetime, zone: str, *, same_day_as: datetime | None = None) -> str:
    """A time in `zone` as the file writes dates (2027-03-22 09:00); on the same day, 09:00."""
    local = value.astimezone(ZoneInfo(zone))
    if same_day_as is not None and same_day_as.astimezone(ZoneInfo(zone)).date() == local.date():
        return f"{local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def _local_span(start: datetime, end: datetime, zone: str) -> str:
    return f"{_local_text(start, zone)}–{_local_text(end, zone, same_day_as=start)}"


def _check_schedule(
    mission: Mission,
    plan: _Plan,
    venues: dict[str, Venue],
    requests: dict[str, MeetingRequest],
    people: dict[str, Person],
) -> list[tuple[str, Any]]:
    """The rules a schedule keeps (format trade-mission/1) that only the scheduler can check.

    The document check and the database refuse what they see on their own (a table used twice,
    two meetings for one request). A meeting outside the windows of its host's leg, or a person
    in two places at once or unavailable, needs the mission as the scheduler sees it: the
    scheduled meetings go through `find_conflicts` on the rows just flushed. Cancelled meetings
    hold no one and are not checked.
    """
    scheduled = [(n, m) for n, m in enumerate(plan.meetings) if m["status"] == "scheduled"]
    if not scheduled:
        return []
    mission_problem = build_problem(mission)
    problem = mission_problem.problem
    found: list[tuple[int, str, Any]] = []  # (position in the file, JSON path, reason)
    position: dict[int, int] = {}  # request id -> position of its meeting in the file
    meeting_of: dict[int, _Item] = {}  # request id -> its scheduled meeting
    person_of = {people[key].id: item for key, item in plan.people.items()}
    assignments = []
    for index, item in scheduled:
        request = requests[item["request"]]
        leg = item.extra["venue"].extra["leg"]
        zone = leg["timezone"]
        start, end = item.extra["start"], item.extra["end"]
        if request.id not in problem.request_by_id:  # build_problem leaves such requests out
            host = item.extra["request"].extra["host"]
            found.append(
                (
                    index,
                    item.path,
                    _l(
                        "%(host)s meets in no leg: no leg is in its country (%(country)s) and "
                        "it names none",
                        host=host["name"],
                        country=host["country"],
                    ),
                )
            )
            continue
        venue = venues[item["venue"]]
        start_slot = mission_problem.slot_by_start.get((venue.id, start))
        host_leg_id = problem.request_by_id[request.id].leg_id
        if start_slot is None and venue.leg_id != host_leg_id:  # the leg is what to fix first
            found.append(
                (index, item.path, _wrong_leg_reason(item, problem, host_leg_id, venue.leg_id))
            )
            continue
        if start_slot is None:
            found.append(
                (
                    index,
                    item.path,
                    _l(
                        "starts at %(time)s (%(zone)s), which is not the start of a slot of a "
                        'meeting window at venue "%(venue)s"',
                        time=_local_text(start, zone),
                        zone=zone,
                        venue=item["venue"],
                    ),
                )
            )
        duration = timedelta(minutes=leg["slot_minutes"] * request.duration_slots)
        if end - start != duration:
            found.append(
                (
                    index,
                    f"{item.path}.end",
                    _l(
                        'request "%(request)s" lasts %(minutes)d minutes: the meeting should '
                        "end at %(expected)s (%(zone)s), not %(end)s",
                        request=item["request"],
                        minutes=int(duration.total_seconds()) // 60,
                        expected=_local_text(start + duration, zone, same_day_as=start),
                        end=_local_text(end, zone, same_day_as=start),
                        zone=zone,
                    ),
                )
            )
        if start_slot is None or end - start != duration:
            continue  # find_conflicts would judge it at a time that is not its own
        position[request.id] = index
        meeting_of[request.id] = item
        assignments.append(scheduling.Assignment(request.id, start_slot, venue.id, item["table"]))

    busy: dict[tuple[int, int], list[int]] = defaultdict(list)  # (request, person) -> slots
    for conflict in scheduling.find_conflicts(problem, assignments):
        if conflict.rule == "person_busy":
            busy[(conflict.request_ids[0], conflict.person_id)].append(conflict.slot)
            continue
        if conflict.rule == "locked_moved" and conflict.request_ids[0] not in meeting_of:
            continue  # that meeting was left out above, for a reason already given
        # Where two meetings clash, the reason goes to the later one and names the earlier.
        request_id = conflict.request_ids[-1]
        found.append(
            (
                position[request_id],
                meeting_of[request_id].path,
                _conflict_reason(conflict, problem, meeting_of, person_of),
            )
        )
    for (request_id, person_id), slots in busy.items():
        found.extend(
            (position[request_id], meeting_of[request_id].path, reason)
            for reason in _busy_reasons(
                meeting_of[request_id],
                person_of[person_id],
                [problem.slot_by_index[s] for s in sorted(slots)],
                plan.activities,
            )
        )

    return [(path, reason) for _, path, reason in sorted(found, key=lambda f: f[0])]


def _who(person: _Item) -> dict[str, str]:
    return {"person": person["name"], "organisation": person.extra["organisation"]["name"]}


def _wrong_leg_reason(item: _Item, problem: scheduling.Problem, host_leg_id, venue_leg_id):
    return _l(
        '%(host)s meets in %(city)s, but venue "%(venue)s" is in %(other)s',
        host=item.extra["request"].extra["host"]["name"],
        city=problem.leg_by_id[host_leg_id].name,
        venue=item["venue"],
        other=problem.leg_by_id[venue_leg_id].name,
    )


def _conflict_reason(
    conflict: scheduling.Conflict,
    problem: scheduling.Problem,
    meeting_of: dict[int, _Item],
    person_of: dict[int, _Item],
):
    """One broken rule in words, naming people, organisations and local times."""
    item = meeting_of[conflict.request_ids[-1]]
    venue = item.extra["venue"]
    zone = venue.extra["leg"]["timezone"]
    if conflict.rule == "outside_window":
        request = problem.request_by_id[conflict.request_ids[0]]
        window = problem.window_by_id[problem.slot_by_index[conflict.slot].window_id]
        if window.leg_id != request.leg_id:
            return _wrong_leg_reason(item, problem, request.leg_id, window.leg_id)
        last_slot = problem.slot_by_index[window.slot_indices[-1]]
        return _l(
            "ends at %(end)s, after the end of its meeting window at %(window_end)s (%(zone)s)",
            end=_local_text(item.extra["end"], zone),
            window_end=_local_text(last_slot.end, zone, same_day_as=item.extra["end"]),
            zone=zone,
        )
    if conflict.rule == "bad_table":
        return _l(
            'venue "%(venue)s" has %(tables)d tables: there is no table %(table)d',
            venue=venue["key"],
            tables=venue["tables"],
            table=item["table"],
        )
    if conflict.rule == "table_clash":
        other = meeting_of[conflict.request_ids[0]]
        return _l("this table already holds %(other)s at that time", other=other.path)
    if conflict.rule == "person_clash":
        other = meeting_of[conflict.request_ids[0]]
        other_zone = other.extra["venue"].extra["leg"]["timezone"]
        return _l(
            "%(person)s (%(organisation)s) is also at %(other)s (%(delegation)s – %(host)s), "
            "%(when)s (%(zone)s)",
            **_who(person_of[conflict.person_id]),
            other=other.path,
            delegation=other.extra["request"].extra["delegation"]["name"],
            host=other.extra["request"].extra["host"]["name"],
            when=_local_span(other.extra["start"], other.extra["end"], other_zone),
            zone=other_zone,
        )
    # Rules the document check already enforces, or that an import cannot break (locked
    # meetings, precedences): said in the checker's own words.
    return _l("breaks a scheduling rule: %(rule)s", rule=conflict.message)


def _busy_reasons(
    meeting: _Item, person: _Item, slots: list[scheduling.Slot], activities: list[_Item]
) -> list:
    """Why a person cannot be at a meeting: an activity they attend, else their availability."""
    zone = meeting.extra["venue"].extra["leg"]["timezone"]
    reasons = []
    named: list[_Item] = []
    unavailable: list[scheduling.Slot] = []
    for slot in slots:
        during = [
            a
            for a in activities
            if person in a.extra["attendees"]
            and a.extra["start"] < slot.end
            and slot.start < a.extra["end"]
        ]
        if not during:
            unavailable.append(slot)
        for activity in during:
            if activity in named:
                continue
            named.append(activity)
            reasons.append(
                _l(
                    '%(person)s (%(organisation)s) attends %(activity)s, "%(title)s", '
                    "%(when)s (%(zone)s)",
                    **_who(person),
                    activity=activity.path,
                    title=activity["title"],
                    when=_local_span(activity.extra["start"], activity.extra["end"], zone),
                    zone=zone,
                )
            )
    if unavailable:
        reasons.append(
            _l(
                "%(person)s (%(organisation)s) is not available at that time "
                "(%(when)s, %(zone)s): see %(available)s",
                **_who(person),
                when=_local_span(unavailable[0].start, unavailable[-1].end, zone),
                zone=zone,
                available=f"{person.path}.available",
            )
        )
    return reasons


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def import_mission_document(
    actor: User | None, document: dict, *, schedule_warnings: list | None = None
) -> Mission:
    """A NEW mission built from a mission document, owned by the actor (if any).

    The whole document is checked first; any problem raises ValidationFailed with one reason per
    problem, under its JSON path, and nothing is written. On success everything is flushed in one
    go; the caller commits. The schedule is then checked on the flushed rows with the scheduler's
    own rules (`_check_schedule`). A broken rule raises ValidationFailed too (the caller rolls
    back), unless the caller passes a `schedule_warnings` list: the (path, reason) pairs go there
    and the import stands. The app's own exports need that: a schedule can break a rule after
    it was made (someone's availability shrinks), and the grid shows such conflicts; a backup
    must still load.
    """
    plan = _DocumentCheck(document).run()
    mission = Mission(
        title=plan.mission["title"],
        organiser=plan.mission["organiser"],
        locale=plan.mission["locale"],
        description=plan.mission["description"],
    )
    db.session.add(mission)
    db.session.flush()
    if actor is not None:
        db.session.add(Membership(user_id=actor.id, mission_id=mission.id, role="owner"))

    def add(obj):
        db.session.add(obj)  # one by one, so that ids follow the order of the file
        return obj

    legs: dict[str, Leg] = {}
    venues: dict[str, Venue] = {}
    for position, item in enumerate(plan.legs, start=1):
        legs[item["key"]] = add(
            Leg(
                mission_id=mission.id,
                key=item["key"],
                position=position,
                city=item["city"],
                country=item["country"],
                timezone=item["timezone"],
                slot_minutes=item["slot_minutes"],
            )
        )
        for venue in item.extra["venues"]:
            venues[venue["key"]] = add(
                Venue(
                    mission_id=mission.id,
                    leg=legs[item["key"]],
                    key=venue["key"],
                    name=venue["name"],
                    address=venue["address"],
                    tables=venue["tables"],
                )
            )
    for window in plan.windows:
        add(
            MeetingWindow(
                leg=legs[window.extra["leg"]["key"]],
                venue=venues[window["venue"]],
                start_at=window.extra["start"],
                end_at=window.extra["end"],
            )
        )
    organisations: dict[str, Organisation] = {}
    for key, item in plan.organisations.items():
        organisations[key] = add(
            Organisation(
                mission_id=mission.id,
                key=key,
                name=item["name"],
                country=item["country"],
                side=item["side"],
                category=item["category"],
                leg=legs[item["leg"]] if item["leg"] else None,
                sectors=list(item["sectors"]),
                description=item["description"],
            )
        )
    people: dict[str, Person] = {}
    for key, item in plan.people.items():
        people[key] = add(
            Person(
                mission_id=mission.id,
                organisation=organisations[item["organisation"]],
                key=key,
                name=item["name"],
                position=item["position"],
                email=item["email"],
                phone=item["phone"],
                languages=list(item["languages"]),
                availabilities=[
                    Availability(start_at=period.extra["start"], end_at=period.extra["end"])
                    for period in item.extra["available"]
                ],
            )
        )
    for item in plan.activities:
        add(
            Activity(
                mission_id=mission.id,
                key=item["key"],
                kind=item["kind"],
                title=item["title"],
                leg=legs[item["leg"]] if item["leg"] else None,
                start_at=item.extra["start"],
                end_at=item.extra["end"],
                location=item["location"],
                address=item["address"],
                capacity=item["capacity"],
                attendees=[people[p["key"]] for p in item.extra["attendees"]],
            )
        )
    requests: dict[str, MeetingRequest] = {}
    for key, item in plan.requests.items():
        requests[key] = add(
            MeetingRequest(
                mission_id=mission.id,
                key=key,
                delegation=organisations[item["delegation"]],
                host=organisations[item["host"]],
                priority=item["priority"],
                requested_by=item["requested_by"],
                duration_slots=item["duration_slots"],
                attendees=[people[p["key"]] for p in item.extra["attendees"]],
            )
        )
    for item in plan.meetings:
        add(
            Meeting(
                mission_id=mission.id,
                key=item["key"],
                request=requests[item["request"]],
                venue=venues[item["venue"]],
                table_number=item["table"],
                start_at=item.extra["start"],
                end_at=item.extra["end"],
                status=item["status"],
                locked=item["locked"],
            )
        )
    try:
        db.session.flush()
    except IntegrityError as error:  # a rule the checks above missed: still refuse cleanly
        raise ValidationFailed(
            _l("The database refused the file: %(problem)s", problem=str(error.orig)[:300])
        ) from error
    broken_rules = _check_schedule(mission, plan, venues, requests, people)
    if schedule_warnings is not None:
        schedule_warnings.extend(broken_rules)
    elif broken_rules:
        problems = _Problems()
        for path, reason in broken_rules:
            problems.add(path, reason)
        problems.raise_if_any()
    return mission
