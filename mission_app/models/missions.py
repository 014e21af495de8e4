"""Missions and where they happen: legs, venues and meeting windows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mission_app.extensions import db
from mission_app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from mission_app.models.meetings import Meeting, MeetingRequest
    from mission_app.models.participants import Organisation, Person
    from mission_app.models.programme import Activity
    from mission_app.models.users import Membership

LOCALES = ("fr", "en", "ar")


class Mission(db.Model):
    __tablename__ = "mission"
    __table_args__ = (CheckConstraint("locale IN ('fr', 'en', 'ar')", name="locale_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(2), default="fr")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="mission", cascade="all, delete-orphan"
    )
    legs: Mapped[list[Leg]] = relationship(
        back_populates="mission",
        cascade="all, delete-orphan",
        order_by="(Leg.position, Leg.id)",
    )
    organisations: Mapped[list[Organisation]] = relationship(
        back_populates="mission", cascade="all, delete-orphan"
    )
    people: Mapped[list[Person]] = relationship(
        back_populates="mission", cascade="all, delete-orphan"
    )
    activities: Mapped[list[Activity]] = relationship(
        back_populates="mission", cascade="all, delete-orphan"
    )
    requests: Mapped[list[MeetingRequest]] = relationship(
        back_populates="mission", cascade="all, delete-orphan"
    )
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="mission", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Mission {self.id} {self.title!r}>"


class Leg(db.Model):
    """One city of the mission, with its own time zone and slot length."""

    __tablename__ = "leg"
    __table_args__ = (
        UniqueConstraint("mission_id", "key"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    city: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    slot_minutes: Mapped[int] = mapped_column(default=30)

    mission: Mapped[Mission] = relationship(back_populates="legs")
    venues: Mapped[list[Venue]] = relationship(
        back_populates="leg", cascade="all, delete-orphan", order_by="Venue.id"
    )
    windows: Mapped[list[MeetingWindow]] = relationship(
        back_populates="leg", cascade="all, delete-orphan", order_by="MeetingWindow.start_at"
    )

    def __repr__(self) -> str:
        return f"<Leg {self.key} {self.city}>"


class Venue(db.Model):
    __tablename__ = "venue"
    __table_args__ = (
        UniqueConstraint("mission_id", "key"),
        CheckConstraint("tables >= 1", name="tables_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    leg_id: Mapped[int] = mapped_column(ForeignKey("leg.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    tables: Mapped[int] = mapped_column(default=1)

    leg: Mapped[Leg] = relationship(back_populates="venues")
    windows: Mapped[list[MeetingWindow]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", overlaps="windows"
    )


class MeetingWindow(db.Model):
    """A block of time at a venue, cut into back-to-back slots of the leg's slot length."""

    __tablename__ = "meeting_window"
    __table_args__ = (CheckConstraint("end_at > start_at", name="end_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    leg_id: Mapped[int] = mapped_column(ForeignKey("leg.id", ondelete="CASCADE"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venue.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())

    leg: Mapped[Leg] = relationship(back_populates="windows", overlaps="windows")
    venue: Mapped[Venue] = relationship(back_populates="windows", overlaps="windows")
