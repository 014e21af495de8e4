"""iCalendar (RFC 5545 / 7986) agendas: one VEVENT per meeting or activity, in the leg's zone.

Calendar clients keep an event by its UID and replace it when SEQUENCE goes up, so the UID comes
from the meeting's row and never changes, and cancelled meetings stay in the file with
STATUS:CANCELLED rather than vanishing (a vanished event lingers in some clients).

Times are written as wall-clock times with the TZID of their leg, and each zone used gets a
VTIMEZONE built from the tz database for the years the file covers. Morocco leaves UTC+1 for
UTC+0 around Ramadan on dates that change every year, so nothing here assumes a fixed offset.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard
from icalendar.prop import vCalAddress, vDuration, vText

from mission_app import labels
from mission_app.exporters import ExportedFile, filename_slug
from mission_app.services.agendas import Agenda, AgendaEntry, PersonRef
from mission_app.services.timezones import format_local

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Trade Mission Manager//Agendas 1.0//EN"
_DTSTAMP_LINE = re.compile(rb"^DTSTAMP:[^\r\n]*\r\n", re.MULTILINE)


@dataclass(frozen=True)
class ItipParties:
    """Who sends a scheduling message and to whom: RFC 5546 wants both on every event."""

    organizer_name: str
    organizer_email: str
    attendee_name: str
    attendee_email: str


def agenda_calendar(
    agenda: Agenda,
    *,
    calendar_name: str,
    feed_url: str | None = None,
    refresh_minutes: int = 60,
    method: str | None = None,
    parties: ItipParties | None = None,
) -> ExportedFile:
    """The agenda as an .ics file. DTSTAMP is the time of writing; everything else depends on
    the agenda only, so `content_etag` of two exports of the same agenda is the same.

    With `method` (REQUEST, CANCEL), a scheduling message for e-mail (RFC 5546): each event
    names `parties`' organizer and attendee."""
    stamp = datetime.now(UTC).replace(microsecond=0)
    with force_locale(agenda.locale):
        calendar = _calendar(agenda, calendar_name, feed_url, refresh_minutes)
        if method:
            calendar.add("METHOD", method)
        # Zones before the events that use them: RFC 5545 allows any order, older readers not.
        for timezone in _timezones(agenda.entries):
            calendar.add_component(timezone)
        for entry in agenda.entries:
            calendar.add_component(_event(agenda, entry, stamp, parties))
    return ExportedFile(
        content=calendar.to_ical(),
        content_type=CONTENT_TYPE,
        filename=f"{filename_slug(calendar_name)}.ics",
    )


def content_etag(content: bytes) -> str:
    """A digest of an .ics file that ignores DTSTAMP (the time it was written): it changes
    when, and only when, something a reader sees changes. Weak, since the bytes do differ."""
    return hashlib.sha256(_DTSTAMP_LINE.sub(b"", content)).hexdigest()[:40]


def calendar_name_for(agenda: Agenda, scope: str) -> str:
    """The name a calendar client shows for the feed: scope is person, organisation or
    programme. In the agenda's language, so that the portal, the organiser's downloads and the
    command line all write the same name."""
    with force_locale(agenda.locale):
        if scope == "programme":
            return _("%(mission)s — public programme", mission=agenda.mission_title)
        return f"{agenda.mission_title} — {agenda.holder}"


def _calendar(agenda: Agenda, name: str, feed_url: str | None, refresh_minutes: int) -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    # Given as vText: icalendar would write these two unescaped.
    calendar.add("NAME", vText(name))
    calendar.add("X-WR-CALNAME", vText(name))
    description = _(
        "%(mission)s, organised by %(organiser)s. Times are those of the city where each "
        "event takes place.",
        mission=agenda.mission_title,
        organiser=agenda.organiser or "—",
    )
    calendar.add("DESCRIPTION", description)
    calendar.add("X-WR-CALDESC", vText(description))
    refresh = timedelta(minutes=refresh_minutes)
    calendar.add("REFRESH-INTERVAL", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(refresh))
    if feed_url:
        calendar.add("SOURCE", feed_url, parameters={"VALUE": "URI"})
    return calendar


def _event(
    agenda: Agenda, entry: AgendaEntry, stamp: datetime, parties: ItipParties | None = None
) -> Event:
    event = Event()
    event.add("UID", entry.uid)
    event.add("DTSTAMP", stamp)
    event.add("SEQUENCE", entry.sequence)
    _add_time(event, "DTSTART", entry.start, entry.zone)
    _add_time(event, "DTEND", entry.end, entry.zone)
    cancelled = entry.status == "cancelled"
    summary = _summary(entry)
    # STATUS alone is not shown by every client: say it in the title too.
    event.add("SUMMARY", _("Cancelled: %(title)s", title=summary) if cancelled else summary)
    event.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("TRANSP", "TRANSPARENT" if cancelled else "OPAQUE")
    location = _location(entry)
    if location:
        event.add("LOCATION", location)
    event.add("DESCRIPTION", _description(agenda, entry))
    event.add("CATEGORIES", [_kind_label(entry.kind)])
    if parties:
        _add_parties(event, parties)
    return event


def _add_parties(event: Event, parties: ItipParties) -> None:
    organizer = vCalAddress(f"mailto:{parties.organizer_email}")
    organizer.params["CN"] = parties.organizer_name
    event.add("ORGANIZER", organizer)
    attendee = vCalAddress(f"mailto:{parties.attendee_email}")
    attendee.params.update(
        {
            "CN": parties.attendee_name,
            "ROLE": "REQ-PARTICIPANT",
            "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "FALSE",  # the organisers arranged it: no reply is expected
        }
    )
    event.add("ATTENDEE", attendee)


def _add_time(event: Event, name: str, value: datetime, zone: str) -> None:
    """Wall-clock time with the leg's TZID, or UTC (with Z) for an event without a leg. The
    TZID is set by hand: left to guess, icalendar writes Africa/Dakar (UTC+0 all year) as Z."""
    if zone == "UTC":
        event.add(name, value.astimezone(UTC))
        return
    local = value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    event.add(name, local, parameters={"TZID": zone})


def _kind_label(kind: str) -> str:
    if kind == "meeting":
        return _("B2B meeting")
    return str(labels.ACTIVITY_KIND_LABELS.get(kind, kind))


def _summary(entry: AgendaEntry) -> str:
    if entry.kind == "meeting":
        return _("B2B meeting: %(counterpart)s", counterpart=entry.counterpart)
    return entry.title


def _location(entry: AgendaEntry) -> str:
    place = entry.location
    if entry.table is not None:
        table = _("table %(number)s", number=entry.table)
        place = f"{place} ({table})" if place else table
    lines = (line.strip().rstrip(",;").strip() for line in entry.address.splitlines())
    address = ", ".join(line for line in lines if line)
    if entry.city and entry.city.casefold() not in address.casefold():
        address = f"{address}, {entry.city}" if address else entry.city
    return ", ".join(part for part in (place, address) if part)


def _person_line(person: PersonRef, with_organisation: bool) -> str:
    parts = [person.name, person.position]
    if with_organisation:
        parts.append(person.organisation)
    return "- " + ", ".join(part for part in parts if part)


def _description(agenda: Agenda, entry: AgendaEntry) -> str:
    lines: list[str] = []
    if entry.status == "cancelled":
        lines += [_("This meeting is cancelled."), ""]
    if entry.kind == "meeting":
        category = labels.CATEGORY_LABELS.get(entry.counterpart_category)
        heading = entry.counterpart + (f" ({category})" if category else "")
        lines.append(_("Meeting with %(counterpart)s", counterpart=heading))
        if entry.counterpart_description:
            lines.append(entry.counterpart_description)
        if entry.counterpart_people:
            lines += ["", _("Their participants:")]
            lines += [_person_line(p, with_organisation=False) for p in entry.counterpart_people]
        if entry.own_people:
            lines += ["", _("Our participants:")]
            lines += [_person_line(p, with_organisation=True) for p in entry.own_people]
    else:
        lines.append(_kind_label(entry.kind))
        if entry.own_people:
            lines += ["", _("Attending:")]
            lines += [_person_line(p, with_organisation=True) for p in entry.own_people]
    if entry.zone != "UTC":
        # Phones show events in the zone they are in; travellers also want the local time.
        hours = "{}–{}".format(
            format_local(entry.start, entry.zone, "time"),
            format_local(entry.end, entry.zone, "time"),
        )
        if agenda.locale == "ar":  # keep "09:00–09:30" left to right inside Arabic text
            hours = f"\u2066{hours}\u2069"
        times = f"{format_local(entry.start, entry.zone, 'date')}, {hours}"
        lines += ["", _("Local time in %(city)s: %(times)s", city=entry.city, times=times)]
    lines.append(agenda.mission_title)
    return "\n".join(lines)


def _timezones(entries: tuple[AgendaEntry, ...]) -> list[Timezone]:
    """One VTIMEZONE per zone used, covering whole years around every event in the file."""
    years: dict[str, set[int]] = {}
    for entry in entries:
        if entry.zone == "UTC":
            continue
        zone = ZoneInfo(entry.zone)
        for value in (entry.start, entry.end):
            years.setdefault(entry.zone, set()).add(value.astimezone(zone).year)
    return [_vtimezone(zone, min(found), max(found) + 1) for zone, found in sorted(years.items())]


@lru_cache(maxsize=64)
def _vtimezone(zone_name: str, first_year: int, end_year: int) -> Timezone:
    """Every offset change of the zone from 1 January of `first_year` to 1 January of
    `end_year`, read from the tz database. Each change is its own observance, whose DTSTART is
    the wall-clock time just before the change (RFC 5545 3.6.5), so that readers place it at
    the exact instant. Cached; never modified after it is built."""
    zone = ZoneInfo(zone_name)
    start = datetime(first_year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(end_year, 1, 1, tzinfo=zone).astimezone(UTC)
    timezone = Timezone()
    timezone.add("TZID", zone_name)
    first = start.astimezone(zone)
    timezone.add_component(
        _observance(first, first.utcoffset(), first.utcoffset(), first.replace(tzinfo=None))
    )
    for instant in _offset_changes(zone, start, end):
        before = (instant - timedelta(seconds=1)).astimezone(zone).utcoffset()
        after = instant.astimezone(zone)
        onset = (instant + before).replace(tzinfo=None)
        timezone.add_component(_observance(after, before, after.utcoffset(), onset))
    return timezone


def _observance(local: datetime, offset_from, offset_to, onset: datetime):
    observance = TimezoneStandard() if not local.dst() else TimezoneDaylight()
    observance.add("DTSTART", onset)
    observance.add("TZOFFSETFROM", offset_from)
    observance.add("TZOFFSETTO", offset_to)
    observance.add("TZNAME", local.tzname() or "")
    return observance


def _offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The UTC instants in [start, end) where the zone's offset changes. Offsets hold for
    weeks at least, so a daily walk finds each change, and halving finds its second."""
    changes = []
    day = timedelta(days=1)
    low = start
    while low < end:
        high = min(low + day, end)
        if low.astimezone(zone).utcoffset() != high.astimezone(zone).utcoffset():
            a, b = low, high
            while b - a > timedelta(seconds=1):
                middle = a + (b - a) / 2
                middle = middle.replace(microsecond=0)
                if middle.astimezone(zone).utcoffset() == a.astimezone(zone).utcoffset():
                    a = middle
                else:
                    b = middle
            changes.append(b)
        low = high
    return changes
