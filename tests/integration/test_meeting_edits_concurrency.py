"""Two organisers editing the same mission at the same instant, over real HTTP against the app
served in threads, on the test database (PostgreSQL in CI's second pass, SQLite otherwise).

Each request runs in its own thread with its own database session and connection; a barrier
releases both at once. Whatever the interleaving, exactly one edit wins, the other is refused
with the reason, and the saved schedule never double-books anyone.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from mission_app import scheduling
from mission_app.extensions import db
from mission_app.models import Meeting
from mission_app.services.scheduling import build_problem
from tests import factories
from tests.conftest import CSRF_INPUT, PASSWORD

NINE = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
HALF = timedelta(minutes=30)
ROUNDS = 4


@pytest.fixture(scope="module")
def server_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


class Organiser:
    """One organiser's browser: its own cookies, its own CSRF token."""

    def __init__(self, base: str, email: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = self._token("/login")
        self._post("/login", {"email": email, "password": PASSWORD}, accept="text/html")
        self.token = self._token("/missions")

    def _token(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return CSRF_INPUT.search(response.read().decode()).group(1)

    def _post(self, path: str, fields: dict, accept: str) -> tuple[int, str]:
        data = urllib.parse.urlencode({"csrf_token": self.token, **fields}).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Accept": accept})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def move(self, mission_id: int, meeting_id: int, version: int, start, venue_id, table):
        status, body = self._post(
            f"/missions/{mission_id}/meetings/{meeting_id}/move",
            {
                "version": version,
                "start": start.isoformat(),
                "venue": venue_id,
                "table": table,
            },
            accept="application/json",
        )
        return status, json.loads(body)


def _at_once(*calls):
    """Run the calls, each (function, arguments), in threads released together; their results
    in order. Arguments are plain values: ORM objects belong to the test's thread."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(k, call):
        function, arguments = call
        barrier.wait(timeout=30)
        results[k] = function(*arguments)

    threads = [threading.Thread(target=run, args=(k, call)) for k, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def two_organisers(app_ctx, server_url):
    """A mission in Dakar (3 tables, 09:00–11:00): Karim Benali of Atlas Logiciels meets Banque
    du Cap and Sonatel Pro; two organisers logged in, each in their own browser."""
    mission = factories.MissionFactory()
    leg = factories.LegFactory(mission=mission, city="Dakar")
    venue = factories.VenueFactory(leg=leg, tables=3, name="Hôtel Terrou-Bi")
    factories.MeetingWindowFactory(venue=venue, start_at=NINE, end_at=NINE + 4 * HALF)
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas Logiciels")
    factories.PersonFactory(organisation=atlas, name="Karim Benali")
    meetings = []
    for table, name in ((1, "Banque du Cap"), (2, "Sonatel Pro")):
        host = factories.OrganisationFactory(mission=mission, host=True, name=name, leg=leg)
        factories.PersonFactory(organisation=host)
        request = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=host)
        meetings.append(
            factories.MeetingFactory(
                request=request,
                venue=venue,
                table_number=table,
                start_at=NINE + (table - 1) * HALF,
                end_at=NINE + table * HALF,
            )
        )
    users = [factories.UserFactory() for _ in range(2)]
    for user in users:
        factories.MembershipFactory(user=user, mission=mission, role="organiser")
    db.session.commit()
    browsers = [Organiser(server_url, user.email) for user in users]
    return mission, venue, meetings, browsers


def _saved(mission) -> list[tuple]:
    db.session.rollback()  # a fresh read of what the server committed
    rows = db.session.scalars(
        select(Meeting).where(Meeting.mission_id == mission.id).order_by(Meeting.id)
    ).all()
    return [(m.start_at, m.table_number, m.lock_version) for m in rows]


def _conflicts(mission) -> list:
    db.session.rollback()
    mission_problem = build_problem(mission)
    scheduled = db.session.scalars(
        select(Meeting).where(Meeting.mission_id == mission.id, Meeting.status == "scheduled")
    ).all()
    return scheduling.find_conflicts(
        mission_problem.problem,
        [
            scheduling.Assignment(
                m.request_id,
                mission_problem.slot_by_start[(m.venue_id, m.start_at)],
                m.venue_id,
                m.table_number,
            )
            for m in scheduled
        ],
    )


def _reset(meetings) -> None:
    """Both meetings back at 09:00 (table 1) and 09:30 (table 2), committed."""
    db.session.rollback()
    for k, meeting in enumerate(meetings):
        db.session.refresh(meeting)
        meeting.start_at, meeting.end_at = NINE + k * HALF, NINE + (k + 1) * HALF
        meeting.table_number = k + 1
    db.session.commit()


def test_concurrent_moves_of_one_person_into_one_slot_let_exactly_one_through(two_organisers):
    mission, venue, (banque, sonatel), (first, second) = two_organisers
    ten = NINE + 2 * HALF

    for _ in range(ROUNDS):
        _reset([banque, sonatel])
        results = _at_once(
            (first.move, (mission.id, banque.id, banque.lock_version, ten, venue.id, 1)),
            (second.move, (mission.id, sonatel.id, sonatel.lock_version, ten, venue.id, 2)),
        )

        assert sorted(status for status, _ in results) == [200, 422]
        refused = next(answer for status, answer in results if status == 422)
        winner = banque if results[0][0] == 200 else sonatel
        # The refused organiser is told whom Karim meets at 10:00 now: the winner's host.
        other = "Banque du Cap" if winner is banque else "Sonatel Pro"
        assert refused["message"] == (
            "Modification refusée : elle enfreindrait les règles du planning."
        )
        assert refused["reasons"] == [
            f"Karim Benali a déjà un rendez-vous à 10:00 : Atlas Logiciels – {other}."
        ]
        saved = _saved(mission)
        assert [start for start, _, _ in saved].count(ten) == 1
        assert saved[[banque, sonatel].index(winner)][0] == ten
        assert _conflicts(mission) == []


def test_concurrent_moves_of_one_meeting_from_one_version_let_exactly_one_through(
    two_organisers,
):
    mission, venue, (banque, _sonatel), (first, second) = two_organisers
    half_past_ten = NINE + 3 * HALF

    for _ in range(ROUNDS):
        _reset([banque, _sonatel])
        version = banque.lock_version
        results = _at_once(
            (first.move, (mission.id, banque.id, version, half_past_ten, venue.id, 1)),
            (second.move, (mission.id, banque.id, version, half_past_ten, venue.id, 3)),
        )

        assert sorted(status for status, _ in results) == [200, 409]
        stale = next(answer for status, answer in results if status == 409)
        assert stale == {
            "ok": False,
            "message": "Ce rendez-vous a été modifié par quelqu’un d’autre entre-temps : "
            "rechargez la grille.",
            "reasons": [],
            "meeting": banque.id,
        }
        winning_table = 1 if results[0][0] == 200 else 3
        assert _saved(mission)[0] == (half_past_ten, winning_table, version + 1)
        assert _conflicts(mission) == []


def test_concurrent_moves_of_two_meetings_to_one_table_let_exactly_one_through(
    two_organisers,
):
    # Two different firms would not clash by person: only the table is contested.
    mission, venue, (banque, sonatel), (first, second) = two_organisers
    other_firm = factories.OrganisationFactory(mission=mission, name="Maghreb Data")
    factories.PersonFactory(organisation=other_firm, name="Nadia Alaoui")
    sonatel.request.delegation = other_firm
    db.session.commit()
    half_past_ten = NINE + 3 * HALF

    for _ in range(ROUNDS):
        _reset([banque, sonatel])
        results = _at_once(
            (first.move, (mission.id, banque.id, banque.lock_version, half_past_ten, venue.id, 3)),
            (
                second.move,
                (mission.id, sonatel.id, sonatel.lock_version, half_past_ten, venue.id, 3),
            ),
        )

        assert sorted(status for status, _ in results) == [200, 422]
        refused = next(answer for status, answer in results if status == 422)
        assert len(refused["reasons"]) == 1
        assert refused["reasons"][0].startswith(
            "La table 3 (Hôtel Terrou-Bi) est déjà occupée à 10:30"
        )
        assert [(s, t) for s, t, _ in _saved(mission)].count((half_past_ten, 3)) == 1
        assert _conflicts(mission) == []


def test_concurrent_browsers_are_logged_in_as_organisers(two_organisers):
    """The browsers above really are logged in: the grid answers them with the organiser's page."""
    mission, _venue, _meetings, (first, _second) = two_organisers
    with first.opener.open(f"{first.base}/missions/{mission.id}/grid", timeout=30) as response:
        page = response.read().decode()
    assert re.search(r'data-move-url="/missions/\d+/meetings/\d+/move"', page)
