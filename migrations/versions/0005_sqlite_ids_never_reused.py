"""On SQLite, meeting and activity ids are never reused.

Calendars know a meeting or an activity by a UID built from its id, and a published meeting that
was deleted stays in participants' calendars as a cancellation under that UID. Without
AUTOINCREMENT, SQLite hands the id of the most recently deleted row to the next new one, which
would then take over the cancelled event. PostgreSQL sequences never go back, so this revision
changes nothing there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 13:50:00

"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("meeting", "activity")


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        _rebuild(table, autoincrement=True)
    # Ids deleted before this revision may still live on as published cancellations.
    bind = op.get_bind()
    highest = bind.execute(sa.text("SELECT MAX(meeting_id) FROM published_meeting")).scalar()
    if highest:
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = :highest WHERE name = 'meeting' AND seq < :highest"),
            {"highest": highest},
        )


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        _rebuild(table, autoincrement=False)


def _rebuild(table: str, autoincrement: bool) -> None:
    """Recreate `table` with the same columns, constraints, indexes and triggers, changing only
    how its integer primary key is declared (SQLite cannot ALTER that)."""
    bind = op.get_bind()
    create_sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": table},
    ).scalar_one()
    # Indexes (other than automatic ones) and triggers go with the table: keep their SQL.
    extras = [
        row[0]
        for row in bind.execute(
            sa.text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = :name "
                "AND type IN ('index', 'trigger') AND sql IS NOT NULL"
            ),
            {"name": table},
        )
    ]
    pk = f"CONSTRAINT pk_{table} PRIMARY KEY"
    if autoincrement:
        new_sql, count = re.subn(r",\s*" + re.escape(pk) + r" \(id\)", "", create_sql)
        new_sql, count_id = re.subn(
            r"\bid INTEGER NOT NULL,", f"id INTEGER NOT NULL {pk} AUTOINCREMENT,", new_sql, 1
        )
    else:
        new_sql, count_id = re.subn(r" " + re.escape(pk) + r" AUTOINCREMENT", "", create_sql, 1)
        new_sql, count = re.subn(r"\)\s*$", f",\n\t{pk} (id)\n)", new_sql, 1)
    if count != 1 or count_id != 1:
        raise RuntimeError(f"unexpected definition of table {table}: {create_sql}")
    new_sql = re.sub(rf"^CREATE TABLE \"?{table}\"?", f"CREATE TABLE {table}__rebuilt", new_sql)
    columns = ", ".join(
        f'"{row[1]}"' for row in bind.execute(sa.text(f"PRAGMA table_info({table})"))
    )
    op.execute(new_sql)
    op.execute(f"INSERT INTO {table}__rebuilt ({columns}) SELECT {columns} FROM {table}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}__rebuilt RENAME TO {table}")
    for sql in extras:
        op.execute(sql)
