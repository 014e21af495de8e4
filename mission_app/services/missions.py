"""Creating and editing missions, legs, venues and meeting windows."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.models import (
    Activity,
    Leg,
    Meeting,
    MeetingWindow,
    Membership,
    Mission,
    Organisation,
    User,
    Venue,
)
from mission_app.services.errors import NotFound, ValidationFailed
from mission_app.services.keys import unique_key
from mission_app.services.scheduling import build_problem
from mission_app.services.timezones import check_timezone, to_utc


def create_mission(
    actor: User, *, title: str, organiser: str = "", locale: str = "fr", description: str = ""
) -> Mission:
    """A new mission, owned by the actor."""
    mission = Mission(
        title=title.strip(), organiser=organiser.strip(), locale=locale, description=description
    )
    db.session.add(mission)
    db.session.flush()
    db.session.add(Membership(user_id=actor.id, mission_id=mission.id, role="owner"))
    db.session.flush()
    return mission


def update_mission(
    actor: User, mission: Mission, *, title: str, organiser: str, locale: str, description: str
) -> Mission:
    mission.title = title.strip()
    mission.organiser = organiser.strip()
    mission.locale = locale
    mission.description = description
    db.session.flush()
    return mission


def _get_in_mission(model, mission: Mission, object_id: int):
    """An object of the mission, or NotFound: ids from the URL are never trusted alone."""
    obj = db.session.get(model, object_id)
    mission_id = getattr(obj, "mission_id", None)
    if mission_id is None and obj is not None:  # windows belong to the mission through a leg
        mission_id = obj.leg.mission_id
    if obj is None or mission_id != mission.id:
        raise NotFound(f"{model.__name__} {object_id}")
    return obj


def get_leg(mission: Mission, leg_id: int) -> Leg:
    return _get_in_mission(Leg, mission, leg_id)


def get_venue(mission: Mission, venue_id: int) -> Venue:
    return _get_in_mission(Venue, mission, venue_id)


def get_window(mission: Mission, window_id: int, leg: Leg | None = None) -> MeetingWindow:
    """A window of the mission; with `leg`, only one of that leg (URLs name both)."""
    window = _get_in_mission(MeetingWindow, mission, window_id)
    if leg is not None and window.leg_id != leg.id:
        raise NotFound(f"MeetingWindow {window_id} in leg {leg.id}")
    return window


def create_leg(
    actor: User, mission: Mission, *, city: str, country: str, timezone: str, slot_minutes: int
) -> Leg:
    check_timezone(timezone)
    position = db.session.scalar(
        select(func.coalesce(func.max(Leg.position), 0)).where(Leg.mission_id == mission.id)
    )
    leg = Leg(
        mission_id=mission.id,
        key=unique_key(Leg, mission.id, city),
        position=position + 1,
        city=city.strip(),
        country=country.upper(),
        timezone=timezone,
        slot_minutes=slot_minutes,
    )
    db.session.add(leg)
    db.session.flush()
    return leg


def update_leg(
    actor: User, leg: Leg, *, city: str, country: str, timezone: str, slot_minutes: int
) -> Leg:
    check_timezone(timezone)
    if slot_minutes != leg.slot_minutes and _leg_has_meetings(leg):
        raise ValidationFailed(
            {"slot_minutes": [_l("This leg already has meetings: move or cancel them first.")]}
        )
    leg.city, leg.country, leg.timezone = city.strip(), country.upper(), timezone
    leg.slot_minutes = slot_minutes
    db.session.flush()
    return leg


def delete_leg(actor: User, leg: Leg) -> None:
    if _leg_has_meetings(leg):
        raise ValidationFailed(_l("This leg already has meetings: move or cancel them first."))
    db.session.delete(leg)
    db.session.flush()


def _leg_has_meetings(leg: Leg) -> bool:
    return (
        db.session.scalar(select(func.count(Meeting.id)).join(Venue).where(Venue.leg_id == leg.id))
        > 0
    )


def create_venue(actor: User, leg: Leg, *, name: str, address: str, tables: int) -> Venue:
    venue = Venue(
        mission_id=leg.mission_id,
        leg_id=leg.id,
        key=unique_key(Venue, leg.mission_id, f"{leg.key}-{name}"),
        name=name.strip(),
        address=address.strip(),
        tables=tables,
    )
    db.session.add(venue)
    db.session.flush()
    return venue


def update_venue(actor: User, venue: Venue, *, name: str, address: str, tables: int) -> Venue:
    highest_table = db.session.scalar(
        select(func.max(Meeting.table_number)).where(
            Meeting.venue_id == venue.id, Meeting.status == "scheduled"
        )
    )
    if highest_table and tables < highest_table:
        raise ValidationFailed(
            {
                "tables": [
                    _l(
                        "Table %(table)d has meetings: keep at least %(table)d tables.",
                        table=highest_table,
                    )
                ]
            }
        )
    venue.name, venue.address, venue.tables = name.strip(), address.strip(), tables
    db.session.flush()
    return venue


def delete_venue(actor: User, venue: Venue) -> None:
    if db.session.scalar(select(func.count(Meeting.id)).where(Meeting.venue_id == venue.id)):
        raise ValidationFailed(_l("This venue has meetings: move or cancel them first."))
    db.session.delete(venue)
    db.session.flush()


def save_window(
    actor: User,
    leg: Leg,
    *,
    venue_id: int,
    start: datetime,
    end: datetime,
    window: MeetingWindow | None = None,
) -> MeetingWindow:
    """Create or change a meeting window. Naive times are wall-clock times in the leg's zone."""
    venue = db.session.get(Venue, venue_id)
    errors: dict[str, list] = {}
    if venue is None or venue.leg_id != leg.id:
        errors["venue_id"] = [_l("Choose a venue of this leg.")]
    start_utc, end_utc = to_utc(start, leg.timezone, "start"), to_utc(end, leg.timezone, "end")
    if end_utc <= start_utc:
        errors["end"] = [_l("The end must come after the start.")]
    elif (end_utc - start_utc).total_seconds() < leg.slot_minutes * 60:
        errors["end"] = [
            _l(
                "The window must hold at least one slot of %(minutes)d minutes.",
                minutes=leg.slot_minutes,
            )
        ]
    if not errors:
        overlapping = db.session.scalar(
            select(func.count(MeetingWindow.id)).where(
                MeetingWindow.venue_id == venue_id,
                MeetingWindow.start_at < end_utc,
                MeetingWindow.end_at > start_utc,
                MeetingWindow.id != (window.id if window else -1),
            )
        )
        if overlapping:
            errors["start"] = [_l("This venue already has a window at that time.")]
    if errors:
        raise ValidationFailed(errors)
    if window is None:
        window = MeetingWindow(leg_id=leg.id)
        db.session.add(window)
    window.venue_id, window.start_at, window.end_at = venue_id, start_utc, end_utc
    db.session.flush()
    return window


def meetings_off_the_slots(mission: Mission) -> int:
    """Scheduled meetings that no longer start on a slot of their venue's windows (a window was
    moved or shortened after they were placed): the organiser should move them in the grid."""
    mission_problem = build_problem(mission)
    return sum(
        1
        for meeting in mission_problem.meetings_by_request.values()
        if (meeting.venue_id, meeting.start_at) not in mission_problem.slot_by_start
    )


def delete_window(actor: User, window: MeetingWindow) -> None:
    db.session.delete(window)
    db.session.flush()


def load_mission_overview(mission: Mission) -> dict:
    """What the mission page shows, loaded in a fixed number of queries."""
    legs = db.session.scalars(
        select(Leg)
        .where(Leg.mission_id == mission.id)
        .order_by(Leg.position, Leg.id)
        .options(
            db.selectinload(Leg.venues),
            db.selectinload(Leg.windows).joinedload(MeetingWindow.venue),
        )
    ).all()
    counts = dict(
        db.session.execute(
            select(Organisation.side, func.count(Organisation.id))
            .where(Organisation.mission_id == mission.id)
            .group_by(Organisation.side)
        ).all()
    )
    activity_count = db.session.scalar(
        select(func.count(Activity.id)).where(Activity.mission_id == mission.id)
    )
    return {"legs": legs, "side_counts": counts, "activity_count": activity_count}
