"""The firm's and the programme's calendars reached from a person's link speak that person's
language (their own agenda's feed already did), read back with vobject."""

from __future__ import annotations

import pytest
import vobject

from mission_app.extensions import db
from tests import factories
from tests.factories import MEETING_DAY


@pytest.fixture
def atlas(app_ctx):
    """A French mission; a firm with an Arabic-speaking, a French-speaking and an
    English-speaking delegate; one meeting with Sonatel and one workshop in Dakar."""
    mission = factories.MissionFactory(title="Mission TIC Dakar", locale="fr")
    dakar = factories.LegFactory(mission=mission, city="Dakar")
    venue = factories.VenueFactory(leg=dakar, name="Hôtel Terrou-Bi")
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Cyber")
    people = {
        language: factories.PersonFactory(
            organisation=firm, name=f"Délégué {language}", languages=[language]
        )
        for language in ("ar", "fr", "en")
    }
    sonatel = factories.OrganisationFactory(mission=mission, name="Sonatel", host=True)
    request = factories.MeetingRequestFactory(mission=mission, delegation=firm, host=sonatel)
    request.attendees.extend(people.values())
    factories.MeetingFactory(request=request, venue=venue, table_number=2, start_at=MEETING_DAY)
    workshop = factories.ActivityFactory(
        mission=mission, leg=dakar, kind="workshop", title="Atelier marché TIC"
    )
    workshop.attendees.extend(people.values())
    factories.publish(mission)
    db.session.commit()
    return people


def feed(client, person, name: str):
    response = client.get(f"/p/{person.access_token}/{name}.ics")
    assert response.status_code == 200
    return vobject.readOne(response.get_data(as_text=True))


def descriptions(calendar) -> list[str]:
    return [event.description.value for event in calendar.vevent_list]


def test_programme_feed_speaks_arabic_to_an_arabic_speaker(client, atlas):
    calendar = feed(client, atlas["ar"], "programme")
    assert calendar.contents["x-wr-calname"][0].value == "Mission TIC Dakar — البرنامج العام"
    assert calendar.contents["name"][0].value == "Mission TIC Dakar — البرنامج العام"
    [workshop] = calendar.vevent_list
    assert workshop.summary.value == "Atelier marché TIC"
    assert workshop.description.value.splitlines()[0] == "ورشة عمل"
    assert "التوقيت المحلي في Dakar: " in workshop.description.value


def test_programme_feed_speaks_english_to_an_english_speaker(client, atlas):
    calendar = feed(client, atlas["en"], "programme")
    assert calendar.contents["x-wr-calname"][0].value == "Mission TIC Dakar — public programme"
    assert descriptions(calendar)[0].splitlines()[0] == "Workshop"


def test_firm_feed_speaks_each_delegates_language(client, atlas):
    summaries = {}
    for language, person in atlas.items():
        calendar = feed(client, person, "organisation")
        summaries[language] = sorted(event.summary.value for event in calendar.vevent_list)
    assert summaries == {
        "ar": ["Atelier marché TIC", "لقاء أعمال ثنائي: Sonatel"],
        "fr": ["Atelier marché TIC", "Rendez-vous B2B : Sonatel"],
        "en": ["Atelier marché TIC", "B2B meeting: Sonatel"],
    }
    arabic = feed(client, atlas["ar"], "organisation")
    meeting = next(e for e in arabic.vevent_list if "Sonatel" in e.summary.value)
    assert meeting.description.value.splitlines()[0] == "لقاء مع Sonatel (مدير نظم المعلومات)"


def test_feeds_in_the_persons_language_match_their_own_feed(client, atlas):
    """The person's own agenda already spoke their language: now all three feeds agree."""
    own = feed(client, atlas["ar"], "agenda")
    meeting = next(e for e in own.vevent_list if "Sonatel" in e.summary.value)
    assert meeting.summary.value == "لقاء أعمال ثنائي: Sonatel"
