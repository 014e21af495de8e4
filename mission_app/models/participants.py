"""Organisations on both sides of the table, and their people."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from mission_app.extensions import db
from mission_app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from mission_app.models.missions import Leg, Mission

SIDES = ("delegation", "host")
DELEGATION_CATEGORIES = ("ict_firm",)
HOST_CATEGORIES = (
    "purchasing",
    "information_systems",
    "it_services",
    "distributor",
    "institution",
    "operator",
)
CATEGORIES = DELEGATION_CATEGORIES + HOST_CATEGORIES
LANGUAGES = ("fr", "en", "ar")


def new_access_token() -> str:
    """192 random bits, URL-safe: the secret in a participant's personal link."""
    return secrets.token_urlsafe(24)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (
        UniqueConstraint("mission_id", "key"),
        CheckConstraint(
            "(side = 'delegation' AND category = 'ict_firm') OR (side = 'host' AND category IN "
            "('purchasing', 'information_systems', 'it_services', 'distributor', "
            "'institution', 'operator'))",
            name="category_matches_side",
        ),
        Index("ix_organisation_mission_side_name", "mission_id", "side", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    side: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    leg_id: Mapped[int | None] = mapped_column(ForeignKey("leg.id", ondelete="SET NULL"))
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")

    mission: Mapped[Mission] = relationship(back_populates="organisations")
    leg: Mapped[Leg | None] = relationship()
    people: Mapped[list[Person]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="Person.name",
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.key} {self.name!r}>"


class Person(db.Model):
    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("mission_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The secret of the personal link; None while the organiser has revoked it. Links are
    # looked up by the token's SHA-256, so that the lookup's timing says nothing of the token.
    access_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    access_token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last published version of the schedule this person opened in the portal.
    seen_publication_number: Mapped[int | None] = mapped_column()
    # The version seen before that one, and when that one was first opened: the portal keeps
    # showing the changes between them for a while, in case a mail scanner opened the link first.
    previous_seen_publication_number: Mapped[int | None] = mapped_column()
    seen_publication_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    mission: Mapped[Mission] = relationship(back_populates="people")
    organisation: Mapped[Organisation] = relationship(back_populates="people")
    availabilities: Mapped[list[Availability]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Availability.start_at"
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("access_token", new_access_token())
        super().__init__(**kwargs)

    @validates("access_token")
    def _keep_digest(self, _key: str, token: str | None) -> str | None:
        self.access_token_digest = token_digest(token) if token else None
        return token

    def __repr__(self) -> str:
        return f"<Person {self.key} {self.name!r}>"


class Availability(db.Model):
    """A window in which a person is available. No rows means: the whole mission."""

    __tablename__ = "availability"
    __table_args__ = (CheckConstraint("end_at > start_at", name="end_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship(back_populates="availabilities")
