"""What came of a meeting after the mission: a lead, a proposal, a contract."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mission_app.extensions import db
from mission_app.models.types import UTCDateTime, utcnow

FOLLOW_UP_STAGES = ("lead", "proposal", "contract")
CURRENCIES = ("MAD", "XOF", "MRU")


class FollowUp(db.Model):
    """The follow-up of one meeting; the value is an estimate in the currency given."""

    __tablename__ = "follow_up"
    __table_args__ = (
        CheckConstraint("stage IN ('lead', 'proposal', 'contract')", name="stage_known"),
        CheckConstraint(
            "currency IS NULL OR currency IN ('MAD', 'XOF', 'MRU')", name="currency_known"
        ),
        CheckConstraint(
            "(estimated_value IS NULL) = (currency IS NULL)", name="value_has_currency"
        ),
        CheckConstraint(
            "estimated_value IS NULL OR estimated_value >= 0", name="value_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), unique=True
    )
    stage: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    estimated_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    meeting = relationship("Meeting", back_populates="follow_up")
    updated_by = relationship("User")
