"""A scheduling run: one solve in the background, its progress, and its result to review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mission_app.extensions import db
from mission_app.models.types import UTCDateTime, utcnow

RUN_STATUSES = ("queued", "running", "done", "stopped", "failed", "applied", "discarded")


class ScheduleRun(db.Model):
    __tablename__ = "schedule_run"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'stopped', 'failed', 'applied', 'discarded')",
            name="status_known",
        ),
        CheckConstraint("time_limit_seconds BETWEEN 1 AND 3600", name="time_limit_range"),
        Index("ix_schedule_run_mission_created", "mission_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("mission.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default="queued")
    fresh: Mapped[bool] = mapped_column(default=False)
    time_limit_seconds: Mapped[int] = mapped_column(default=30)
    stop_requested: Mapped[bool] = mapped_column(default=False)
    # The best figures so far while running, then the final ones (scheduling.Figures fields).
    figures: Mapped[dict | None] = mapped_column(JSON)
    # [{"request": id, "venue": id, "table": n, "start": iso}], read back through the slot grid.
    assignments: Mapped[list | None] = mapped_column(JSON)
    # [{"request": id, "reason": words}]
    unscheduled: Mapped[list | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    # The working schedule the run starts from (services.schedule_runs.schedule_fingerprint):
    # applying is refused once it has changed. None for runs made before migration 0006.
    input_fingerprint: Mapped[str | None] = mapped_column(String(80))

    created_by = relationship("User")

    @property
    def is_active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def can_apply(self) -> bool:
        return self.status in ("done", "stopped") and self.assignments is not None
