"""A double click on Publish, or two organisers publishing at the same instant, over real HTTP
against the app served in threads: one version is published, the other request finds nothing
left to publish; never a server error (SQLite has no row locks: the mission lock takes the
database's write lock at once)."""

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
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, mission=mission, role="organiser")
    db.session.commit()
    browser = Organiser(server_url, user.email)

    for _round in range(concurrency.ROUNDS):
        results = _at_once((_publish, (browser, mission.id)), (_publish, (browser, mission.id)))
        assert [status for status, _body in results] == [200, 200]  # redirects followed

    db.session.rollback()
    numbers = db.session.scalars(
        select(Publication.number).where(Publication.mission_id == mission.id)
    ).all()
    assert numbers == [1]
    bodies = sorted(body for _status, body in results)
    assert all("Rien n’a changé depuis la dernière version" in body for body in bodies)
