"""The portal shows the published version: when it was updated, and what changed for the
person since the version they last saw, once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mission_app.extensions import db
from tests import factories
from tests.factories import MEETING_DAY
from tests.integration.test_portal_pages import visible

HALF_HOUR = timedelta(minutes=30)


@pytest.fixture
def published(app_ctx):
    """Salma (Atlas) meets Sonatel and Orange in Dakar; version 1 is published and she has
    opened her agenda once."""
    mission = factories.MissionFactory(title="Mission TIC Dakar")
    leg = factories.LegFactory(mission=mission, city="Dakar", timezone="Africa/Dakar")
    venue = factories.VenueFactory(leg=leg, name="Hôtel Terrou-Bi", tables=4)
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas Cyber")
    salma = factories.PersonFactory(organisation=atlas, name="Salma Benali", languages=["fr"])
    hassan = factories.PersonFactory(organisation=atlas, name="Hassan Idrissi", languages=["ar"])
    meetings = {}
    for n, name in enumerate(["Sonatel", "Orange Business"]):
        host = factories.OrganisationFactory(mission=mission, name=name, host=True)
        factories.PersonFactory(organisation=host, name=f"Contact {name}")
        request = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=host)
        request.attendees = [salma, *host.people]
        meetings[name] = factories.MeetingFactory(
            request=request,
            venue=venue,
            table_number=n + 1,
            start_at=MEETING_DAY + n * HALF_HOUR,
            end_at=MEETING_DAY + (n + 1) * HALF_HOUR,
        )
    factories.publish(mission)
    db.session.commit()
    return mission, venue, atlas, salma, hassan, meetings


def _second_version(mission, venue, atlas, salma, hassan, meetings):
    """Sonatel moves to 11:00 at table 3; Orange is cancelled; Hassan gets a new meeting."""
    sonatel = meetings["Sonatel"]
    sonatel.start_at, sonatel.end_at = MEETING_DAY + 4 * HALF_HOUR, MEETING_DAY + 5 * HALF_HOUR
    sonatel.table_number, sonatel.sequence = 3, 1
    meetings["Orange Business"].status = "cancelled"
    host = factories.OrganisationFactory(mission=mission, name="Free Sénégal", host=True)
    request = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=host)
    request.attendees = [hassan]
    factories.MeetingFactory(request=request, venue=venue, table_number=4)
    publication = factories.publish(mission, note="Deuxième version")
    db.session.commit()
    return publication


def test_first_visit_shows_the_version_without_a_list_of_changes(client, published):
    mission, venue, atlas, salma, *_ = published
    text = visible(client.get(f"/p/{salma.access_token}"))
    assert "(version 1)" in text
    assert "Mis à jour le" in text and ", heure de Dakar (version 1)" in text
    assert "Ce qui a changé" not in text
    db.session.refresh(salma)
    assert salma.seen_publication_number == 1


def test_changes_since_the_last_visit_stay_listed_for_three_days(client, published):
    mission, venue, atlas, salma, hassan, meetings = published
    client.get(f"/p/{salma.access_token}")  # she sees version 1
    _second_version(*published)
    response = client.get(f"/p/{salma.access_token}")
    text = visible(response)
    assert "(version 2)" in text
    assert (
        "Ce qui a changé pour vous depuis votre dernière visite "
        "Annulé Orange Business mar. 12 mai 09:30 – 10:00 · Table 2 · Hôtel Terrou-Bi · Dakar "
        "Déplacé Sonatel "
        "Avant : mar. 12 mai 09:00 – 09:30 · Table 1 · Hôtel Terrou-Bi · Dakar "
        "Désormais : mar. 12 mai 11:00 – 11:30 · Table 3 · Hôtel Terrou-Bi · Dakar"
    ) in text
    assert "Free Sénégal" not in text  # Hassan's meeting, not hers
    page = response.get_data(as_text=True)
    assert 'href="?lang=ar&amp;since=1"' in page  # the other language shows the same changes
    db.session.refresh(salma)
    assert (salma.seen_publication_number, salma.previous_seen_publication_number) == (2, 1)
    # opened again the next day (or opened first by a mail scanner): still listed
    again = visible(client.get(f"/p/{salma.access_token}"))
    assert "(version 2)" in again
    assert "Ce qui a changé pour vous depuis votre dernière visite Annulé Orange" in again
    # three days after version 2 was first opened, the list has been seen
    salma.seen_publication_at -= timedelta(hours=72, minutes=1)
    db.session.commit()
    later = visible(client.get(f"/p/{salma.access_token}"))
    assert "(version 2)" in later
    assert "Ce qui a changé" not in later
    arabic = visible(client.get(f"/p/{salma.access_token}?lang=ar&since=1"))
    assert "ما الذي تغيّر بالنسبة إليك منذ زيارتك الأخيرة أُلغي Orange Business" in arabic
    assert "نُقل Sonatel" in arabic


def test_changes_in_arabic_for_an_arabic_speaker(client, published):
    mission, venue, atlas, salma, hassan, meetings = published
    client.get(f"/p/{hassan.access_token}")
    _second_version(*published)
    response = client.get(f"/p/{hassan.access_token}")
    page = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    text = visible(response)
    assert "(الإصدار 2)" in text
    assert "ما الذي تغيّر بالنسبة إليك منذ زيارتك الأخيرة موعد جديد Free Sénégal" in text
    assert '<bdi dir="ltr" class="hours">09:00 – 09:30</bdi>' in page


def test_nothing_changed_for_her_shows_no_list(client, published):
    mission, venue, atlas, salma, hassan, meetings = published
    client.get(f"/p/{salma.access_token}")
    host = factories.OrganisationFactory(mission=mission, name="Free Sénégal", host=True)
    request = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=host)
    request.attendees = [hassan]
    factories.MeetingFactory(request=request, venue=venue, table_number=4)
    assert factories.publish(mission).number == 2
    db.session.commit()
    text = visible(client.get(f"/p/{salma.access_token}"))
    assert "(version 2)" in text
    assert "Ce qui a changé" not in text


def test_unpublished_edits_never_reach_the_portal(client, published):
    mission, venue, atlas, salma, hassan, meetings = published
    before = visible(client.get(f"/p/{salma.access_token}"))
    meetings["Sonatel"].table_number = 4
    meetings["Orange Business"].request.host.name = "Orange Sénégal"
    db.session.commit()
    after = visible(client.get(f"/p/{salma.access_token}"))
    assert after == before
    assert "Orange Sénégal" not in after


def test_activities_show_before_the_first_publication(client, mission):
    person = factories.PersonFactory(organisation__mission=mission)
    dinner = factories.ActivityFactory(mission=mission, kind="social", title="Dîner de gala")
    dinner.attendees.append(person)
    db.session.commit()
    text = visible(client.get(f"/p/{person.access_token}"))
    assert "Dîner de gala" in text
    assert (
        "Vos rendez-vous apparaîtront ici dès que les organisateurs auront publié le planning."
        in text
    )
