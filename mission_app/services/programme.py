"""The programme around the meetings: workshops, site visits, plenaries, socials, transfers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mission_app.extensions import db
from mission_app.models import (
    Activity,
    Leg,
    Meeting,
    Mission,
    Organisation,
    Person,
    User,
    Venue,
)
from mission_app.models.meetings import meeting_people_loaders
from mission_app.models.programme import ACTIVITY_KINDS, activity_attendee
from mission_app.services.errors import NotFound, ValidationFailed
from mission_app.services.keys import unique_key
from mission_app.services.timezones import format_local, to_local, to_utc


@dataclass(frozen=True)
class ActivityInput:
    kind: str
    title: str
    leg_id: int | None
    # Wall-clock times in the zone of the leg (naive), or aware instants taken as given.
    start: datetime
    end: datetime
    location: str = ""
    address: str = ""
    capacity: int | None = None
    attendee_ids: tuple[int, ...] = ()
    # Adds every person of the delegation firms to the chosen attendees.
    include_delegation: bool = False


@dataclass
class ProgrammeDay:
    day: date
    activities: list[Activity] = field(default_factory=list)


@dataclass
class LegProgramme:
    """One leg's activities, by day in the leg's own zone. `leg` is None for activities
    without a leg (possible from an imported file); their times are shown in UTC."""

    leg: Leg | None
    zone: str
    days: list[ProgrammeDay] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(day.activities) for day in self.days)


def load_programme(mission: Mission) -> list[LegProgramme]:
    """Every activity grouped by leg (in leg order) then by local day, in two queries."""
    legs = db.session.scalars(
        select(Leg).where(Leg.mission_id == mission.id).order_by(Leg.position, Leg.id)
    ).all()
    activities = db.session.scalars(
        select(Activity)
        .where(Activity.mission_id == mission.id)
        .options(selectinload(Activity.attendees))
        .order_by(Activity.start_at, Activity.end_at, Activity.title, Activity.id)
    ).all()
    groups = {leg.id: LegProgramme(leg=leg, zone=leg.timezone) for leg in legs}
    loose = LegProgramme(leg=None, zone="UTC")
    for activity in activities:
        group = groups.get(activity.leg_id, loose)
        day = to_local(activity.start_at, group.zone).date()
        if not group.days or group.days[-1].day != day:
            group.days.append(ProgrammeDay(day=day))
        group.days[-1].activities.append(activity)
    result = list(groups.values())
    if loose.days:
        result.append(loose)
    return result


def get_activity(mission: Mission, activity_id: int) -> Activity:
    activity = db.session.scalar(
        select(Activity)
        .where(Activity.id == activity_id, Activity.mission_id == mission.id)
        .options(selectinload(Activity.attendees), selectinload(Activity.leg))
    )
    if activity is None:
        raise NotFound(f"activity {activity_id}")
    return activity


def list_attendee_choices(mission: Mission) -> list[Organisation]:
    """Organisations that have people, delegation firms first, each with its people loaded."""
    organisations = db.session.scalars(
        select(Organisation)
        .where(Organisation.mission_id == mission.id)
        .options(selectinload(Organisation.people))
        .order_by(Organisation.side, Organisation.name, Organisation.id)
    ).all()
    return [organisation for organisation in organisations if organisation.people]


def delegation_people_ids(mission: Mission) -> list[int]:
    """Every person of a delegation firm: the usual audience of a workshop."""
    return list(
        db.session.scalars(
            select(Person.id)
            .join(Organisation, Person.organisation_id == Organisation.id)
            .where(Person.mission_id == mission.id, Organisation.side == "delegation")
            .order_by(Person.id)
        )
    )


def _check_activity(
    mission: Mission, data: ActivityInput, activity: Activity | None
) -> tuple[Leg, datetime, datetime, list[Person]]:
    """The leg, UTC start and end and attendees of a valid input; every broken rule otherwise."""
    errors: dict[str, list] = {}
    if data.kind not in ACTIVITY_KINDS:
        errors["kind"] = [_l("Choose a kind of activity.")]
    if not data.title.strip():
        errors["title"] = [_l("Give the activity a title.")]
    leg = db.session.get(Leg, data.leg_id) if data.leg_id is not None else None
    if leg is None or leg.mission_id != mission.id:
        errors["leg_id"] = [_l("Choose a leg of this mission.")]
        leg = None
    zone = leg.timezone if leg is not None else "UTC"
    start, end = to_utc(data.start, zone), to_utc(data.end, zone)
    if end <= start:
        errors["end"] = [_l("The end must come after the start.")]
    if data.capacity is not None and data.capacity < 1:
        errors["capacity"] = [_l("The capacity is at least 1; leave it empty for no limit.")]

    wanted = set(data.attendee_ids)
    if data.include_delegation:
        wanted.update(delegation_people_ids(mission))
    attendees = (
        list(
            db.session.scalars(
                select(Person)
                .where(Person.id.in_(wanted), Person.mission_id == mission.id)
                .order_by(Person.name, Person.id)
            )
        )
        if wanted
        else []
    )
    attendee_errors: list = []
    if len(attendees) != len(wanted):
        attendee_errors.append(_l("Choose attendees among the people of this mission."))
    if data.capacity is not None and data.capacity >= 1 and len(wanted) > data.capacity:
        attendee_errors.append(
            _l(
                "This activity holds %(capacity)d people and %(count)d are chosen.",
                capacity=data.capacity,
                count=len(wanted),
            )
        )
    if attendees and end > start:
        attendee_errors.extend(_overlap_reasons(mission, attendees, start, end, activity))
    if attendee_errors:
        errors["attendees"] = attendee_errors
    if errors:
        raise ValidationFailed(errors)
    return leg, start, end, attendees


def _overlap_reasons(
    mission: Mission,
    attendees: list[Person],
    start: datetime,
    end: datetime,
    activity: Activity | None,
) -> list:
    """One reason per attendee who is already at another activity during [start, end)."""
    names = {person.id: person.name for person in attendees}
    rows = db.session.execute(
        select(activity_attendee.c.person_id, Activity)
        .join(Activity, Activity.id == activity_attendee.c.activity_id)
        .where(
            Activity.mission_id == mission.id,
            activity_attendee.c.person_id.in_(names),
            Activity.start_at < end,
            Activity.end_at > start,
            Activity.id != (activity.id if activity is not None else -1),
        )
        .options(selectinload(Activity.leg))
        .order_by(Activity.start_at, Activity.id)
    ).all()
    reasons = []
    for person_id, other in sorted(rows, key=lambda row: (names[row[0]], row[1].start_at)):
        zone = other.leg.timezone if other.leg is not None else "UTC"
        reasons.append(
            _l(
                "%(person)s already attends “%(activity)s” at that time (%(start)s–%(end)s).",
                person=names[person_id],
                activity=other.title,
                # Formatted when shown, in the reader's language.
                start=LazyString(format_local, other.start_at, zone, "datetime"),
                end=LazyString(format_local, other.end_at, zone, "time"),
            )
        )
    return reasons


def create_activity(actor: User, mission: Mission, data: ActivityInput) -> Activity:
    leg, start, end, attendees = _check_activity(mission, data, None)
    activity = Activity(mission_id=mission.id, key=unique_key(Activity, mission.id, data.title))
    _apply_activity(activity, data, leg, start, end, attendees)
    db.session.add(activity)
    db.session.flush()
    return activity


def update_activity(actor: User, activity: Activity, data: ActivityInput) -> Activity:
    leg, start, end, attendees = _check_activity(activity.mission, data, activity)
    _apply_activity(activity, data, leg, start, end, attendees)
    db.session.flush()
    return activity


def _apply_activity(
    activity: Activity,
    data: ActivityInput,
    leg: Leg,
    start: datetime,
    end: datetime,
    attendees: list[Person],
) -> None:
    activity.kind = data.kind
    activity.title = data.title.strip()
    activity.leg = leg
    activity.start_at, activity.end_at = start, end
    activity.location = data.location.strip()
    activity.address = data.address.strip()
    activity.capacity = data.capacity
    activity.attendees = attendees


def find_meeting_clashes(activity: Activity) -> list:
    """Reasons, one per attendee who has a scheduled meeting during the activity.

    Not an error: the meetings may be moved afterwards. Organisers are told at once.
    """
    attendees = {person.id: person for person in activity.attendees}
    if not attendees:
        return []
    meetings = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.mission_id == activity.mission_id,
            Meeting.status == "scheduled",
            Meeting.start_at < activity.end_at,
            Meeting.end_at > activity.start_at,
        )
        .options(
            selectinload(Meeting.venue).selectinload(Venue.leg),
            *meeting_people_loaders(),
        )
        .order_by(Meeting.start_at, Meeting.id)
    ).all()
    reasons = []
    for meeting in meetings:
        request = meeting.request
        present = request.attendees or [*request.delegation.people, *request.host.people]
        for person in present:
            if person.id in attendees:
                reasons.append(
                    _l(
                        "%(person)s has a meeting at that time (%(firm)s – %(host)s, %(start)s): "
                        "move it, or take them off the activity.",
                        person=person.name,
                        firm=request.delegation.name,
                        host=request.host.name,
                        start=LazyString(
                            format_local, meeting.start_at, meeting.venue.leg.timezone, "time"
                        ),
                    )
                )
    return reasons


def delete_activity(actor: User, activity: Activity) -> None:
    db.session.delete(activity)
    db.session.flush()
