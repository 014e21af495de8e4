"""The portal keeps showing what changed for a while after the first opening of a version.

A mail scanner that opens a participant's link before they do (common on company mail) would
otherwise use up the list of changes. The person's row remembers the version they had seen
before the latest one, and when they first opened the latest one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 14:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (nullable, no default): no table copy on SQLite.
    op.add_column("person", sa.Column("previous_seen_publication_number", sa.Integer()))
    op.add_column("person", sa.Column("seen_publication_at", sa.DateTime(timezone=True)))


def downgrade():
    op.drop_column("person", "seen_publication_at")
    op.drop_column("person", "previous_seen_publication_number")
