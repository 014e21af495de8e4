"""A scheduler run remembers which working schedule it was computed from.

Applying a run computed from an older working schedule would undo the grid edits made since it
started (moves, hand cancellations): the run's fingerprint of the meetings it started from is
compared with the meetings at apply time. Runs made before this revision have none and are
applied as before.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 14:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (nullable, no default) on both databases: no table copy on SQLite.
    op.add_column("schedule_run", sa.Column("input_fingerprint", sa.String(80), nullable=True))


def downgrade():
    with op.batch_alter_table("schedule_run") as batch:
        batch.drop_column("input_fingerprint")
