"""A meeting cancelled by an organiser is marked, so that scheduler runs leave its request alone.

The scheduler drops meetings too (they are cancelled rows as well); only the ones a person took
off the schedule keep their request out of later runs, until the meeting is restored or placed
again by hand.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 15:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: rebuilding the meeting table on SQLite would drop its triggers.
    op.add_column(
        "meeting",
        sa.Column("cancelled_by_hand", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    op.drop_column("meeting", "cancelled_by_hand")
