"""The programme around the B2B meetings: workshops, site visits, transfers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mission_app.extensions import db
from mission_app.models.types import UTCDateTime

if TYPE_CHECKING:
    from mission_app.models.missions import Leg, Mission
    from mission_app.models.participants import Person

ACTIVITY_KINDS = ("workshop", "site_visit", "plenary", "social", "transfer")

activity_attendee = Table(
    "activity_attendee",
    db.metadata,
    Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
)


class Activity(db.Model):
    """Attendees are busy for the whole activity: no meeting can be set for them then."""

    __tablename__ = "activity"
    __table_args__ = (
        UniqueConstraint("mission_id", "key"),
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint(
            "kind IN ('workshop', 'site_visit', 'plenary', 'social', 'transfer')",
            name="kind_known",
        ),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        # Calendar UIDs are built from ids: SQLite must never hand a deleted id out again.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    leg_id: Mapped[int | None] = mapped_column(ForeignKey("leg.id", ondelete="SET NULL"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None] = mapped_column()

    mission: Mapped[Mission] = relationship(back_populates="activities")
    leg: Mapped[Leg | None] = relationship()
    attendees: Mapped[list[Person]] = relationship(
        secondary=activity_attendee, order_by="Person.name"
    )
