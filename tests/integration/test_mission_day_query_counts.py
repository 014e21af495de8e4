"""The day sheet, the follow-ups and the report run as many SQL statements for a mission of
300 organisations and 200 meetings as for a tiny one."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from mission_app.extensions import db
from mission_app.models import FollowUp, Meeting
from tests.integration.test_query_counts import _statements_for, missions  # noqa: F401


def _follow_every_meeting(mission) -> None:
    ids = db.session.scalars(select(Meeting.id).where(Meeting.mission_id == mission.id)).all()
    db.session.execute(
        insert(FollowUp),
        [
            dict(
                meeting_id=meeting_id,
                stage=("lead", "proposal", "contract")[n % 3],
                notes="Relance.",
                estimated_value=Decimal("1000.50"),
                currency=("MAD", "XOF", "MRU")[n % 3],
            )
            for n, meeting_id in enumerate(ids)
        ],
    )
    db.session.execute(
        Meeting.__table__.update().where(Meeting.mission_id == mission.id).values(outcome="held")
    )
    db.session.commit()


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("/missions/{id}/day", r'<article class="dayof-meeting state-held"'),
        ("/missions/{id}/follow-ups", r'<td data-label="Étape"><span class="badge stage-'),
        ("/missions/{id}/report", r"<td>Firme \d{3}</td>"),
    ],
)
def test_page_runs_as_many_queries_for_200_meetings_as_for_1(client, missions, page, shown):  # noqa: F811
    user, tiny, big = missions
    for mission in (tiny, big):
        _follow_every_meeting(mission)
    client.login(user.email)
    tiny_count, _ = _statements_for(client, page.format(id=tiny.id))
    big_count, big_page = _statements_for(client, page.format(id=big.id))
    assert big_count == tiny_count
    # Every meeting; on the report, every firm, those without a meeting too.
    expected = {"day": 200, "follow-ups": 200, "report": 150}[page.rsplit("/", 1)[1]]
    assert len(re.findall(shown, big_page)) == expected
