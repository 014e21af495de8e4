"""Two organisers tap the same meeting on their phones at the same instant, over real HTTP against
the app served in threads (PostgreSQL in CI's second pass, SQLite otherwise): exactly one tap is
recorded, the other is told that someone else changed the meeting and sees it as it now is."""

from __future__ import annotations

import re

import pytest

from mission_app.extensions import db
from mission_app.models import Meeting
from tests import factories
from tests.integration.test_meeting_edits_concurrency import (  # noqa: F401
    Organiser,
    _at_once,
    server_url,
)
from tests.mission_day import build_mission_day

ROUNDS = 3


class Phone(Organiser):
    def tap(self, mission_id: int, meeting_id: int, version: int, state: str):
        return self._post(
            f"/missions/{mission_id}/day/meetings/{meeting_id}",
            {"state": state, "version": version},
            accept="text/html",
        )


@pytest.fixture
def two_phones(app_ctx, server_url):  # noqa: F811
    day = build_mission_day(follow_ups=False)
    users = [factories.UserFactory() for _ in range(2)]
    for user in users:
        factories.MembershipFactory(user=user, mission=day.mission, role="organiser")
    db.session.commit()
    return day, [Phone(server_url, user.email) for user in users]


def _meeting(meeting_id: int) -> Meeting:
    db.session.rollback()  # a fresh read of what the server committed
    return db.session.get(Meeting, meeting_id)


@pytest.mark.parametrize(("first", "second"), [("held", "no_show"), ("held", "cancelled")])
def test_two_taps_on_one_meeting_at_once_one_wins(two_phones, first, second):
    day, phones = two_phones
    mission_id = day.mission.id
    for _ in range(ROUNDS):
        meeting = _meeting(day.meetings["m5"].id)
        if meeting.status == "cancelled" or meeting.outcome is not None:
            phones[0].tap(mission_id, meeting.id, meeting.lock_version, "pending")
            meeting = _meeting(meeting.id)
        version = meeting.lock_version
        results = _at_once(
            (phones[0].tap, (mission_id, meeting.id, version, first)),
            (phones[1].tap, (mission_id, meeting.id, version, second)),
        )
        # Each phone follows the redirect back to the day sheet.
        assert [status for status, _ in results] == [200, 200]
        meeting = _meeting(meeting.id)
        state = "cancelled" if meeting.status == "cancelled" else meeting.outcome
        assert state in (first, second)
        stale = "Quelqu’un d’autre a modifié ce rendez-vous entre-temps"
        # The loser's page says why, and shows the meeting as the winner left it.
        pages = [page for _, page in results]
        loser = 1 if state == first else 0
        assert [stale in page for page in pages] == [loser == 0, loser == 1]
        winner_class = f"state-{state}"
        assert re.search(rf'class="dayof-meeting {winner_class}" id="m{meeting.id}"', pages[loser])
        assert meeting.lock_version > version
