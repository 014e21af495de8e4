"""Documents for organisers and participants: what each PDF holds, as plain data, and the
"all agendas" ZIP built in the background.

Agendas come from services/agendas.py. Door sheets, the master grid and the booklet need more
than one agenda: they are loaded here in a fixed number of queries, whatever the mission's size.
The master grid reuses the on-screen grid (services/schedule_grid.py), so that paper and screen
show the same columns and cells.
"""

from __future__ import annotations

import os
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from mission_app.exporters import ExportedFile, filename_slug
from mission_app.exporters import pdf as pdf_exporter
from mission_app.extensions import db
from mission_app.models import (
    DocumentBatch,
    Leg,
    Meeting,
    MeetingRequest,
    Mission,
    Organisation,
    Person,
    User,
    Venue,
)
from mission_app.models.meetings import meeting_people_loaders
from mission_app.models.types import utcnow
from mission_app.services import agendas, schedule_grid
from mission_app.services.errors import NotFound, ValidationFailed

ALL_AGENDAS = "all_agendas"
BATCH_FOLDER = "documents"
STALE_BATCH_AFTER = timedelta(minutes=30)

# The portal link of a person, or None when their link is revoked. Built by the caller, which
# knows the site's address (a request, or PUBLIC_BASE_URL for the CLI and the job).
PortalUrl = Callable[[Person], "str | None"]


def _local_day(value: datetime, zone: str) -> date:
    return value.astimezone(ZoneInfo(zone)).date()


def _noon(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(zone))


# ----- the documents page ------------------------------------------------------------------------


@dataclass(frozen=True)
class TableDay:
    venue: Venue
    table: int
    day: date
    noon: datetime
    meetings: int


@dataclass(frozen=True)
class LegDay:
    leg: Leg
    day: date
    noon: datetime
    meetings: int


@dataclass(frozen=True)
class DocumentsIndex:
    organisations: list[Organisation]  # delegation first, then hosts; people loaded
    door_sheets: list[TableDay]  # every table of every day with meetings or windows
    grids: list[LegDay]
    meeting_counts: dict[int, int]  # organisation id -> scheduled meetings
    latest_batch: DocumentBatch | None


def documents_index(mission: Mission) -> DocumentsIndex:
    """Everything the documents page links to, in five queries."""
    organisations = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.mission_id == mission.id)
            .options(selectinload(Organisation.people))
            .order_by(Organisation.side, func.lower(Organisation.name), Organisation.id)
        )
    )
    organisations.sort(key=lambda o: (o.side != "delegation", o.name.lower()))
    legs = list(
        db.session.scalars(
            select(Leg)
            .where(Leg.mission_id == mission.id)
            .options(selectinload(Leg.venues), selectinload(Leg.windows))
            .order_by(Leg.position, Leg.id)
        )
    )
    rows = db.session.execute(
        select(
            Meeting.venue_id,
            Meeting.table_number,
            Meeting.start_at,
            MeetingRequest.delegation_id,
            MeetingRequest.host_id,
        )
        .join(MeetingRequest, Meeting.request_id == MeetingRequest.id)
        .where(Meeting.mission_id == mission.id, Meeting.status == "scheduled")
    ).all()
    venue_zone = {v.id: leg.timezone for leg in legs for v in leg.venues}
    per_table: dict[tuple[int, int, date], int] = defaultdict(int)
    meeting_counts: dict[int, int] = defaultdict(int)
    for venue_id, table, start, delegation_id, host_id in rows:
        per_table[(venue_id, table, _local_day(start, venue_zone[venue_id]))] += 1
        meeting_counts[delegation_id] += 1
        meeting_counts[host_id] += 1
    door_sheets, grids = [], []
    for leg in legs:
        zone = leg.timezone
        window_days: dict[int, set[date]] = defaultdict(set)
        for window in leg.windows:
            window_days[window.venue_id].add(_local_day(window.start_at, zone))
        leg_days: dict[date, int] = defaultdict(int)
        for venue in leg.venues:
            days = set(window_days[venue.id]) | {d for (v, _t, d) in per_table if v == venue.id}
            tables = max(
                [venue.tables, *(t for (v, t, _d) in per_table if v == venue.id)], default=0
            )
            for day in sorted(days):
                leg_days.setdefault(day, 0)
                for table in range(1, tables + 1):
                    count = per_table.get((venue.id, table, day), 0)
                    leg_days[day] += count
                    door_sheets.append(TableDay(venue, table, day, _noon(day, zone), count))
        grids += [LegDay(leg, d, _noon(d, zone), n) for d, n in sorted(leg_days.items())]
    return DocumentsIndex(
        organisations=organisations,
        door_sheets=door_sheets,
        grids=grids,
        meeting_counts=dict(meeting_counts),
        latest_batch=latest_batch(mission),
    )


# ----- agendas -----------------------------------------------------------------------------------


def get_person(mission: Mission, person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None or person.mission_id != mission.id:
        raise NotFound(f"person {person_id}")
    return person


def get_person_by_key(mission: Mission, key: str) -> Person:
    person = db.session.scalar(
        select(Person).where(Person.mission_id == mission.id, Person.key == key)
    )
    if person is None:
        raise NotFound(f"person {key}")
    return person


def get_organisation(mission: Mission, organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.mission_id != mission.id:
        raise NotFound(f"organisation {organisation_id}")
    return organisation


def person_agenda_file(
    mission: Mission, person: Person, portal_url: PortalUrl, *, source: agendas.Source
) -> ExportedFile:
    """The personal agenda PDF: the same bytes for the portal, the CLI and the ZIP (published
    schedule) when the site's address is the same; organisers may ask for the working one."""
    return pdf_exporter.person_agenda_pdf(
        agendas.person_agenda(mission, person, source=source), portal_url=portal_url(person)
    )


def person_agenda_files(
    mission: Mission, people: list[Person], portal_url: PortalUrl, *, source: agendas.Source
) -> Iterator[tuple[Person, ExportedFile]]:
    """Many personal agenda PDFs, the data of all of them loaded at once (for the ZIP)."""
    by_person = agendas.person_agendas(mission, people, source=source)
    for person in people:
        yield (
            person,
            pdf_exporter.person_agenda_pdf(by_person[person.id], portal_url=portal_url(person)),
        )


def organisation_agenda_file(
    mission: Mission, organisation: Organisation, portal_url: PortalUrl, *, source: agendas.Source
) -> ExportedFile:
    people = sorted(organisation.people, key=lambda p: p.name.lower())
    links = [
        pdf_exporter.PersonLink(
            agendas.PersonRef(p.name, p.position, organisation.name), portal_url(p)
        )
        for p in people
    ]
    return pdf_exporter.organisation_agenda_pdf(
        agendas.organisation_agenda(mission, organisation, source=source),
        side=organisation.side,
        people=links,
    )


# ----- door sheets, master grid, booklet ----------------------------------------------------------


def _people_names(request: MeetingRequest) -> tuple[str, ...]:
    attendees = request.attendees or [*request.delegation.people, *request.host.people]
    ordered = sorted(attendees, key=lambda p: (p.organisation_id != request.delegation_id, p.name))
    return tuple(p.name for p in ordered)


def door_sheet(mission: Mission, venue_id: int, table: int, day: date) -> pdf_exporter.DoorSheet:
    """The meetings at one table on one day, in its leg's zone. NotFound outside the mission."""
    venue = db.session.scalar(
        select(Venue)
        .where(Venue.id == venue_id, Venue.mission_id == mission.id)
        .options(selectinload(Venue.leg))
    )
    if venue is None or table < 1:
        raise NotFound(f"venue {venue_id}")
    zone = venue.leg.timezone
    meetings = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.mission_id == mission.id,
            Meeting.venue_id == venue.id,
            Meeting.table_number == table,
            Meeting.status == "scheduled",
        )
        .options(
            *meeting_people_loaders(),
        )
        .order_by(Meeting.start_at, Meeting.id)
    )
    slots = tuple(
        pdf_exporter.DoorSlot(
            m.start_at,
            m.end_at,
            m.request.delegation.name,
            m.request.host.name,
            _people_names(m.request),
        )
        for m in meetings
        if _local_day(m.start_at, zone) == day
    )
    return pdf_exporter.DoorSheet(
        mission_title=mission.title,
        locale=mission.locale,
        venue=venue.name,
        address=venue.address,
        city=venue.leg.city,
        zone=zone,
        table=table,
        day=day,
        noon=_noon(day, zone),
        slots=slots,
    )


def _slot(m: schedule_grid.GridMeeting) -> pdf_exporter.DoorSlot:
    return pdf_exporter.DoorSlot(
        m.meeting.start_at,
        m.meeting.end_at,
        m.delegation.name,
        m.host.name,
        tuple(ref.name for ref in m.people),
    )


def master_grid(mission: Mission, leg_id: int, day: date) -> pdf_exporter.MasterGrid:
    """The leg's day as the organiser's grid shows it, as plain data for the PDF."""
    grid = schedule_grid.load_grid(mission, leg_id, day)
    venues = tuple(
        pdf_exporter.VenueGrid(
            venue=v.venue.name,
            address=v.venue.address,
            columns=tuple(pdf_exporter.GridColumn(c.start, c.end, c.is_break) for c in v.columns),
            rows=tuple(
                pdf_exporter.GridRow(
                    row.table,
                    tuple(
                        pdf_exporter.GridCell(
                            cell.colspan,
                            tuple(_slot(m) for m in cell.meetings),
                            bool(cell.column and cell.column.is_break),
                        )
                        for cell in row.cells
                    ),
                )
                for row in v.rows
            ),
        )
        for v in grid.venues
    )
    zone = grid.zone
    activities = tuple(
        agendas.AgendaEntry(
            uid=f"activity-{a.id}",
            kind=a.kind,
            title=a.title,
            start=a.start_at,
            end=a.end_at,
            zone=zone,
            city=grid.leg.city,
            location=a.location,
            address=a.address,
        )
        for a in grid.activities
    )
    return pdf_exporter.MasterGrid(
        mission_title=mission.title,
        locale=mission.locale,
        city=grid.leg.city,
        zone=zone,
        day=day,
        noon=_noon(day, zone),
        venues=venues,
        off_grid=tuple(_slot(m) for m in grid.off_grid),
        activities=activities,
        meeting_count=len(grid.meetings),
    )


def booklet(mission: Mission) -> pdf_exporter.Booklet:
    """The public programme, then the delegation's firms, then the hosts leg by leg."""
    legs = list(
        db.session.scalars(
            select(Leg).where(Leg.mission_id == mission.id).order_by(Leg.position, Leg.id)
        )
    )
    organisations = db.session.scalars(
        select(Organisation)
        .where(Organisation.mission_id == mission.id)
        .options(selectinload(Organisation.people))
    ).all()
    counts = documents_meeting_counts(mission)
    leg_by_id = {leg.id: leg for leg in legs}

    def home_leg(o: Organisation) -> Leg | None:
        if o.leg_id is not None:
            return leg_by_id.get(o.leg_id)
        return next((leg for leg in legs if leg.country == o.country), None)

    def profile(o: Organisation) -> pdf_exporter.OrganisationProfile:
        leg = home_leg(o) if o.side == "host" else None
        return pdf_exporter.OrganisationProfile(
            name=o.name,
            side=o.side,
            category=o.category,
            country=o.country,
            city=leg.city if leg else "",
            sectors=tuple(o.sectors or ()),
            description=o.description,
            people=tuple(
                agendas.PersonRef(p.name, p.position, o.name, p.email, p.phone)
                for p in sorted(o.people, key=lambda p: p.name.lower())
            ),
            meeting_count=counts.get(o.id, 0),
        )

    by_name = sorted(organisations, key=lambda o: o.name.lower())
    sections = [
        pdf_exporter.BookletSection(
            "delegation", "", tuple(profile(o) for o in by_name if o.side == "delegation")
        )
    ]
    hosts_by_leg: dict[int | None, list[Organisation]] = defaultdict(list)
    for o in by_name:
        if o.side == "host":
            leg = home_leg(o)
            hosts_by_leg[leg.id if leg else None].append(o)
    for leg in [*legs, None]:
        hosts = hosts_by_leg.get(leg.id if leg else None)
        if hosts:
            sections.append(
                pdf_exporter.BookletSection(
                    "host", leg.city if leg else "", tuple(map(profile, hosts))
                )
            )
    return pdf_exporter.Booklet(
        programme=agendas.programme_agenda(mission),
        description=mission.description,
        sections=tuple(s for s in sections if s.organisations),
    )


def documents_meeting_counts(mission: Mission) -> dict[int, int]:
    """Scheduled meetings per organisation, in one query."""
    counts: dict[int, int] = defaultdict(int)
    rows = db.session.execute(
        select(MeetingRequest.delegation_id, MeetingRequest.host_id)
        .join(Meeting, Meeting.request_id == MeetingRequest.id)
        .where(Meeting.mission_id == mission.id, Meeting.status == "scheduled")
    ).all()
    for delegation_id, host_id in rows:
        counts[delegation_id] += 1
        counts[host_id] += 1
    return dict(counts)


# ----- "all agendas" as one ZIP, built in the background -----------------------------------------


def latest_batch(mission: Mission) -> DocumentBatch | None:
    return db.session.scalar(
        select(DocumentBatch)
        .where(DocumentBatch.mission_id == mission.id, DocumentBatch.kind == ALL_AGENDAS)
        .options(selectinload(DocumentBatch.created_by))
        .order_by(DocumentBatch.id.desc())
        .limit(1)
    )


def get_batch(mission: Mission, batch_id: int) -> DocumentBatch:
    batch = db.session.get(
        DocumentBatch, batch_id, options=[selectinload(DocumentBatch.created_by)]
    )
    if batch is None or batch.mission_id != mission.id:
        raise NotFound(f"document batch {batch_id}")
    return batch


def start_agenda_batch(actor: User | None, mission: Mission) -> DocumentBatch:
    """A queued batch of every personal agenda. The caller enqueues the job once committed."""
    active = db.session.scalars(
        select(DocumentBatch).where(
            DocumentBatch.mission_id == mission.id,
            DocumentBatch.kind == ALL_AGENDAS,
            DocumentBatch.status.in_(("queued", "running")),
        )
    ).all()
    for batch in active:
        # A batch that never finished (worker stopped, job lost) must not block the next one.
        if utcnow() - batch.created_at > STALE_BATCH_AFTER:
            batch.status, batch.finished_at = "failed", utcnow()
            batch.error = "abandoned: no result after 30 minutes"
        else:
            raise ValidationFailed(_l("The agendas are already being prepared."))
    total = db.session.scalar(select(func.count(Person.id)).where(Person.mission_id == mission.id))
    if not total:
        raise ValidationFailed(_l("This mission has nobody yet: there is no agenda to prepare."))
    batch = DocumentBatch(
        mission_id=mission.id,
        created_by_id=actor.id if actor else None,
        kind=ALL_AGENDAS,
        total_count=total,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def batch_people(mission: Mission) -> list[Person]:
    """Everyone who gets an agenda, organisation by organisation."""
    return list(
        db.session.scalars(
            select(Person)
            .join(Organisation, Person.organisation_id == Organisation.id)
            .where(Person.mission_id == mission.id)
            .options(selectinload(Person.organisation))
            .order_by(
                Organisation.side, func.lower(Organisation.name), func.lower(Person.name), Person.id
            )
        )
    )


def zip_member_name(person: Person, taken: set[str]) -> str:
    """<organisation>/<person>.pdf, ASCII, unique within the archive."""
    folder = filename_slug(person.organisation.name)
    base = f"{folder}/{filename_slug(person.name)}"
    name, n = f"{base}.pdf", 2
    while name in taken:
        name, n = f"{base}-{n}.pdf", n + 1
    taken.add(name)
    return name


def batch_file_path(batch: DocumentBatch) -> str:
    """Where the batch's ZIP lies, relative to the instance folder."""
    return f"{BATCH_FOLDER}/mission-{batch.mission_id}-agendas-{batch.id}.zip"


def batch_download_name(mission: Mission) -> str:
    return f"agendas-{filename_slug(mission.title)}.zip"


def open_batch_zip(instance_path: str, batch: DocumentBatch) -> zipfile.ZipFile:
    """A new archive for the batch, written to a temporary name until `finish_batch_zip`."""
    final = Path(instance_path) / batch_file_path(batch)
    final.parent.mkdir(parents=True, exist_ok=True)
    return zipfile.ZipFile(f"{final}.part", "w", compression=zipfile.ZIP_STORED)


def finish_batch_zip(instance_path: str, batch: DocumentBatch, archive: zipfile.ZipFile) -> None:
    archive.close()
    final = Path(instance_path) / batch_file_path(batch)
    os.replace(f"{final}.part", final)
    batch.file_path = batch_file_path(batch)
    batch.status, batch.finished_at = "done", utcnow()
    db.session.flush()


def batch_file(instance_path: str, batch: DocumentBatch) -> Path:
    """The finished ZIP on disk; NotFound while it is not ready or after it was removed."""
    if batch.status != "done" or not batch.file_path:
        raise NotFound(f"document batch {batch.id} file")
    path = (Path(instance_path) / batch.file_path).resolve()
    if not path.is_relative_to(Path(instance_path).resolve()) or not path.is_file():
        raise NotFound(f"document batch {batch.id} file")
    return path


__all__ = [
    "ALL_AGENDAS",
    "DocumentsIndex",
    "LegDay",
    "TableDay",
    "batch_file",
    "batch_people",
    "booklet",
    "door_sheet",
    "documents_index",
    "get_batch",
    "get_organisation",
    "get_person",
    "get_person_by_key",
    "latest_batch",
    "master_grid",
    "organisation_agenda_file",
    "person_agenda_file",
    "person_agenda_files",
    "start_agenda_batch",
    "zip_member_name",
]
