"""What came of each meeting after the mission: a lead, a proposal or a contract, with notes and
an estimated value in Moroccan dirham (MAD), CFA franc (XOF) or Mauritanian ouguiya (MRU).

Values in different currencies are never added together: every total is per currency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.numbers import get_decimal_symbol
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from mission_app.extensions import db
from mission_app.models import Meeting, MeetingRequest, Mission, Organisation, User, Venue
from mission_app.models.followups import CURRENCIES, FOLLOW_UP_STAGES, FollowUp
from mission_app.services.errors import NotFound, ValidationFailed
from mission_app.services.meeting_edits import lock_mission

MAX_NOTES = 5000
# Numeric(14, 2): twelve digits before the decimal mark.
MAX_VALUE = Decimal("999999999999.99")
CENT = Decimal("0.01")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def format_amount(value: Decimal | None) -> str:
    """An amount in the reader's language: '12 500' when whole, else '12 500,50'."""
    if value is None:
        return ""
    whole = value == int(value)
    return format_decimal(value, format="#,##0" if whole else "#,##0.00")


def input_amount(value: Decimal | None) -> str:
    """An amount as the form shows it back, for `parse_amount` to read the same in every
    language: thousands grouped by spaces, the reader's decimal comma or point, '12 500' when
    whole. Never '12,500', which the English format gives and which reads as decimals."""
    if value is None:
        return ""
    whole = value == int(value)
    grouped = f"{value:,.0f}" if whole else f"{value:,.2f}"  # 12,500.50
    mark = "," if get_decimal_symbol(get_locale()) == "," else "."
    return grouped.replace(",", " ").replace(".", mark)


def follow_up_version(follow_up: FollowUp | None) -> str:
    """What a form keeps to tell whether the follow-up changed since it was shown: its last
    change to the microsecond, "" when there is none yet."""
    if follow_up is None or follow_up.updated_at is None:
        return ""
    return follow_up.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def format_money(value: Decimal | None, currency: str | None) -> str:
    """'12 500,50 MAD' in the reader's language; the ISO code, never a symbol, so that the
    three currencies cannot be mistaken for one another."""
    if value is None or currency is None:
        return ""
    return f"{format_amount(value)}\u00a0{currency}"


def parse_amount(text: str | None) -> Decimal | None:
    """An amount as people type it: '12 500,50', '12500.5', '12.500,50', '12,500.50'.

    Empty: None. Refused with a reason under `estimated_value`: text that is not a number,
    a negative number, more than two decimals, more than twelve digits before the mark.
    """
    text = _SPACES.sub("", text or "")
    if not text:
        return None
    if "," in text and "." in text:
        # The mark that comes last separates the decimals; the other groups thousands.
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        text = text.replace(grouping, "").replace(decimal_mark, ".")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise ValidationFailed(
            {"estimated_value": [_l("The estimated value must be a number, such as 12 500,50.")]}
        )
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above lets only numbers through
        raise ValidationFailed(
            {"estimated_value": [_l("The estimated value must be a number, such as 12 500,50.")]}
        ) from None
    if value < 0:
        raise ValidationFailed({"estimated_value": [_l("The estimated value cannot be negative.")]})
    if "." in text and len(text.split(".")[1]) > 2:
        # "12,500" or "12.500": thousands for some, decimals for others. Refused, not guessed.
        raise ValidationFailed(
            {
                "estimated_value": [
                    _l(
                        "Write the estimated value with at most two decimals, and thousands "
                        "separated by spaces or not at all: 12 500 or 12500,50."
                    )
                ]
            }
        )
    if value > MAX_VALUE:
        raise ValidationFailed(
            {"estimated_value": [_l("The estimated value is too large for a single deal.")]}
        )
    return value.quantize(CENT)


@dataclass(frozen=True)
class FollowUpInput:
    stage: str
    notes: str = ""
    estimated_value: str = ""  # as typed
    currency: str = ""  # "" for none
    # follow_up_version() of the follow-up the form showed ("" for none); None: not checked
    seen_version: str | None = None


def _check(data: FollowUpInput) -> tuple[str, str, Decimal | None, str | None]:
    errors: dict[str, list] = {}
    stage = (data.stage or "").strip()
    if stage not in FOLLOW_UP_STAGES:
        errors["stage"] = [_l("Choose the stage: lead, proposal or contract.")]
    notes = (data.notes or "").replace("\r\n", "\n").strip()
    if len(notes) > MAX_NOTES:
        errors["notes"] = [_l("The notes are too long: %(max)d characters at most.", max=MAX_NOTES)]
    currency = (data.currency or "").strip().upper() or None
    if currency is not None and currency not in CURRENCIES:
        errors["currency"] = [_l("The currency must be MAD, XOF or MRU.")]
    value = None
    try:
        value = parse_amount(data.estimated_value)
    except ValidationFailed as failure:
        errors.update(failure.errors)
    else:
        if value is not None and currency is None and "currency" not in errors:
            errors["currency"] = [
                _l("Choose the currency of the estimated value: MAD, XOF or MRU.")
            ]
        if value is None and currency is not None:
            errors["estimated_value"] = [
                _l(
                    "Enter the estimated value in %(currency)s, or choose no currency.",
                    currency=currency,
                )
            ]
    if errors:
        raise ValidationFailed(errors)
    return stage, notes, value, currency


def _meeting(mission: Mission, meeting_id: int) -> Meeting:
    meeting = db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id, Meeting.mission_id == mission.id)
        .options(selectinload(Meeting.follow_up))
    )
    if meeting is None:
        raise NotFound(f"meeting {meeting_id}")
    return meeting


def save_follow_up(mission: Mission, actor: User, meeting_id: int, data: FollowUpInput) -> FollowUp:
    """Create or replace the follow-up of one of the mission's meetings. Nothing is written
    unless every field is right."""
    stage, notes, value, currency = _check(data)
    # Two organisers saving the first follow-up of one meeting at once: the second replaces the
    # first instead of hitting the one-per-meeting rule.
    lock_mission(mission)
    meeting = _meeting(mission, meeting_id)
    follow_up = meeting.follow_up
    if data.seen_version is not None:
        stored = db.session.scalar(  # as stored now, after the lock
            select(FollowUp)
            .where(FollowUp.meeting_id == meeting.id)
            .execution_options(populate_existing=True)
        )
        if follow_up_version(stored) != data.seen_version:
            raise ValidationFailed(
                _l("This follow-up was changed by someone else in the meantime: reload the page.")
            )
    if follow_up is None:
        follow_up = FollowUp(meeting_id=meeting.id)
        db.session.add(follow_up)
    follow_up.stage = stage
    follow_up.notes = notes
    follow_up.estimated_value = value
    follow_up.currency = currency
    follow_up.updated_by_id = actor.id
    db.session.flush()
    return follow_up


def delete_follow_up(mission: Mission, actor: User, meeting_id: int) -> bool:
    """Remove a meeting's follow-up; False if it had none."""
    meeting = _meeting(mission, meeting_id)
    if meeting.follow_up is None:
        return False
    meeting.follow_up = None  # delete-orphan: the row goes, and the meeting in memory knows
    db.session.flush()
    return True


# ----- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingRef:
    """A meeting as a follow-up row shows it."""

    id: int
    start: object  # datetime (UTC)
    zone: str
    city: str
    delegation_id: int
    delegation: str
    host: str
    host_category: str
    status: str
    outcome: str | None

    @property
    def day(self) -> date:
        return self.start.astimezone(ZoneInfo(self.zone)).date()


@dataclass(frozen=True)
class FollowUpRow:
    meeting: MeetingRef
    stage: str
    notes: str
    estimated_value: Decimal | None
    currency: str | None
    updated_at: object
    updated_by: str


@dataclass
class FollowUpList:
    rows: list[FollowUpRow]
    firms: list[Organisation]  # the mission's delegation firms, for the filter
    firm_id: int | None
    stage: str | None
    totals: dict[str, Decimal]  # per currency, over `rows`, currencies in CURRENCIES order
    without_value: int  # rows with no estimated value
    to_follow: list[MeetingRef] = field(default_factory=list)  # held, no follow-up yet

    @property
    def stage_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(FOLLOW_UP_STAGES, 0)
        for row in self.rows:
            counts[row.stage] += 1
        return counts


def totals_by_currency(values) -> dict[str, Decimal]:
    """Sum (value, currency) pairs per currency, in the order MAD, XOF, MRU; a currency with no
    value is left out. Values of different currencies are never added together."""
    totals: dict[str, Decimal] = {}
    for value, currency in values:
        if value is not None and currency is not None:
            totals[currency] = totals.get(currency, Decimal("0.00")) + value
    return {currency: totals[currency] for currency in CURRENCIES if currency in totals}


def _meeting_ref(meeting: Meeting) -> MeetingRef:
    leg = meeting.venue.leg
    return MeetingRef(
        id=meeting.id,
        start=meeting.start_at,
        zone=leg.timezone,
        city=leg.city,
        delegation_id=meeting.request.delegation_id,
        delegation=meeting.request.delegation.name,
        host=meeting.request.host.name,
        host_category=meeting.request.host.category,
        status=meeting.status,
        outcome=meeting.outcome,
    )


def _meetings_query(mission: Mission):
    return (
        select(Meeting)
        .join(MeetingRequest, Meeting.request_id == MeetingRequest.id)
        .where(Meeting.mission_id == mission.id)
        .options(
            joinedload(Meeting.request).joinedload(MeetingRequest.delegation),
            joinedload(Meeting.request).joinedload(MeetingRequest.host),
            joinedload(Meeting.venue).joinedload(Venue.leg),
        )
        .order_by(Meeting.start_at, Meeting.table_number, Meeting.id)
    )


def list_follow_ups(
    mission: Mission, firm_id: int | None = None, stage: str | None = None
) -> FollowUpList:
    """The mission's follow-ups, optionally of one delegation firm and/or at one stage, with
    value totals per currency over what is listed, and the held meetings that have none yet.
    An unknown stage or a firm of another mission lists nothing rather than everything."""
    firms = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.mission_id == mission.id, Organisation.side == "delegation")
            .order_by(Organisation.name, Organisation.id)
        )
    )
    query = _meetings_query(mission).options(
        selectinload(Meeting.follow_up).joinedload(FollowUp.updated_by)
    )
    if firm_id is not None:
        query = query.where(MeetingRequest.delegation_id == firm_id)
    rows: list[FollowUpRow] = []
    to_follow: list[MeetingRef] = []
    for meeting in db.session.scalars(query).unique():
        follow_up = meeting.follow_up
        if follow_up is None:
            if meeting.outcome == "held" and meeting.status == "scheduled":
                to_follow.append(_meeting_ref(meeting))
            continue
        if stage is not None and follow_up.stage != stage:
            continue
        rows.append(
            FollowUpRow(
                meeting=_meeting_ref(meeting),
                stage=follow_up.stage,
                notes=follow_up.notes,
                estimated_value=follow_up.estimated_value,
                currency=follow_up.currency,
                updated_at=follow_up.updated_at,
                updated_by=(follow_up.updated_by.name or follow_up.updated_by.email)
                if follow_up.updated_by
                else "",
            )
        )
    return FollowUpList(
        rows=rows,
        firms=firms,
        firm_id=firm_id,
        stage=stage,
        totals=totals_by_currency((r.estimated_value, r.currency) for r in rows),
        without_value=sum(1 for r in rows if r.estimated_value is None),
        to_follow=to_follow,
    )


@dataclass(frozen=True)
class FollowUpPage:
    """One meeting and its follow-up, for the edit form."""

    meeting: MeetingRef
    follow_up: FollowUp | None


def load_follow_up(mission: Mission, meeting_id: int) -> FollowUpPage:
    meeting = db.session.scalars(
        _meetings_query(mission)
        .where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.follow_up))
    ).first()
    if meeting is None:
        raise NotFound(f"meeting {meeting_id}")
    return FollowUpPage(_meeting_ref(meeting), meeting.follow_up)


__all__ = [
    "FollowUpInput",
    "FollowUpList",
    "FollowUpPage",
    "FollowUpRow",
    "MeetingRef",
    "delete_follow_up",
    "format_amount",
    "follow_up_version",
    "format_money",
    "input_amount",
    "list_follow_ups",
    "load_follow_up",
    "parse_amount",
    "save_follow_up",
    "totals_by_currency",
]
