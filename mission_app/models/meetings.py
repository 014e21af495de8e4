"""What firms ask for (requests) and what the schedule gives them (meetings)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from mission_app.extensions import db
from mission_app.models.types import UTCDateTime

if TYPE_CHECKING:
    from mission_app.models.followups import FollowUp
    from mission_app.models.missions import Mission, Venue
    from mission_app.models.participants import Organisation, Person

PRIORITIES = (1, 2, 3)  # 1 must, 2 high, 3 normal
PRIORITY_WEIGHTS = {1: 4, 2: 2, 3: 1}
REQUESTERS = ("delegation", "host", "both", "organiser")
MEETING_STATUSES = ("scheduled", "cancelled")
# What happened on the day, for a meeting that was not cancelled.
MEETING_OUTCOMES = ("held", "no_show")

request_attendee = Table(
    "request_attendee",
    db.metadata,
    Column("request_id", ForeignKey("meeting_request.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
)


class MeetingRequest(db.Model):
    """A wish for one delegation firm to meet one host organisation.

    No attendee rows means: every person of both organisations attends.
    """

    __tablename__ = "meeting_request"
    __table_args__ = (
        UniqueConstraint("mission_id", "key"),
        UniqueConstraint("delegation_id", "host_id"),
        CheckConstraint("priority IN (1, 2, 3)", name="priority_known"),
        CheckConstraint(
            "requested_by IN ('delegation', 'host', 'both', 'organiser')",
            name="requested_by_known",
        ),
        CheckConstraint("duration_slots BETWEEN 1 AND 16", name="duration_range"),
        CheckConstraint("delegation_id <> host_id", name="two_organisations"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    host_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    priority: Mapped[int] = mapped_column(default=3)
    requested_by: Mapped[str] = mapped_column(String(20), default="delegation")
    duration_slots: Mapped[int] = mapped_column(default=1)

    mission: Mapped[Mission] = relationship(back_populates="requests")
    delegation: Mapped[Organisation] = relationship(foreign_keys=[delegation_id])
    host: Mapped[Organisation] = relationship(foreign_keys=[host_id])
    attendees: Mapped[list[Person]] = relationship(
        secondary=request_attendee, order_by="Person.name"
    )
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Meeting.id"
    )


class Meeting(db.Model):
    """A request placed at a table and a time.

    The rules a schedule must keep are enforced by the database too: end after start, at most
    one scheduled meeting per request (a partial unique index), and one scheduled meeting per
    table at a time (an exclusion constraint on PostgreSQL, a trigger on SQLite; both are
    created by the migration).
    """

    __tablename__ = "meeting"
    __table_args__ = (
        UniqueConstraint("mission_id", "key"),
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),
        CheckConstraint("table_number >= 1", name="table_positive"),
        CheckConstraint("outcome IS NULL OR outcome IN ('held', 'no_show')", name="outcome_known"),
        Index(
            "uq_meeting_one_scheduled_per_request",
            "request_id",
            unique=True,
            sqlite_where=text("status = 'scheduled'"),
            postgresql_where=text("status = 'scheduled'"),
        ),
        Index("ix_meeting_venue_table_start", "venue_id", "table_number", "start_at"),
        # Calendar UIDs are built from ids: SQLite must never hand a deleted id out again.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[int] = mapped_column(ForeignKey("meeting_request.id", ondelete="CASCADE"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="RESTRICT"))
    table_number: Mapped[int] = mapped_column()
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    locked: Mapped[bool] = mapped_column(default=False)
    # Cancelled by an organiser (not dropped by a scheduler run): runs leave the request alone
    # until the meeting is restored or the request is placed again by hand.
    cancelled_by_hand: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Bumped on every change of time, place or people, for calendar clients (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)
    # Held or no-show, recorded on the day (None: not recorded yet).
    outcome: Mapped[str | None] = mapped_column(String(20))
    # Optimistic locking: every UPDATE checks and bumps it, so that an edit made from a stale
    # page is refused instead of overwriting someone else's.
    lock_version: Mapped[int] = mapped_column(default=1)

    mission: Mapped[Mission] = relationship(back_populates="meetings")
    request: Mapped[MeetingRequest] = relationship(back_populates="meetings")
    venue: Mapped[Venue] = relationship()
    follow_up: Mapped[FollowUp | None] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", uselist=False
    )

    __mapper_args__ = {"version_id_col": lock_version}


def meeting_people_loaders() -> tuple:
    """Loader options for meetings: their request, and everyone who may attend it (explicit
    attendees, else the people of both organisations), in a fixed number of queries."""
    from mission_app.models.participants import Organisation

    request = selectinload(Meeting.request)
    return (
        request.selectinload(MeetingRequest.attendees),
        request.selectinload(MeetingRequest.delegation).selectinload(Organisation.people),
        request.selectinload(MeetingRequest.host).selectinload(Organisation.people),
    )
