"""Upgrading a database that already holds a mission keeps every row."""

import hashlib
import sqlite3

from flask_migrate import downgrade, upgrade

from mission_app import create_app
from mission_app.extensions import db

# A mission as revision 0002 stored it: one person with availability, in one activity.
ROWS_AT_0002 = [
    "INSERT INTO mission (id, title, organiser, locale, description, created_at, updated_at) "
    "VALUES (1, 'Mission', '', 'fr', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO organisation (id, mission_id, key, name, country, side, category, sectors, "
    "description) VALUES (1, 1, 'atlas', 'Atlas', 'MA', 'delegation', 'ict_firm', '[]', '')",
    "INSERT INTO person (id, mission_id, organisation_id, key, name, position, email, phone, "
    "languages, access_token, token_issued_at) VALUES (1, 1, 1, 'salma', 'Salma', '', '', '', "
    "'[]', 'the-old-secret', '2026-01-01 00:00:00')",
    "INSERT INTO availability (id, person_id, start_at, end_at) "
    "VALUES (1, 1, '2026-05-12 08:00:00', '2026-05-12 12:00:00')",
    "INSERT INTO activity (id, mission_id, key, kind, title, start_at, end_at, location, "
    "address) VALUES (1, 1, 'w', 'workshop', 'Atelier', '2026-05-12 13:00:00', "
    "'2026-05-12 15:00:00', '', '')",
    "INSERT INTO activity_attendee (activity_id, person_id) VALUES (1, 1)",
]


def _rows(path) -> dict:
    connection = sqlite3.connect(path)
    tables = ("person", "availability", "activity_attendee", "organisation")
    counts = {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    counts["token"] = connection.execute("SELECT access_token FROM person").fetchone()[0]
    connection.close()
    return counts


def test_upgrading_a_filled_sqlite_database_keeps_its_rows_and_links(tmp_path):
    path = tmp_path / "old.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade(revision="0002")
        with db.engine.begin() as connection:
            for statement in ROWS_AT_0002:
                connection.exec_driver_sql(statement)
        before = _rows(path)
        upgrade()  # 0003 rebuilds the person table on SQLite
        after = _rows(path)
        connection = sqlite3.connect(path)
        digest = connection.execute("SELECT access_token_digest FROM person").fetchone()[0]
        connection.close()
        downgrade(revision="0002")
        upgrade()
        db.engine.dispose()
    assert (
        after
        == before
        == {
            "person": 1,
            "availability": 1,
            "activity_attendee": 1,
            "organisation": 1,
            "token": "the-old-secret",
        }
    )
    assert digest == hashlib.sha256(b"the-old-secret").hexdigest()
