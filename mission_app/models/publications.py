"""Published versions of the schedule: what participants see, and what changed for whom.

Participants never see the organisers' working schedule directly. Publishing takes a numbered
`Publication`, records each difference from the previous one as a `PublicationChange` (with the
people it concerns), and stores each meeting's published state in `PublishedMeeting`. A
published meeting keeps its row after the meeting itself is deleted, as a cancellation, so that
calendars can still be told (STATUS:CANCELLED, METHOD:CANCEL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mission_app.extensions import db
from mission_app.models.types import UTCDateTime, utcnow

CHANGE_KINDS = ("added", "moved", "changed", "cancelled", "restored")

publication_change_person = Table(
    "publication_change_person",
    db.metadata,
    Column("change_id", ForeignKey("publication_change.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_publication_change_person_person", "person_id"),
)


class Publication(db.Model):
    """Version `number` of a mission's schedule, as sent to participants."""

    __tablename__ = "publication"
    __table_args__ = (
        UniqueConstraint("mission_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(String(500), default="")

    published_by = relationship("User")
    changes: Mapped[list[PublicationChange]] = relationship(
        back_populates="publication",
        cascade="all, delete-orphan",
        order_by="PublicationChange.id",
    )


class PublishedMeeting(db.Model):
    """A meeting as participants last saw it published (one row per meeting ever published).

    `meeting_id` is deliberately not a foreign key: the row outlives a deleted meeting, whose
    published state becomes cancelled. `details` holds what an agenda shows (counterparts,
    venue, leg), frozen at publication, so a published agenda never depends on later edits.
    """

    __tablename__ = "published_meeting"
    __table_args__ = (
        UniqueConstraint("mission_id", "meeting_id"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),
        CheckConstraint("end_at > start_at", name="end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    meeting_id: Mapped[int] = mapped_column()
    # the version that last changed this meeting
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publication.id", ondelete="CASCADE"), index=True
    )
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))
    sequence: Mapped[int] = mapped_column(default=0)
    venue_id: Mapped[int | None] = mapped_column()
    table_number: Mapped[int | None] = mapped_column()
    delegation_id: Mapped[int | None] = mapped_column()
    host_id: Mapped[int | None] = mapped_column()
    # ids of the people who attend, at publication
    person_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    publication: Mapped[Publication] = relationship()


class PublicationChange(db.Model):
    """One meeting's difference between a publication and the one before it."""

    __tablename__ = "publication_change"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('added', 'moved', 'changed', 'cancelled', 'restored')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publication.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    # the published state before and after (None when added / when deleted outright)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    publication: Mapped[Publication] = relationship(back_populates="changes")
    people = relationship("Person", secondary=publication_change_person)
