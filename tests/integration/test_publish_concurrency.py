"""Two organisers publishing at the same instant, over real HTTP against the app served in
threads: one version is published, the other request finds nothing left to publish; never a
server error (SQLite has no row locks: the mission lock takes the database's write lock at once).

Each organiser has their own browser: the confirmation is a flash message kept in the session
cookie, and two requests sharing one cookie jar may each read the other's message, or none."""

from __future__ import annotations

from sqlalchemy import select

from mission_app.extensions import db
from mission_app.models import Publication
from tests import factories
from tests.integration import test_meeting_edits_concurrency as concurrency
from tests.integration.test_meeting_edits_concurrency import HALF, NINE, Organiser, _at_once

server_url = concurrency.server_url  # the app served in threads, for this module too


def _publish(browser: Organiser, mission_id: int) -> tuple[int, str]:
    return browser._post(f"/missions/{mission_id}/publish", {"note": ""}, accept="text/html")


def test_publish_twice_at_once_publishes_one_version_without_error(app_ctx, server_url):
    mission = factories.MissionFactory()
    leg = factories.LegFactory(mission=mission, city="Dakar")
    venue = factories.VenueFactory(leg=leg, tables=3, name="Hôtel Terrou-Bi")
    factories.MeetingWindowFactory(venue=venue, start_at=NINE, end_at=NINE + 4 * HALF)
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas Logiciels")
    factories.PersonFactory(organisation=atlas, name="Karim Benali", email=None)
    host = factories.OrganisationFactory(mission=mission, host=True, name="Banque du Cap", leg=leg)
    factories.PersonFactory(organisation=host, name="Awa Gueye", email=None)
    request = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=host)
    factories.MeetingFactory(
        request=request, venue=venue, table_number=1, start_at=NINE, end_at=NINE + HALF
    )
    users = [factories.UserFactory(), factories.UserFactory()]
    for user in users:
        factories.MembershipFactory(user=user, mission=mission, role="organiser")
    db.session.commit()
    browsers = [Organiser(server_url, user.email) for user in users]
    unchanged = "Rien n’a changé depuis la dernière version"

    for round_ in range(concurrency.ROUNDS):
        results = _at_once(*((_publish, (browser, mission.id)) for browser in browsers))
        assert [status for status, _body in results] == [200, 200]  # redirects followed
        told = sorted("Version 1 publiée." in body for _status, body in results)
        if round_ == 0:
            assert told == [False, True]  # one published, the other was told why not
            assert sum(unchanged in body for _status, body in results) == 1
        else:
            assert all(unchanged in body for _status, body in results)

    db.session.rollback()
    numbers = db.session.scalars(
        select(Publication.number).where(Publication.mission_id == mission.id)
    ).all()
    assert numbers == [1]
