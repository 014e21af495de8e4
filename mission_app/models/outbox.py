"""E-mails waiting to be sent, sent, or failed: the outbox organisers look at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mission_app.extensions import db
from mission_app.models.types import UTCDateTime, utcnow

MESSAGE_STATUSES = ("pending", "sending", "sent", "failed")


class OutboundMessage(db.Model):
    """One e-mail to one person.

    `message_id` (the RFC 5322 Message-ID) is unique, and a message is claimed by moving it
    from pending to sending in one conditional UPDATE, so that two workers never send it twice.
    `raw` keeps the exact bytes once built, so a retry sends the same message.
    """

    __tablename__ = "outbound_message"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outbound_message_mission_status", "mission_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    publication_id: Mapped[int | None] = mapped_column(
        ForeignKey("publication.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(300), default="")
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person = relationship("Person")
    publication = relationship("Publication")
