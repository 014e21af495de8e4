"""The mission report, as plain data for the page, the PDF and the workbook.

What it counts:
- every meeting of the working schedule, by the country where it took place (its leg's
  country), by the category of the counterpart (the host), and by delegation firm; for each,
  how many were held, no-show, not recorded and cancelled;
- the rate of meetings held, held ÷ (held + no-show): computed only on the meetings whose
  outcome was recorded, so that meetings nobody marked neither help nor hurt it, and cancelled
  meetings are left out (they were not expected to take place);
- follow-ups by stage, with estimated values totalled per currency, never across currencies.

Labels are worded once here, in the report's language, so that the exporters only lay out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from babel import Locale
from flask_babel import force_locale, format_percent, get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mission_app import labels
from mission_app.extensions import db
from mission_app.models import Leg, Meeting, MeetingRequest, Mission, Organisation, Venue
from mission_app.models.followups import CURRENCIES, FOLLOW_UP_STAGES
from mission_app.models.participants import HOST_CATEGORIES
from mission_app.services.followups import totals_by_currency
from mission_app.services.outcomes import day_state


@dataclass(frozen=True)
class OutcomeCounts:
    held: int = 0
    no_show: int = 0
    pending: int = 0  # on the schedule, outcome not recorded
    cancelled: int = 0

    @property
    def scheduled(self) -> int:
        """Meetings still on the schedule: held, no-show or not recorded."""
        return self.held + self.no_show + self.pending

    @property
    def recorded(self) -> int:
        """The meetings the rate is computed on."""
        return self.held + self.no_show

    @property
    def rate(self) -> float | None:
        """held ÷ (held + no-show); None while no outcome is recorded."""
        return self.held / self.recorded if self.recorded else None

    def add(self, state: str) -> OutcomeCounts:
        values = {
            "held": self.held,
            "no_show": self.no_show,
            "pending": self.pending,
            "cancelled": self.cancelled,
        }
        values[state] += 1
        return OutcomeCounts(**values)


@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    counts: OutcomeCounts


@dataclass(frozen=True)
class StageRow:
    stage: str
    label: str
    count: int
    without_value: int
    totals: dict[str, Decimal]  # per currency that has a value


@dataclass(frozen=True)
class MeetingLine:
    """One meeting, for the workbook's detail sheet."""

    start: datetime
    zone: str
    city: str
    country: str  # label
    venue: str
    table: int
    delegation: str
    host: str
    category: str  # label
    state: str  # label
    stage: str  # label, or ""


@dataclass(frozen=True)
class FollowUpLine:
    start: datetime
    zone: str
    city: str
    delegation: str
    host: str
    stage: str  # label
    estimated_value: Decimal | None
    currency: str | None
    notes: str


@dataclass(frozen=True)
class MissionReport:
    mission_id: int
    mission_title: str
    organiser: str
    locale: str
    generated_at: datetime
    cities: tuple[str, ...]
    totals: OutcomeCounts
    by_country: tuple[CountRow, ...]
    by_category: tuple[CountRow, ...]
    by_firm: tuple[CountRow, ...]
    stages: tuple[StageRow, ...]
    follow_up_totals: dict[str, Decimal]  # per currency
    follow_up_count: int
    meetings: tuple[MeetingLine, ...] = field(default_factory=tuple)
    follow_ups: tuple[FollowUpLine, ...] = field(default_factory=tuple)

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currencies that have at least one value, in the order MAD, XOF, MRU."""
        return tuple(self.follow_up_totals)

    @property
    def all_currencies(self) -> tuple[str, ...]:
        return CURRENCIES

    @property
    def rate_basis(self) -> str:
        """What the rate is computed on, in words, in the report's language."""
        with force_locale(self.locale):
            return _(
                "Held ÷ (held + no-show), computed on the meetings whose outcome was recorded "
                "(%(recorded)d). Left out: meetings not recorded, %(pending)d; cancelled "
                "meetings, %(cancelled)d.",
                recorded=self.totals.recorded,
                pending=self.totals.pending,
                cancelled=self.totals.cancelled,
            )


def format_rate(rate: float | None) -> str:
    """87.5 % in the reader's language (one decimal); an em dash while there is no rate."""
    if rate is None:
        return "—"
    locale = get_locale() or Locale.parse("fr")
    pattern = locale.percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)
    return format_percent(rate, pattern)


def country_name(code: str, locale: str) -> str:
    """The country's name in the report's language: our own labels first, then Babel's."""
    if code in labels.COUNTRY_LABELS:
        return str(labels.COUNTRY_LABELS[code])
    return Locale.parse(locale).territories.get(code.upper(), code)


def _rows(counts: dict[str, OutcomeCounts], label_of, order=None) -> tuple[CountRow, ...]:
    rows = [CountRow(key, label_of(key), value) for key, value in counts.items()]
    if order is not None:
        rows.sort(key=lambda row: order.index(row.key) if row.key in order else len(order))
    else:
        # Most meetings first; equal ones by name.
        rows.sort(key=lambda row: (-row.counts.scheduled, -row.counts.cancelled, row.label))
    return tuple(rows)


def build_report(mission: Mission, locale: str, *, now: datetime | None = None) -> MissionReport:
    """Everything the report shows, worded in `locale`, loaded in a fixed number of queries."""
    meetings = (
        db.session.scalars(
            select(Meeting)
            .where(Meeting.mission_id == mission.id)
            .options(
                joinedload(Meeting.request).joinedload(MeetingRequest.delegation),
                joinedload(Meeting.request).joinedload(MeetingRequest.host),
                joinedload(Meeting.venue).joinedload(Venue.leg),
                selectinload(Meeting.follow_up),
            )
            .order_by(Meeting.start_at, Meeting.table_number, Meeting.id)
        )
        .unique()
        .all()
    )
    # Every delegation firm has a row, even one that got no meeting: the report shows it.
    firms = db.session.execute(
        select(Organisation.id, Organisation.name).where(
            Organisation.mission_id == mission.id, Organisation.side == "delegation"
        )
    ).all()
    cities = tuple(
        db.session.scalars(
            select(Leg.city).where(Leg.mission_id == mission.id).order_by(Leg.position, Leg.id)
        )
    )
    with force_locale(locale):
        totals = OutcomeCounts()
        by_country: dict[str, OutcomeCounts] = defaultdict(OutcomeCounts)
        by_category: dict[str, OutcomeCounts] = defaultdict(OutcomeCounts)
        by_firm: dict[str, OutcomeCounts] = defaultdict(OutcomeCounts)
        firm_names = {str(firm_id): name for firm_id, name in firms}
        for firm_key in firm_names:
            by_firm[firm_key] = OutcomeCounts()
        stage_rows: dict[str, list] = {stage: [] for stage in FOLLOW_UP_STAGES}
        meeting_lines = []
        follow_up_lines = []
        state_labels = {key: str(value) for key, value in labels.OUTCOME_LABELS.items()}
        stage_labels = {key: str(value) for key, value in labels.STAGE_LABELS.items()}
        category_labels = {key: str(value) for key, value in labels.CATEGORY_LABELS.items()}
        for meeting in meetings:
            state = day_state(meeting)
            request = meeting.request
            leg = meeting.venue.leg
            totals = totals.add(state)
            by_country[leg.country] = by_country[leg.country].add(state)
            by_category[request.host.category] = by_category[request.host.category].add(state)
            firm_key = str(request.delegation_id)
            firm_names[firm_key] = request.delegation.name
            by_firm[firm_key] = by_firm[firm_key].add(state)
            follow_up = meeting.follow_up
            meeting_lines.append(
                MeetingLine(
                    start=meeting.start_at,
                    zone=leg.timezone,
                    city=leg.city,
                    country=country_name(leg.country, locale),
                    venue=meeting.venue.name,
                    table=meeting.table_number,
                    delegation=request.delegation.name,
                    host=request.host.name,
                    category=category_labels.get(request.host.category, request.host.category),
                    state=state_labels[state],
                    stage=stage_labels[follow_up.stage] if follow_up else "",
                )
            )
            if follow_up is not None:
                stage_rows[follow_up.stage].append(follow_up)
                follow_up_lines.append(
                    FollowUpLine(
                        start=meeting.start_at,
                        zone=leg.timezone,
                        city=leg.city,
                        delegation=request.delegation.name,
                        host=request.host.name,
                        stage=stage_labels[follow_up.stage],
                        estimated_value=follow_up.estimated_value,
                        currency=follow_up.currency,
                        notes=follow_up.notes,
                    )
                )
        all_follow_ups = [f for rows in stage_rows.values() for f in rows]
        return MissionReport(
            mission_id=mission.id,
            mission_title=mission.title,
            organiser=mission.organiser,
            locale=locale,
            generated_at=now or datetime.now(UTC),
            cities=cities,
            totals=totals,
            by_country=_rows(by_country, lambda code: country_name(code, locale)),
            by_category=_rows(
                by_category, lambda key: category_labels.get(key, key), list(HOST_CATEGORIES)
            ),
            by_firm=_rows(by_firm, firm_names.__getitem__),
            stages=tuple(
                StageRow(
                    stage=stage,
                    label=stage_labels[stage],
                    count=len(rows),
                    without_value=sum(1 for f in rows if f.estimated_value is None),
                    totals=totals_by_currency((f.estimated_value, f.currency) for f in rows),
                )
                for stage, rows in stage_rows.items()
            ),
            follow_up_totals=totals_by_currency(
                (f.estimated_value, f.currency) for f in all_follow_ups
            ),
            follow_up_count=len(all_follow_ups),
            meetings=tuple(meeting_lines),
            follow_ups=tuple(follow_up_lines),
        )
