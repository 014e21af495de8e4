"""Document batches: documents built in the background, such as every agenda as one ZIP."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mission_app.extensions import db
from mission_app.models.types import UTCDateTime, utcnow


class DocumentBatch(db.Model):
    __tablename__ = "document_batch"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("done_count <= total_count", name="progress_within_total"),
        Index("ix_document_batch_mission_created", "mission_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "all_agendas"
    status: Mapped[str] = mapped_column(String(20), default="queued")
    total_count: Mapped[int] = mapped_column(default=0)
    done_count: Mapped[int] = mapped_column(default=0)
    # Where the finished file lies, relative to the app's instance folder.
    file_path: Mapped[str] = mapped_column(String(500), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by = relationship("User")

    @property
    def is_active(self) -> bool:
        return self.status in ("queued", "running")
